# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The forecast of a month per sales team, as the weekly review's export and
the digest show it: the two computed projections and the category totals."""

from dateutil.relativedelta import relativedelta

from odoo import models

# The figures of a team's month, in the order they are shown.
MONTH_FORECAST_FIGURES = ("weighted", "projected", "commit", "best_case")


class CrmTeam(models.Model):
    _inherit = "crm.team"

    def _pilot_month_forecast_labels(self):
        return {
            "weighted": self.env._("Stage-probability projection"),
            "projected": self.env._("History-based projection"),
            "commit": self.env._("Commit"),
            "best_case": self.env._("Best case"),
        }

    def _pilot_month_forecast(self, month):
        """{team id: {figure: amount}} for the month of ``month`` (a date), for
        the teams of ``self``, within the user's visibility (record rules):

        - weighted: Σ prorated revenue (stage probability) and
        - projected: Σ history-based projection (Pipeline Forecast) of the open
          opportunities expected to close in the month (Omitted left out);
        - commit: the deals in Commit expected in the month plus the revenue
          won in the month;
        - best_case: the commit plus the deals in Best case expected in the
          month (the same figures as a forecast submission's prefill).

        Three grouped queries for all the teams."""
        date_from = month.replace(day=1)
        date_to = date_from + relativedelta(months=1)
        result = {team.id: dict.fromkeys(MONTH_FORECAST_FIGURES, 0.0) for team in self}
        in_month = [("date_deadline", ">=", date_from), ("date_deadline", "<", date_to)]
        teams = [("team_id", "in", self.ids)]
        for team, weighted, projected in self.env["crm.pipeline.forecast"]._read_group(
            [*teams, *in_month],
            groupby=["team_id"],
            aggregates=["prorated_revenue:sum", "projected_revenue:sum"],
        ):
            result[team.id]["weighted"] = weighted or 0.0
            result[team.id]["projected"] = projected or 0.0
        Lead = self.env["crm.lead"]
        deals = {"commit": {}, "best_case": {}}
        for team, category, amount in Lead._read_group(
            [
                *teams,
                *in_month,
                ("type", "=", "opportunity"),
                ("active", "=", True),
                ("stage_id.is_won", "=", False),
                ("forecast_category", "in", ["commit", "best_case"]),
            ],
            groupby=["team_id", "forecast_category"],
            aggregates=["expected_revenue:sum"],
        ):
            deals[category][team.id] = amount or 0.0
        won = {
            team.id: amount or 0.0
            for team, amount in Lead._read_group(
                [
                    *teams,
                    *self.env["crm.forecast.submission"]._pilot_won_domain(date_from, date_to),
                ],
                groupby=["team_id"],
                aggregates=["expected_revenue:sum"],
            )
        }
        for team_id, figures in result.items():
            figures["commit"] = deals["commit"].get(team_id, 0.0) + won.get(team_id, 0.0)
            figures["best_case"] = figures["commit"] + deals["best_case"].get(team_id, 0.0)
        return result
