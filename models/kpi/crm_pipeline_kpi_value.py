# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import create_unique_index, index_exists

from ..fields import NullableFloat

# One row per week, team, KPI, scope and series, enforced by the database.
VALUE_KEY_INDEX = "crm_pipeline_kpi_value_week_key_uniq"
VALUE_KEY = ("week", "team_id", "kpi_id", "COALESCE(scope_user_id, 0)", "series")


class CrmPipelineKpiValue(models.Model):
    """The weekly values of each KPI of a team with their targets, kept by
    the weekly reviews (and the weekly scheduled action), so that a KPI can
    be drawn over the weeks against its target: two series per week, the
    value (empty when there is no data, e.g. no deal closed) and the target
    (each month's target weighted by its days in the week)."""

    _name = "crm.pipeline.kpi.value"
    _description = "Weekly KPI Value"
    _order = "week desc, team_id, kpi_id, series"

    week = fields.Date(required=True, index=True, readonly=True, help="Monday of the week.")
    # A value measured on a team goes with the team.
    team_id = fields.Many2one(
        "crm.team", string="Sales Team", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    kpi_id = fields.Many2one(
        "crm.pipeline.kpi", string="KPI", required=True, readonly=True, ondelete="cascade"
    )
    scope_user_id = fields.Many2one(
        "res.users",
        string="Own Opportunities Of",
        index=True,
        readonly=True,
        help="Empty: the whole team. Set: the opportunities of that salesperson only.",
    )
    series = fields.Selection(
        [("value", "Value"), ("target", "Target")], required=True, readonly=True
    )
    # No data is no value (an empty cell, a gap in the graph), never 0.
    amount = NullableFloat(
        string="Figure",
        digits=(16, 2),
        aggregator="avg",
        readonly=True,
        help="The KPI's value or target for the week (in its unit).",
    )

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        """A week without data has no figure: its average is None (a gap in
        the graph), not False, which the graph would draw as 0."""
        groups = super().read_group(
            domain, fields, groupby, offset=offset, limit=limit, orderby=orderby, lazy=lazy
        )
        for group in groups:
            if group.get("amount") is False:
                group["amount"] = None
        return groups

    def init(self):
        super().init()
        if index_exists(self.env.cr, VALUE_KEY_INDEX):
            return
        create_unique_index(self.env.cr, VALUE_KEY_INDEX, self._table, list(VALUE_KEY))

    @api.model
    def _pilot_store(self, rows):
        """Store ``rows`` (week, team, company, kpi, scope user, value or
        None, target or None), replacing the rows of the same week, team, KPI
        and scope: one statement, safe with concurrent runs."""
        if not rows:
            return
        now, uid = fields.Datetime.now(), self.env.uid
        values = []
        for week, team, company, kpi, scope, value, target in rows:
            for series, amount in (("value", value), ("target", target)):
                amount = None if amount is None else round(amount, 2)
                values.append(
                    SQL(
                        "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                        week,
                        team,
                        company or None,
                        kpi,
                        scope or None,
                        series,
                        amount,
                        uid,
                        now,
                        uid,
                        now,
                    )
                )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """INSERT INTO crm_pipeline_kpi_value
                       (week, team_id, company_id, kpi_id, scope_user_id, series, amount,
                        create_uid, create_date, write_uid, write_date)
                   VALUES %s
                   ON CONFLICT (%s)
                   DO UPDATE SET amount = EXCLUDED.amount,
                                 company_id = EXCLUDED.company_id,
                                 write_uid = EXCLUDED.write_uid,
                                 write_date = EXCLUDED.write_date""",
                SQL(", ").join(values),
                SQL(", ".join(VALUE_KEY)),
            )
        )
        self.invalidate_model()

    @api.model
    def _pilot_store_lines(self, lines):
        """Keep the figures of computed review lines."""
        self._pilot_store(
            [
                (
                    line.review_id.week_start,
                    line.team_id.id,
                    line.team_id.company_id.id,
                    line.kpi_id.id,
                    line.review_id.scope_user_id.id,
                    line.current if line.has_value else None,
                    line.target if line.has_target else None,
                )
                for line in lines
            ]
        )

    @api.model
    def _pilot_fill_weeks(self, review, team, first, last):
        """Compute and store the weeks from ``first`` to ``last`` (Mondays)
        that have no value yet for ``team`` in the scope of ``review``: the
        weeks no review computed."""
        Value = self.sudo()
        scope = review.scope_user_id
        stored = set(
            Value.search(
                [
                    ("team_id", "=", team.id),
                    ("scope_user_id", "=", scope.id),
                    ("week", ">=", first),
                    ("week", "<=", last),
                ]
            ).mapped("week")
        )
        kpis = self.env["crm.pipeline.kpi"].search([("active", "=", True)])
        Target = self.env["crm.pipeline.target"]
        rows = []
        week = first
        while week <= last:
            if week not in stored:
                values = review._pilot_week_kpi_values(week, team, live_pipeline=False)[team.id]
                targets = Target._get_week_target_values(team, week, user=scope)
                rows += [
                    (
                        week,
                        team.id,
                        team.company_id.id,
                        kpi.id,
                        scope.id,
                        values.get(kpi.code),
                        targets.get(kpi.code),
                    )
                    for kpi in kpis
                ]
            week += timedelta(weeks=1)
        Value._pilot_store(rows)
