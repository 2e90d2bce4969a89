# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from ..models.crm_lead import won_sql
from ..models.forecast_backtest.crm_forecast_backtest_line import FORECAST_METHODS
from ..models.forecast_category.crm_lead import FORECAST_CATEGORIES
from ..models.sql_view import create_report_view


class CrmPipelineForecast(models.Model):
    """Forecast: one row per open opportunity, grouped by expected closing month.

    ``projected_revenue`` is the history-based projection: expected revenue x
    the historical win rate of the lead's current stage, that is, among the
    opportunities of the same company that stayed in that stage and are now
    closed, the share that were won (a company's history never weighs on
    another company's forecast). A separate view so that the pipeline analysis stays light.
    Opportunities in the forecast category Omitted are left out.

    ``recommended_method`` is the method the latest forecast back-test
    recommends for the lead's team, and ``recommended_revenue`` what that
    method counts for the lead (empty when the team has no recommendation or
    the recommended method is the submitted forecasts, a team figure).
    """

    _name = "crm.pipeline.forecast"
    _description = "Pipeline Forecast"
    _auto = False
    _rec_name = "lead_id"
    _order = "date_deadline"

    lead_id = fields.Many2one("crm.lead", string="Opportunity", readonly=True)
    date_deadline = fields.Date(string="Expected Closing", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    stage_id = fields.Many2one("crm.stage", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    expected_revenue = fields.Monetary(currency_field="currency_id", readonly=True)
    prorated_revenue = fields.Monetary(currency_field="currency_id", readonly=True)
    prorated_margin = fields.Monetary(
        string="Weighted Margin", currency_field="currency_id", readonly=True
    )
    stage_win_rate = fields.Float(
        string="Historical Win Rate of the Stage (%)", readonly=True, aggregator="avg"
    )
    projected_revenue = fields.Monetary(
        string="History-based Projection",
        currency_field="currency_id",
        readonly=True,
        help="Expected revenue x historical win rate of the current stage.",
    )
    nbr = fields.Integer(string="# Opportunities", readonly=True)
    # A deal without an expected closing date is in no month's forecast: a
    # risk the manager sees as a figure of its own.
    undated_revenue = fields.Monetary(
        string="Revenue Without Closing Date",
        currency_field="currency_id",
        readonly=True,
        help="Expected revenue of the open opportunities without an expected closing "
        "date: counted in no month's forecast until the salesperson dates them.",
    )
    undated_count = fields.Integer(
        string="# Without Closing Date",
        readonly=True,
        help="Open opportunities without an expected closing date.",
    )
    forecast_category = fields.Selection(FORECAST_CATEGORIES, readonly=True)
    recommended_method = fields.Selection(
        FORECAST_METHODS,
        string="Recommended Forecast Method",
        readonly=True,
        help="The forecast method with the lowest error for the sales team in the "
        "latest back-test.",
    )
    recommended_revenue = fields.Monetary(
        string="Recommended Forecast",
        currency_field="currency_id",
        readonly=True,
        help="What the recommended method of the sales team counts for the opportunity: "
        "the weighted revenue (stage probability), the history-based projection, or the "
        "expected revenue of Commit (and Best case) deals.",
    )

    @api.model
    def _pilot_weighted_margin_sql(self):
        """SQL of the weighted margin of an open opportunity ``l``: its estimate
        weighted by its probability. The sales margins bridge weighs the margin
        of its quotation sent instead, once one is known."""
        return "l.prorated_margin"

    def _select(self):
        weighted_margin = self._pilot_weighted_margin_sql()
        return f"""
            SELECT
                l.id AS id,
                l.id AS lead_id,
                l.date_deadline AS date_deadline,
                l.user_id AS user_id,
                l.team_id AS team_id,
                l.stage_id AS stage_id,
                l.company_id AS company_id,
                c.currency_id AS currency_id,
                l.expected_revenue AS expected_revenue,
                l.prorated_revenue AS prorated_revenue,
                {weighted_margin} AS prorated_margin,
                COALESCE(r.win_rate, 0.0) AS stage_win_rate,
                COALESCE(l.expected_revenue, 0.0) * COALESCE(r.win_rate, 0.0) / 100.0
                    AS projected_revenue,
                1 AS nbr,
                CASE WHEN l.date_deadline IS NULL THEN l.expected_revenue ELSE 0.0 END
                    AS undated_revenue,
                CASE WHEN l.date_deadline IS NULL THEN 1 ELSE 0 END AS undated_count,
                l.forecast_category AS forecast_category,
                bt.method AS recommended_method,
                CASE bt.method
                    WHEN 'stage_probability' THEN l.prorated_revenue
                    WHEN 'history' THEN COALESCE(l.expected_revenue, 0.0)
                                        * COALESCE(r.win_rate, 0.0) / 100.0
                    WHEN 'commit' THEN CASE WHEN l.forecast_category = 'commit'
                                            THEN l.expected_revenue ELSE 0.0 END
                    WHEN 'best_case' THEN CASE WHEN l.forecast_category IN ('commit', 'best_case')
                                               THEN l.expected_revenue ELSE 0.0 END
                END AS recommended_revenue
        """

    def _from(self):
        # Closed = won (the add-on's one definition, won_sql) or lost.
        return f"""
            FROM crm_lead l
            JOIN crm_stage s ON s.id = l.stage_id
            LEFT JOIN res_company c ON c.id = l.company_id
            LEFT JOIN (
                SELECT h.stage_id,
                       cl.company_id,
                       100.0 * COUNT(DISTINCT h.lead_id) FILTER (WHERE cl.active)
                             / COUNT(DISTINCT h.lead_id) AS win_rate
                  FROM crm_lead_stage_history h
                  JOIN crm_lead cl ON cl.id = h.lead_id
                  LEFT JOIN crm_stage cs ON cs.id = cl.stage_id
                 WHERE cl.type = 'opportunity'
                   AND ({won_sql("cl", "cs")}
                        OR (NOT cl.active AND COALESCE(cl.probability, 0) = 0))
                 GROUP BY h.stage_id, cl.company_id
            ) r ON r.stage_id = l.stage_id
               AND r.company_id IS NOT DISTINCT FROM l.company_id
            LEFT JOIN (
                SELECT DISTINCT ON (br.team_id) br.team_id, br.method
                  FROM crm_forecast_backtest_result br
                  JOIN crm_forecast_backtest b ON b.id = br.backtest_id
                 WHERE br.recommended AND b.state = 'done'
                 ORDER BY br.team_id, br.backtest_id DESC, br.id
            ) bt ON bt.team_id = l.team_id
        """

    def _where(self):
        return """
            WHERE l.type = 'opportunity'
              AND l.active
              AND NOT COALESCE(s.is_won, FALSE)
              AND l.forecast_category IS DISTINCT FROM 'omitted'
        """

    def init(self):
        create_report_view(self)

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        """Grouped by expected closing date (by month or any interval), the
        opportunities without one are labelled as such instead of "None"."""
        result = super().read_group(
            domain, fields, groupby, offset=offset, limit=limit, orderby=orderby, lazy=lazy
        )
        keys = [
            key
            for key in ([groupby] if isinstance(groupby, str) else groupby or [])
            if key.split(":")[0] == "date_deadline"
        ]
        if keys:
            label = self.env._("No expected closing date")
            for group in result:
                for key in keys:
                    if key in group and group[key] is False:
                        group[key] = label
        return result
