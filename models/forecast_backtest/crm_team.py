# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Forecast back-test: the method a sales team should believe, from the
latest back-test that recommends one for it."""

from odoo import fields, models

from .crm_forecast_backtest_line import FORECAST_METHODS


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
        results = (
            self.env["crm.forecast.backtest.result"]
            .sudo()
            .search(
                [
                    ("team_id", "in", self.ids),
                    ("recommended", "=", True),
                    ("backtest_id.state", "=", "done"),
                ],
                order="backtest_id desc, id",
            )
        )
        latest = {}
        for result in results:
            latest.setdefault(result.team_id.id, result)
        return latest

    def _compute_pilot_forecast_method(self):
        latest = self._pilot_recommended_results()
        for team in self:
            result = latest.get(team._origin.id)
            team.pilot_forecast_method = result.method if result else False
            team.pilot_forecast_method_mape = result.mape if result else 0.0
