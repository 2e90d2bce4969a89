# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..models.crm_lead import won_sql
from ..models.forecast_backtest.forecast_methods import (
    FORECAST_METHODS,
    IN_MONTH_BASES,
    base_method,
    in_month_sql,
    latest_recommended_sql,
)
from ..models.forecast_category.crm_lead import FORECAST_CATEGORIES

# What each method built on the pipeline counts for one open opportunity
# (SQL on the crm_lead row ``l`` and the win rate ``r`` of its stage); a
# method + in-month business counts what its base method counts, and the
# team's in-month business on rows of their own.
LEAD_FIGURES = {
    "stage_probability": "l.prorated_revenue",
    "history": "COALESCE(l.expected_revenue, 0.0) * COALESCE(r.win_rate, 0.0) / 100.0",
    "commit": "CASE WHEN l.forecast_category = 'commit' THEN l.expected_revenue ELSE 0.0 END",
    "best_case": "CASE WHEN l.forecast_category IN ('commit', 'best_case') "
    "THEN l.expected_revenue ELSE 0.0 END",
}
# The in-month business is shown for the current month and the following
# ones, up to this many months in all.
IN_MONTH_HORIZON = 3


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

    ``in_month_revenue``: each sales team's in-month business (forecast_methods.py,
    as of the first day of the current month), on rows of its own without an
    opportunity nor a salesperson, one per month from the current month over
    IN_MONTH_HORIZON months; the current month's counts the share of the month
    still to come (its days left, today included). A team without history
    has no such row. When the team's recommended method adds the in-month
    business, these rows count it in ``recommended_revenue``.
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
        "expected revenue of Commit (and Best case) deals; plus, for the methods + in-month "
        "business, the team's in-month business.",
    )
    in_month_revenue = fields.Monetary(
        string="In-month Business",
        currency_field="currency_id",
        readonly=True,
        help="The sales team's in-month business: the average revenue it won, over its "
        "last six complete months, from opportunities created in the month they were "
        "won, which no pipeline holds at the start of the month. For the current month, "
        "the share of its days still to come.",
    )

    @api.model
    def _pilot_weighted_margin_sql(self):
        """SQL of the weighted margin of an open opportunity ``l``: its estimate
        weighted by its probability. The sales margins bridge weighs the margin
        of its quotation sent instead, once one is known."""
        return "l.prorated_margin"

    def _select(self):
        weighted_margin = self._pilot_weighted_margin_sql()
        recommended = "\n".join(
            f"WHEN '{method}' THEN {LEAD_FIGURES[base_method(method)]}"
            for method, _label in FORECAST_METHODS
            if base_method(method) in LEAD_FIGURES
        )
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
                CASE bt.method {recommended} END AS recommended_revenue,
                NULL::numeric AS in_month_revenue
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
            LEFT JOIN ({latest_recommended_sql()}
            ) bt ON bt.team_id = l.team_id
        """

    def _where(self):
        return """
            WHERE l.type = 'opportunity'
              AND l.active
              AND NOT COALESCE(s.is_won, FALSE)
              AND l.forecast_category IS DISTINCT FROM 'omitted'
        """

    def _in_month_select(self):
        """The rows of the teams' in-month business (see the class docstring)."""
        return SQL(
            """
            SELECT -ROW_NUMBER() OVER (ORDER BY im.team_id, im.company_id, im.k) AS id,
                   NULL::int AS lead_id,
                   (im.month + im.k * INTERVAL '1 month')::date AS date_deadline,
                   NULL::int AS user_id,
                   im.team_id AS team_id,
                   NULL::int AS stage_id,
                   im.company_id AS company_id,
                   c.currency_id AS currency_id,
                   NULL, NULL, NULL, NULL, NULL,
                   0 AS nbr,
                   NULL AS undated_revenue,
                   0 AS undated_count,
                   NULL AS forecast_category,
                   bt.method AS recommended_method,
                   CASE WHEN bt.method IN %(in_month_methods)s THEN im.amount END
                       AS recommended_revenue,
                   im.amount AS in_month_revenue
              FROM (
                    SELECT month, team_id, company_id,
                           amount * CASE WHEN k = 0 THEN
                                        ((month + INTERVAL '1 month')::date - %(today)s)::numeric
                                        / ((month + INTERVAL '1 month')::date - month)
                                    ELSE 1 END AS amount,
                           k
                      FROM (%(in_month)s) team_month
                     CROSS JOIN generate_series(0, %(horizon)s - 1) AS horizon(k)
              ) im
              JOIN crm_team t ON t.id = im.team_id AND t.active
              LEFT JOIN res_company c ON c.id = im.company_id
              LEFT JOIN (%(latest)s) bt ON bt.team_id = im.team_id
            """,
            in_month_methods=tuple(IN_MONTH_BASES),
            today=SQL("(now() AT TIME ZONE 'UTC')::date"),
            in_month=in_month_sql(
                SQL("ARRAY[date_trunc('month', now() AT TIME ZONE 'UTC')::date]")
            ),
            horizon=IN_MONTH_HORIZON,
            latest=SQL(latest_recommended_sql()),
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s %s %s UNION ALL %s)",
                SQL.identifier(self._table),
                SQL(self._select()),
                SQL(self._from()),
                SQL(self._where()),
                self._in_month_select(),
            )
        )

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
