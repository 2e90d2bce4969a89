# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Weekly forecast submissions: each week a salesperson commits to a figure
for the current month, prefilled from the forecast categories of their deals;
after the month, the submission is compared with the revenue actually won."""

from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_is_zero, format_date

from ..trust.base import AMOUNT_BOUNDS

# Fields filled from the deals (prefill), then from the won revenue (actuals).
DEAL_AMOUNT_FIELDS = (
    "pipeline_amount",
    "best_case_deals_amount",
    "commit_deals_amount",
    "closed_amount",
    "weighted_amount",
    "projected_amount",
)
# What a salesperson can no longer change once the forecast is submitted.
SUBMITTED_FIELDS = ("commit_amount", "best_case_amount", "month", "week", "user_id", "team_id")


def forecast_accuracy(submitted, won):
    """The accuracy of a forecast: 100 - |submitted - won| / won x 100,
    bounded at 0. With nothing won, a forecast of 0 is exact (100) and any
    other is wrong (0)."""
    if float_is_zero(won, precision_digits=2):
        return 100.0 if float_is_zero(submitted, precision_digits=2) else 0.0
    return max(0.0, 100.0 - abs(submitted - won) / abs(won) * 100.0)


def month_start(day):
    return day.replace(day=1)


def week_start(day):
    return day - timedelta(days=day.weekday())


class CrmForecastSubmission(models.Model):
    _name = "crm.forecast.submission"
    _description = "Forecast Submission"
    _order = "month desc, week desc, team_id, user_id"

    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        required=True,
        index=True,
        default=lambda self: self.env.user,
        ondelete="cascade",
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        required=True,
        index=True,
        default=lambda self: self.env.user.sale_team_id,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    month = fields.Date(
        required=True,
        default=lambda self: month_start(fields.Date.context_today(self)),
        help="The month forecast (its first day).",
    )
    week = fields.Date(
        required=True,
        default=lambda self: week_start(fields.Date.context_today(self)),
        help="The week of the submission (its Monday).",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("submitted", "Submitted")], default="draft", required=True
    )
    commit_amount = fields.Monetary(
        pilot_bounds=AMOUNT_BOUNDS,
        string="Commit",
        currency_field="currency_id",
        help="The revenue the salesperson commits to win this month. Prefilled with "
        "the deals in Commit and the deals closed this month.",
    )
    best_case_amount = fields.Monetary(
        pilot_bounds=AMOUNT_BOUNDS,
        string="Best Case",
        currency_field="currency_id",
        help="The revenue won this month if the Best case deals close too. Prefilled "
        "with the commit and the deals in Best case.",
    )
    comment = fields.Text()
    # The deals of the month when the forecast was prefilled
    pipeline_amount = fields.Monetary(
        pilot_maintained=True, string="Pipeline Deals", currency_field="currency_id", readonly=True
    )
    best_case_deals_amount = fields.Monetary(
        pilot_maintained=True, string="Best Case Deals", currency_field="currency_id", readonly=True
    )
    commit_deals_amount = fields.Monetary(
        pilot_maintained=True, string="Commit Deals", currency_field="currency_id", readonly=True
    )
    closed_amount = fields.Monetary(
        pilot_maintained=True, string="Closed Deals", currency_field="currency_id", readonly=True
    )
    weighted_amount = fields.Monetary(
        pilot_maintained=True,
        string="Weighted Revenue",
        currency_field="currency_id",
        readonly=True,
        help="Prorated revenue of the open deals of the month (Pipeline Forecast).",
    )
    projected_amount = fields.Monetary(
        pilot_maintained=True,
        string="History-based Projection",
        currency_field="currency_id",
        readonly=True,
        help="Expected revenue x historical win rate of the stage, for the open deals "
        "of the month (Pipeline Forecast).",
    )
    is_team_leader = fields.Boolean(compute="_compute_is_team_leader")
    team_adjusted_amount = fields.Monetary(
        pilot_bounds=AMOUNT_BOUNDS,
        string="Adjusted Team Forecast",
        currency_field="currency_id",
        help="On the team leader's own submission: the figure the leader forecasts "
        "for the whole team this month, after reviewing the team's submissions.",
    )
    # After the month
    won_amount = fields.Monetary(
        pilot_maintained=True,
        string="Won Revenue",
        currency_field="currency_id",
        readonly=True,
        help="Revenue of the salesperson's opportunities won in the month.",
    )
    accuracy = fields.Float(
        string="Accuracy (%)",
        compute="_compute_accuracy",
        store=True,
        aggregator="avg",
        digits=(16, 1),
        help="Once the month is over: 100 - |commit - won| / won x 100, at least 0 "
        "(with nothing won: 100 for a commit of 0, otherwise 0).",
    )
    month_closed = fields.Boolean(
        pilot_maintained=True,
        string="Month Over",
        readonly=True,
        help="The month is over: the won revenue and the accuracy are final.",
    )

    _sql_constraints = [
        (
            "user_team_week_unique",
            "UNIQUE(user_id, team_id, month, week)",
            "A salesperson submits one forecast per sales team, month and week.",
        ),
    ]

    @api.depends("user_id", "month", "week")
    def _compute_display_name(self):
        for submission in self:
            submission.display_name = self.env._(
                "%(user)s, week of %(week)s",
                user=submission.user_id.name or "",
                week=format_date(self.env, submission.week) if submission.week else "",
            )

    @api.depends("user_id", "team_id.user_id")
    def _compute_is_team_leader(self):
        for submission in self:
            submission.is_team_leader = bool(submission.user_id) and (
                submission.user_id == submission.team_id.user_id
            )

    @api.depends("commit_amount", "won_amount", "month_closed")
    def _compute_accuracy(self):
        for submission in self:
            submission.accuracy = (
                forecast_accuracy(submission.commit_amount, submission.won_amount)
                if submission.month_closed
                else False
            )

    # ------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            for fname, start in (("month", month_start), ("week", week_start)):
                if vals.get(fname):
                    vals[fname] = start(fields.Date.to_date(vals[fname]))
        submissions = super().create(vals_list)
        submissions._check_team_adjusted_amount()
        # Amounts given at creation are kept; the others are prefilled.
        prefill = self.browse(
            submission.id
            for submission, vals in zip(submissions, vals_list, strict=True)
            if not vals.keys() & {"commit_amount", "best_case_amount"}
        )
        submissions._pilot_fill_deal_amounts(prefill_forecast=prefill)
        return submissions

    def write(self, vals):
        self._check_write(vals)
        for fname, start in (("month", month_start), ("week", week_start)):
            if vals.get(fname):
                vals[fname] = start(fields.Date.to_date(vals[fname]))
        result = super().write(vals)
        if "team_adjusted_amount" in vals or "user_id" in vals or "team_id" in vals:
            self._check_team_adjusted_amount()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_submitted(self):
        if not self._is_manager() and any(s.state == "submitted" for s in self):
            raise UserError(self.env._("A submitted forecast cannot be deleted."))

    def _is_manager(self):
        return self.env.su or self.env.user.has_group("sales_team.group_sale_manager")

    def _check_write(self, vals):
        """Only sales managers give a submission to someone else or change a
        submitted forecast."""
        if self._is_manager():
            return
        if vals.keys() & {"user_id", "team_id", "company_id"}:
            raise AccessError(
                self.env._("Only sales managers can move a forecast to another salesperson.")
            )
        if vals.keys() & set(SUBMITTED_FIELDS) and any(s.state == "submitted" for s in self):
            raise UserError(
                self.env._(
                    "This forecast is submitted: its amounts and dates can no longer change."
                )
            )
        if vals.get("state") == "draft" and any(s.state == "submitted" for s in self):
            raise UserError(self.env._("Only sales managers can reopen a submitted forecast."))

    def _check_team_adjusted_amount(self):
        if any(s.team_adjusted_amount and not s.is_team_leader for s in self):
            raise UserError(
                self.env._(
                    "The adjusted team forecast is recorded on the submission of the "
                    "team leader only."
                )
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_submit(self):
        self.write({"state": "submitted"})

    def action_refresh_amounts(self):
        """Prefill the draft forecasts again from the deals as they are now."""
        drafts = self.filtered(lambda s: s.state == "draft")
        drafts._pilot_fill_deal_amounts(prefill_forecast=drafts)

    def action_reset_to_draft(self):
        if not self._is_manager():
            raise UserError(self.env._("Only sales managers can reopen a submitted forecast."))
        self.write({"state": "draft"})

    # ------------------------------------------------------------------
    # Business: amounts from the deals, actuals after the month
    # ------------------------------------------------------------------

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
        base = [
            ("type", "=", "opportunity"),
            ("user_id", "=", self.user_id.id),
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
        closed = self._pilot_won_revenue(self.user_id, self.company_id, date_from, date_to)
        [(weighted, projected)] = (
            self.env["crm.pipeline.forecast"]
            .sudo()
            ._read_group(
                [
                    ("user_id", "=", self.user_id.id),
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
    def _pilot_won_revenue(self, user, company, date_from, date_to):
        [(total,)] = (
            self.env["crm.lead"]
            .sudo()
            ._read_group(
                [
                    *self._pilot_won_domain(date_from, date_to),
                    ("user_id", "=", user.id),
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
            vals = submission._pilot_deal_amounts()
            if prefill_forecast is not None and submission in prefill_forecast:
                commit = vals["commit_deals_amount"] + vals["closed_amount"]
                vals["commit_amount"] = commit
                vals["best_case_amount"] = commit + vals["best_case_deals_amount"]
            submission.sudo().write(vals)

    def _pilot_update_actuals(self, today=None):
        """Won revenue of each submission's month and, once the month is over,
        the final figures (won revenue and accuracy). One query for all the
        submissions of a month."""
        today = today or fields.Date.context_today(self)
        by_month = {}
        for submission in self.filtered(lambda s: not s.month_closed):
            by_month.setdefault(submission.month, self.browse())
            by_month[submission.month] |= submission
        Lead = self.env["crm.lead"].sudo()
        for month, submissions in by_month.items():
            date_to = month + relativedelta(months=1)
            won = {
                (user.id, company.id): amount
                for user, company, amount in Lead._read_group(
                    [
                        *self._pilot_won_domain(month, date_to),
                        ("user_id", "in", submissions.user_id.ids),
                    ],
                    groupby=["user_id", "company_id"],
                    aggregates=["expected_revenue:sum"],
                )
            }
            over = date_to <= today
            for submission in submissions:
                amount = won.get((submission.user_id.id, submission.company_id.id), 0.0) + won.get(
                    (submission.user_id.id, False), 0.0
                )
                submission.sudo().write({"won_amount": amount, "month_closed": over})

    @api.model
    def _cron_forecast_actuals(self):
        """Daily: the won revenue of the submissions whose month is not final
        yet (the current month, and the months that just ended)."""
        today = fields.Date.context_today(self)
        self.search([("month_closed", "=", False), ("month", "<=", today)])._pilot_update_actuals(
            today
        )
