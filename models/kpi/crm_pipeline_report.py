# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..crm_lead import won_lead_sql
from ..margin.crm_lead import URGENCY_SELECTION
from ..sql_view import create_report_view


class CrmPipelineReport(models.Model):
    """The KPI measures of each opportunity, active or lost, and the KPI
    formulas: the Pipeline Analysis (its views in report/) presents them; the
    weekly review, the trends, the digest and the XLSX export read the KPIs
    computed here (_pilot_kpi_values_by), for the KPIs declared in
    kpi_definitions.py.

    The rate measures are NULL where they do not apply, so that their
    average is the right ratio under any grouping. Won is the add-on's one
    definition (models/crm_lead.py, won_sql): active, in a won stage.

    The view costs about what plain Odoo's own pivot on crm.lead costs
    on the same table (docs/benchmark.md): it reads crm_lead alone (no join to
    the stages: the won stages are read once per query, see won_lead_sql; the
    company's join, for the currency, is left out by PostgreSQL when unused),
    it keeps PostgreSQL's parallel plans, and its rates are double
    precision, whose averages cost less than numeric ones.
    """

    _name = "crm.pipeline.report"
    _description = "Pipeline Analysis"
    _auto = False
    _rec_name = "lead_id"
    _order = "create_date desc"

    lead_id = fields.Many2one("crm.lead", string="Opportunity", readonly=True)
    create_date = fields.Datetime(string="Creation Date", readonly=True)
    date_closed = fields.Datetime(string="Closed Date", readonly=True)
    date_deadline = fields.Date(string="Expected Closing", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    stage_id = fields.Many2one("crm.stage", readonly=True)
    lost_reason_id = fields.Many2one("crm.lost.reason", readonly=True)
    won_reason_id = fields.Many2one("crm.won.reason", readonly=True)
    urgency = fields.Selection(URGENCY_SELECTION, readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    state = fields.Selection(
        [("open", "Open"), ("won", "Won"), ("lost", "Lost")], string="Status", readonly=True
    )
    reached_proposal = fields.Boolean(string="Reached Proposal Stage", readonly=True)
    win_rate = fields.Float(
        string="Win Rate (%)",
        readonly=True,
        aggregator="avg",
        help="100 for won, 0 for lost opportunities, empty for open ones.",
    )
    conversion_rate = fields.Float(
        string="Conversion Rate (%)",
        readonly=True,
        aggregator="avg",
        help="100 for won, 0 for lost opportunities that reached a proposal stage.",
    )
    cycle_days = fields.Float(
        string="Sales Cycle (days)",
        readonly=True,
        aggregator="avg",
        help="Days from creation to won, on won opportunities.",
    )
    won_revenue = fields.Monetary(
        string="Average Deal Size",
        currency_field="currency_id",
        readonly=True,
        aggregator="avg",
        help="Expected revenue of won opportunities; its average is the average deal size.",
    )
    expected_revenue = fields.Monetary(currency_field="currency_id", readonly=True)
    prorated_revenue = fields.Monetary(currency_field="currency_id", readonly=True)
    estimated_margin = fields.Monetary(currency_field="currency_id", readonly=True)
    prorated_margin = fields.Monetary(
        string="Weighted Margin", currency_field="currency_id", readonly=True
    )
    margin_known = fields.Boolean(
        readonly=True,
        help="An estimated cost is entered: without it the margin is unknown and "
        "the opportunity is left out of the margin rate.",
    )
    slip_rate = fields.Float(
        string="Slip Rate (%)",
        readonly=True,
        aggregator="avg",
        help="100 for opportunities whose expected closing date was pushed at least "
        "once, 0 for the others: its average is the share of pushed opportunities.",
    )
    qualification_score = fields.Integer(
        readonly=True,
        aggregator="avg",
        help="Qualification dimensions met, out of 4 (stored on the opportunity): "
        "grouped by it, the win rate shows whether qualification predicts wins.",
    )
    kpi_margin_known = fields.Boolean(
        string="Margin Rate Counted",
        readonly=True,
        help="The opportunity's margin is known and counts in the margin rate: its "
        "estimate, or the margin of its confirmed orders with the sales margins.",
    )
    kpi_margin_revenue = fields.Monetary(
        string="Revenue of the Margin Rate",
        currency_field="currency_id",
        readonly=True,
        help="The revenue the margin rate divides by: the expected revenue, or the "
        "untaxed amount of the confirmed orders with the sales margins.",
    )
    kpi_margin = fields.Monetary(
        string="Margin of the Margin Rate",
        currency_field="currency_id",
        readonly=True,
        help="The margin the margin rate adds up: the estimated margin, or the margin "
        "of the confirmed orders with the sales margins.",
    )
    nbr = fields.Integer(string="# Opportunities", readonly=True)

    @api.model
    def _pilot_kpi_margin_sql(self):
        """SQL of (known, revenue, margin) of an opportunity ``l`` for the margin
        rate KPI: its estimate. The sales margins bridge counts the margin of the
        confirmed orders of the won deals instead, once it is known."""
        return (
            "COALESCE(l.margin_known, FALSE)",
            "l.expected_revenue",
            "l.estimated_margin",
        )

    def _select(self):
        won = won_lead_sql("l")
        margin_known, margin_revenue, margin = self._pilot_kpi_margin_sql()
        return f"""
            SELECT
                l.id AS id,
                l.id AS lead_id,
                l.create_date AS create_date,
                l.date_closed AS date_closed,
                l.date_deadline AS date_deadline,
                l.user_id AS user_id,
                l.team_id AS team_id,
                l.stage_id AS stage_id,
                l.lost_reason_id AS lost_reason_id,
                l.pilot_won_reason_id AS won_reason_id,
                l.urgency AS urgency,
                l.company_id AS company_id,
                l.partner_id AS partner_id,
                c.currency_id AS currency_id,
                CASE WHEN NOT l.active THEN 'lost'
                     WHEN {won} THEN 'won'
                     ELSE 'open' END AS state,
                COALESCE(l.reached_proposal_stage, FALSE) AS reached_proposal,
                CASE WHEN NOT l.active THEN 0.0::float8
                     WHEN {won} THEN 100.0::float8 END AS win_rate,
                CASE WHEN NOT COALESCE(l.reached_proposal_stage, FALSE) THEN NULL
                     WHEN NOT l.active THEN 0.0::float8
                     WHEN {won} THEN 100.0::float8 END AS conversion_rate,
                CASE WHEN {won}
                     THEN (EXTRACT(EPOCH FROM (l.date_closed - l.create_date)) / 86400.0)::float8
                     END AS cycle_days,
                CASE WHEN {won}
                     THEN l.expected_revenue END AS won_revenue,
                l.expected_revenue AS expected_revenue,
                l.prorated_revenue AS prorated_revenue,
                l.estimated_margin AS estimated_margin,
                l.prorated_margin AS prorated_margin,
                COALESCE(l.margin_known, FALSE) AS margin_known,
                {margin_known} AS kpi_margin_known,
                {margin_revenue} AS kpi_margin_revenue,
                {margin} AS kpi_margin,
                CASE WHEN COALESCE(l.close_date_push_count, 0) > 0
                     THEN 100.0::float8 ELSE 0.0::float8 END AS slip_rate,
                COALESCE(l.qualification_score, 0) AS qualification_score,
                1 AS nbr
        """

    def _from(self):
        # "Reached a proposal stage" is kept on the lead by the stage history
        # (crm.lead.reached_proposal_stage): the view reads no history, so that
        # it costs about what the lead's own pivot costs.
        # The company's join is left out by PostgreSQL when the currency is
        # not asked for (a left join on a unique key).
        return """
            FROM crm_lead l
            LEFT JOIN res_company c ON c.id = l.company_id
        """

    def _where(self):
        return """
            WHERE l.type = 'opportunity'
              AND (l.active OR COALESCE(l.probability, 0) = 0)
        """

    def init(self):
        create_report_view(self)

    # ------------------------------------------------------------------
    # KPIs of the weekly review (the definitions of the design's KPI table)
    # ------------------------------------------------------------------

    @api.model
    def _pilot_kpi_values(self, date_from, date_to, domain=None):
        """The seven KPIs for the period [date_from, date_to[ (datetimes) on the
        opportunities matching ``domain``. A ratio without data is None."""
        return self._pilot_kpi_values_by(date_from, date_to, domain)[None]

    @api.model
    def _pilot_kpi_values_by(
        self, date_from, date_to, domain=None, groupby=None, keys=(), pipeline=None
    ):
        """The seven KPIs for the period [date_from, date_to[ (datetimes) on the
        opportunities matching ``domain``, for each value of the many2one
        ``groupby`` (e.g. ``team_id``): ``{id: values}``, with the id of every
        group that has opportunities and of each of ``keys`` (ids of groups
        that may have none); without ``groupby``, ``{None: values}``.
        A ratio without data is None. The number of queries does not depend
        on the number of groups or of opportunities (one grouped read per
        figure). ``pipeline`` ({id: value}) gives the open pipeline's value
        when it is already known (it does not depend on the period)."""
        domain = list(domain or [])
        group = [groupby] if groupby else []

        def read(extra_domain, aggregates):
            rows = self._read_group([*domain, *extra_domain], group, aggregates)
            if not groupby:
                return {None: tuple(rows[0])}
            return {row[0].id: tuple(row[1:]) for row in rows}

        closed = [
            ("date_closed", ">=", date_from),
            ("date_closed", "<", date_to),
            ("state", "in", ("won", "lost")),
        ]
        if pipeline is None:
            pipeline = self._pilot_pipeline_value_by(domain, groupby)
        # ``:count`` counts the non-NULL values: without any, the ratio is None.
        rates = read(
            closed, ["__count", "win_rate:avg", "conversion_rate:count", "conversion_rate:avg"]
        )
        won = read(
            [*closed, ("state", "=", "won")],
            ["__count", "expected_revenue:sum", "cycle_days:avg"],
        )
        # The margin rate counts only the won deals whose margin is known (an
        # estimated cost entered), in its numerator and its denominator.
        margins = read(
            [*closed, ("state", "=", "won"), ("kpi_margin_known", "=", True)],
            ["kpi_margin_revenue:sum", "kpi_margin:sum"],
        )
        attrition = self._pilot_attrition_by(date_from, date_to, domain, groupby)
        result = {}
        for key in {*keys, *pipeline, *rates, *won, *margins, *attrition}:
            win_count, win_rate, conversion_count, conversion_rate = rates.get(
                key, (0, None, 0, None)
            )
            won_count, won_revenue, cycle_days = won.get(key, (0, 0.0, None))
            margin_revenue, won_margin = margins.get(key, (0.0, 0.0))
            result[key] = {
                "pipeline_value": pipeline.get(key, 0.0),
                "conversion_rate": conversion_rate if conversion_count else None,
                "win_rate": win_rate if win_count else None,
                "deal_size": won_revenue / won_count if won_count else None,
                "cycle_days": cycle_days if won_count else None,
                "attrition": attrition.get(key),
                "margin_rate": won_margin * 100.0 / margin_revenue if margin_revenue else None,
            }
        return result

    @api.model
    def _pilot_pipeline_value_by(self, domain=None, groupby=None):
        """The value of the open pipeline (sum of the expected revenues of the
        open opportunities matching ``domain``) for each value of the
        many2one ``groupby``: ``{id: value}`` (``{None: value}`` without
        ``groupby``)."""
        rows = self._read_group(
            [*list(domain or []), ("state", "=", "open")],
            [groupby] if groupby else [],
            ["expected_revenue:sum"],
        )
        if not groupby:
            return {None: rows[0][0] or 0.0}
        return {group.id: value or 0.0 for group, value in rows}

    @api.model
    def _pilot_attrition_by(self, date_from, date_to, domain=None, groupby=None):
        """Share (%) of the customers with a won deal in the 12 months before
        the period who have none in the 12 months ending with it, for each
        value of the many2one ``groupby``: ``{id: attrition}`` (``{None: ...}``
        without ``groupby``); a group without customers before the period has
        none."""
        # One query: each customer of the won deals of the two windows, per
        # group, flagged "before" (a won deal in the 12 months before the
        # period) and "kept" (one in the 12 months ending with it), counted in
        # SQL (a group can have tens of thousands of customers).
        before_start = date_from - relativedelta(months=12)
        kept_start = date_to - relativedelta(months=12)
        query = self._search(
            [
                *list(domain or []),
                ("state", "=", "won"),
                ("partner_id", "!=", False),
                ("date_closed", ">=", before_start),
                ("date_closed", "<", date_to),
            ]
        )
        closed = SQL.identifier(query.table, "date_closed")
        group = SQL.identifier(query.table, groupby) if groupby else SQL("NULL::int")
        query.groupby = SQL("1, %s", SQL.identifier(query.table, "partner_id"))
        customers = query.select(
            SQL(
                """%(group)s AS grp,
                   bool_or(%(closed)s >= %(before_start)s AND %(closed)s < %(date_from)s) AS before,
                   bool_or(%(closed)s >= %(kept_start)s AND %(closed)s < %(date_to)s) AS kept""",
                group=group,
                closed=closed,
                before_start=before_start,
                date_from=date_from,
                kept_start=kept_start,
                date_to=date_to,
            )
        )
        rows = self.env.execute_query(
            SQL(
                """SELECT grp, COUNT(*), COUNT(*) FILTER (WHERE NOT kept)
                     FROM (%s) AS customers
                    WHERE before
                    GROUP BY grp""",
                customers,
            )
        )
        return {(key if groupby else None): lost * 100.0 / count for key, count, lost in rows}
