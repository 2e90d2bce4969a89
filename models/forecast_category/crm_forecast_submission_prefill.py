# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The prefill of a forecast: the amounts of the salesperson's deals of the
month by forecast category, and the commit and best case they suggest."""

from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import api, models

# Fields filled from the deals (prefill), then from the won revenue (actuals).
DEAL_AMOUNT_FIELDS = (
    "pipeline_amount",
    "best_case_deals_amount",
    "commit_deals_amount",
    "closed_amount",
    "weighted_amount",
    "projected_amount",
)


class CrmForecastSubmission(models.Model):
    _inherit = "crm.forecast.submission"

    def _month_bounds(self):
        """(first day, first day of the next month) of the submission's month."""
        return self.month, self.month + relativedelta(months=1)

    def _pilot_deal_amounts(self):
        """The amounts of the submission's deals this month, by category: the
        open opportunities of the salesperson (same company) expected to close
        in the month, and those won in the month (the add-on's one definition
        of won: active and in a won stage)."""
        self.ensure_one()
        date_from, date_to = self._month_bounds()
        # A deal counts once, in its own team: the salesperson's deals of the
        # submission's team only.
        base = [
            ("type", "=", "opportunity"),
            ("user_id", "=", self.user_id.id),
            ("team_id", "=", self.team_id.id),
            ("company_id", "in", [self.company_id.id, False]),
        ]
        # Read as the application: the figures are the salesperson's own deals.
        Lead = self.env["crm.lead"].sudo()
        by_category = dict(
            Lead._read_group(
                [
                    *base,
                    ("active", "=", True),
                    ("stage_id.is_won", "=", False),
                    ("date_deadline", ">=", date_from),
                    ("date_deadline", "<", date_to),
                ],
                groupby=["forecast_category"],
                aggregates=["expected_revenue:sum"],
            )
        )
        closed = self._pilot_won_revenue(
            self.user_id, self.company_id, date_from, date_to, team=self.team_id
        )
        [(weighted, projected)] = (
            self.env["crm.pipeline.forecast"]
            .sudo()
            ._read_group(
                [
                    ("user_id", "=", self.user_id.id),
                    ("team_id", "=", self.team_id.id),
                    ("company_id", "in", [self.company_id.id, False]),
                    ("date_deadline", ">=", date_from),
                    ("date_deadline", "<", date_to),
                ],
                aggregates=["prorated_revenue:sum", "projected_revenue:sum"],
            )
        )
        return {
            "pipeline_amount": by_category.get("pipeline", 0.0),
            "best_case_deals_amount": by_category.get("best_case", 0.0),
            "commit_deals_amount": by_category.get("commit", 0.0),
            "closed_amount": closed,
            "weighted_amount": weighted or 0.0,
            "projected_amount": projected or 0.0,
        }

    @api.model
    def _pilot_won_domain(self, date_from, date_to):
        """Opportunities won (active, in a won stage) in [date_from, date_to)."""
        return [
            ("type", "=", "opportunity"),
            ("active", "=", True),
            ("stage_id.is_won", "=", True),
            ("date_closed", ">=", datetime.combine(date_from, time.min)),
            ("date_closed", "<", datetime.combine(date_to, time.min)),
        ]

    @api.model
    def _pilot_won_revenue(self, user, company, date_from, date_to, team=None):
        """The revenue ``user`` won in [date_from, date_to) in ``company``
        (and in ``team`` when given: a deal counts in its own team only)."""
        team_domain = [("team_id", "=", team.id)] if team is not None else []
        [(total,)] = (
            self.env["crm.lead"]
            .sudo()
            ._read_group(
                [
                    *self._pilot_won_domain(date_from, date_to),
                    ("user_id", "=", user.id),
                    *team_domain,
                    ("company_id", "in", [company.id, False]),
                ],
                aggregates=["expected_revenue:sum"],
            )
        )
        return total or 0.0

    def _pilot_fill_deal_amounts(self, prefill_forecast=None):
        """Store the amounts of the deals; for ``prefill_forecast``, also the
        commit (Commit + Closed this month) and best case (commit + Best case)."""
        for submission in self:
            if prefill_forecast is not None and submission in prefill_forecast:
                vals = submission._pilot_prefill_values()
            else:
                vals = submission._pilot_deal_amounts()
            submission.sudo().write(vals)

    def _pilot_prefill_values(self):
        """The deals' amounts and the forecast they suggest: the commit
        (Commit + Closed this month) and the best case (commit + Best case)."""
        self.ensure_one()
        vals = self._pilot_deal_amounts()
        commit = vals["commit_deals_amount"] + vals["closed_amount"]
        vals["commit_amount"] = commit
        vals["best_case_amount"] = commit + vals["best_case_deals_amount"]
        return vals
