# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Forecast back-test: the method a sales team should believe, from the
latest back-test that recommends one for it."""

from odoo import fields, models
from odoo.tools import SQL

from .forecast_methods import FORECAST_METHODS, latest_recommended_sql


class CrmTeam(models.Model):
    _inherit = "crm.team"

    pilot_forecast_method = fields.Selection(
        FORECAST_METHODS,
        string="Recommended Forecast Method",
        compute="_compute_pilot_forecast_method",
        help="The forecast method with the lowest error for this team in the latest "
        "back-test (CRM > Reporting > Pipeline Pilot > Forecast Back-tests).",
    )
    pilot_forecast_method_mape = fields.Float(
        string="Error of the Recommended Method (%)",
        digits=(16, 1),
        compute="_compute_pilot_forecast_method",
        help="Its mean absolute percentage error over the months back-tested.",
    )

    def _pilot_recommended_results(self):
        """{team id: the recommended result of the latest back-test that has one}."""
        self.env["crm.forecast.backtest.result"].flush_model()
        self.env["crm.forecast.backtest"].flush_model(["state"])
        self.env.cr.execute(
            SQL(
                "SELECT team_id, result_id FROM (%s) latest WHERE team_id = ANY(%s)",
                SQL(latest_recommended_sql()),
                [team_id for team_id in self._origin.ids if isinstance(team_id, int)],
            )
        )
        Result = self.env["crm.forecast.backtest.result"].sudo()
        latest = {
            team_id: Result.browse(result_id) for team_id, result_id in self.env.cr.fetchall()
        }
        return latest

    def _compute_pilot_forecast_method(self):
        latest = self._pilot_recommended_results()
        for team in self:
            result = latest.get(team._origin.id)
            team.pilot_forecast_method = result.method if result else False
            team.pilot_forecast_method_mape = result.mape if result else 0.0
