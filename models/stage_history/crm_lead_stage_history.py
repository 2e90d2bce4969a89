# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.tools import SQL


class CrmLeadStageHistory(models.Model):
    """One row per stay of a lead in a stage.

    Rows are written by ``crm.lead`` itself on every stage change (create and
    write, set-based); they feed time-in-stage, the funnel between stages, the
    "reached the proposal stage" notion of the conversion rate and the
    history-based projection of the forecast.
    """

    _name = "crm.lead.stage.history"
    _description = "Stage History"
    _order = "date_in desc, id desc"
    _rec_name = "stage_id"

    lead_id = fields.Many2one(
        "crm.lead", string="Opportunity", required=True, ondelete="cascade", index=True
    )
    stage_id = fields.Many2one("crm.stage", ondelete="set null", index=True)
    user_id = fields.Many2one("res.users", string="Salesperson", index=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", index=True)
    company_id = fields.Many2one("res.company", index=True)
    date_in = fields.Datetime(string="Entered On", required=True, index=True)
    date_out = fields.Datetime(string="Left On", index=True)
    days = fields.Float(
        string="Time in Stage (days)",
        digits=(16, 2),
        aggregator="avg",
        help="Days spent in the stage: until the lead left it, or until now for its current stay.",
    )
    amount_revised = fields.Boolean(
        help="The expected revenue or the estimated cost was revised during this stay.",
    )
    is_current = fields.Boolean(
        string="Current Stay", compute="_compute_is_current", search="_search_is_current"
    )

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        # The current stay runs until now: its stored days are empty (set when
        # the lead leaves the stage), its duration is counted when read, in
        # the form, lists, pivots and searches alike.
        sql = super()._field_to_sql(alias, fname, query, flush)
        if fname != "days":
            return sql
        return SQL(
            "COALESCE(%s, GREATEST(ROUND((EXTRACT(EPOCH FROM (%s - %s)) / 86400.0)::numeric, 2),"
            " 0))",
            sql,
            fields.Datetime.now(),
            super()._field_to_sql(alias, "date_in", query, flush),
        )

    @api.depends("date_out")
    def _compute_is_current(self):
        for row in self:
            row.is_current = not row.date_out

    def _search_is_current(self, operator, value):
        if operator not in ("=", "!="):
            return NotImplemented
        current = (operator == "=") == bool(value)
        return [("date_out", "=" if current else "!=", False)]
