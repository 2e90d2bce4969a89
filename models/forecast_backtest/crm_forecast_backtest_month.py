# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The months of a back-test as a graph draws them: one point per month of
the run and series (each method's forecast, and the revenue won), empty
where the month has no figure (a gap in the line, not a 0)."""

from odoo import api, fields, models

from ..fields import NullableFloat
from ..sql_view import create_report_view
from .forecast_methods import FORECAST_METHODS

WON_SERIES = "won"


class CrmForecastBacktestMonth(models.Model):
    _name = "crm.forecast.backtest.month"
    _description = "Forecast Back-test Month Point"
    _auto = False
    _order = "backtest_id desc, team_id, month, series"
    _rec_name = "month"

    backtest_id = fields.Many2one("crm.forecast.backtest", string="Back-test", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    is_latest = fields.Boolean(string="Latest Run", readonly=True)
    month = fields.Date(readonly=True, help="The month (its first day).")
    series = fields.Selection(
        [*FORECAST_METHODS, (WON_SERIES, "Revenue won")],
        readonly=True,
        help="A method's forecast on the first day of the month, or the revenue won in it.",
    )
    # No figure is no value (an empty cell, a gap in the graph), never 0.
    amount = NullableFloat(
        digits=(16, 2),
        readonly=True,
        help="Empty where the month has no figure: before the team's history, or a month "
        "the method could not forecast.",
    )

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        """A month without a figure has none: its sum is None (a gap in the
        graph), not False, which the graph would draw as 0."""
        groups = super().read_group(
            domain, fields, groupby, offset=offset, limit=limit, orderby=orderby, lazy=lazy
        )
        for group in groups:
            if group.get("amount") is False:
                group["amount"] = None
        return groups

    def init(self):
        create_report_view(self)

    def _select(self):
        return """
            SELECT row_number() OVER (ORDER BY r.backtest_id, r.team_id, s.series, m.month) AS id,
                   r.backtest_id, r.company_id, r.team_id, r.is_latest, m.month, s.series,
                   CASE WHEN s.series = 'won' THEN w.actual ELSE d.forecast END AS amount
        """

    def _from(self):
        return """
              FROM (SELECT backtest_id, team_id, MIN(company_id) AS company_id,
                           BOOL_OR(is_latest) AS is_latest
                      FROM crm_forecast_backtest_detail
                  GROUP BY backtest_id, team_id) r
              JOIN crm_forecast_backtest b ON b.id = r.backtest_id
             CROSS JOIN LATERAL (
                    SELECT generate_series(
                               date_trunc('month', b.date) - b.months * interval '1 month',
                               date_trunc('month', b.date) - interval '1 month',
                               interval '1 month')::date AS month) m
              JOIN (SELECT DISTINCT backtest_id, team_id, method AS series
                      FROM crm_forecast_backtest_detail
                     UNION ALL
                    SELECT DISTINCT backtest_id, team_id, 'won'
                      FROM crm_forecast_backtest_detail) s
                ON s.backtest_id = r.backtest_id AND s.team_id = r.team_id
              LEFT JOIN crm_forecast_backtest_detail d
                ON d.backtest_id = r.backtest_id AND d.team_id = r.team_id
               AND d.month = m.month AND d.method = s.series
              LEFT JOIN (SELECT backtest_id, team_id, month, MAX(actual) AS actual
                           FROM crm_forecast_backtest_detail
                       GROUP BY backtest_id, team_id, month) w
                ON w.backtest_id = r.backtest_id AND w.team_id = r.team_id AND w.month = m.month
        """

    def _where(self):
        return ""
