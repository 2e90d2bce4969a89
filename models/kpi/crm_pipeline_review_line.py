# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A KPI line of the weekly review: its figures, rendered in the reader's
language, the action suggested when off target and its 12-week trend."""

from datetime import timedelta

from odoo import api, fields, models

TREND_WEEKS = 12


class CrmPipelineReviewLine(models.Model):
    _name = "crm.pipeline.review.line"
    _description = "Weekly Review KPI"
    _order = "team_id, sequence, id"

    review_id = fields.Many2one(
        "crm.pipeline.review", required=True, ondelete="cascade", index=True
    )
    week_start = fields.Date(related="review_id.week_start", string="Week")
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    kpi_id = fields.Many2one("crm.pipeline.kpi", string="KPI", readonly=True)
    sequence = fields.Integer(related="kpi_id.sequence")
    current = fields.Float(string="Current Value", readonly=True, digits=(16, 2))
    has_value = fields.Boolean(readonly=True)
    target = fields.Float(string="Target Value", readonly=True, digits=(16, 2))
    has_target = fields.Boolean(readonly=True)
    gap = fields.Float(string="Gap Value", readonly=True, digits=(16, 2))
    off_target = fields.Boolean(readonly=True)
    status = fields.Selection(
        [
            ("on_target", "On target"),
            ("off_target", "Off target"),
            ("no_target", "No target"),
            ("no_value", "No data"),
        ],
        readonly=True,
    )
    unit = fields.Selection(
        [("currency", "Amount"), ("percent", "Percentage"), ("days", "Days")], readonly=True
    )
    # The texts are rendered when read, in the reader's language, whoever
    # computed the figures (the scheduled action, a user of another language).
    current_display = fields.Char(string="Current", compute="_compute_displays")
    target_display = fields.Char(string="Target", compute="_compute_displays")
    gap_display = fields.Char(string="Gap", compute="_compute_displays")
    previous = fields.Float(string="Previous Week", readonly=True, digits=(16, 2))
    trend = fields.Selection(
        [("up", "Up"), ("down", "Down"), ("flat", "Stable")],
        readonly=True,
        help="The value against the previous week.",
    )
    trend_good = fields.Boolean(
        readonly=True, help="The trend goes the right way for this KPI (direction-aware)."
    )
    action = fields.Text(
        string="Action When Off Target",
        compute="_compute_action",
        help="The action suggested for this KPI when it is off target, in the reader's language.",
    )

    @api.depends("current", "target", "gap", "has_value", "has_target", "team_id", "kpi_id")
    @api.depends_context("lang")
    def _compute_displays(self):
        for line in self:
            review = line.review_id
            format_value = review._format_kpi_value
            shown = line.has_value and line.kpi_id
            line.current_display = (
                format_value(line.team_id, line.kpi_id, line.current) if shown else False
            )
            line.target_display = (
                format_value(line.team_id, line.kpi_id, line.target)
                if line.has_target and line.kpi_id
                else False
            )
            line.gap_display = (
                review._format_gap(line.team_id, line.kpi_id, line.gap)
                if shown and line.has_target
                else False
            )

    @api.depends("off_target", "kpi_id.action")
    @api.depends_context("lang")
    def _compute_action(self):
        for line in self:
            line.action = line.kpi_id.action if line.off_target else False

    def action_open_trend(self):
        """The graph of this KPI for this team over the 12 weeks up to the
        review's week, with the target of each week (the weeks no review
        computed are computed now, in the review's scope)."""
        self.ensure_one()
        # The missing weeks are stored as superuser: readers of the line only.
        self.check_access("read")
        review = self.review_id
        Value = self.env["crm.pipeline.kpi.value"]
        first = review.week_start - timedelta(weeks=TREND_WEEKS - 1)
        Value._pilot_fill_weeks(review, self.team_id, first, review.week_start)
        scope = review.scope_user_id
        return {
            "type": "ir.actions.act_window",
            # Short enough for the breadcrumb: the weeks are on the graph.
            "name": self.env._("%(kpi)s · %(team)s", kpi=self.kpi_id.name, team=self.team_id.name),
            "res_model": Value._name,
            "view_mode": "graph,list",
            "views": [
                (self.env.ref("crm_pipeline_pilot.crm_pipeline_kpi_value_view_graph").id, "graph"),
                (self.env.ref("crm_pipeline_pilot.crm_pipeline_kpi_value_view_list").id, "list"),
            ],
            "domain": [
                ("team_id", "=", self.team_id.id),
                ("kpi_id", "=", self.kpi_id.id),
                ("scope_user_id", "=", scope.id),
                ("week", ">=", first),
                ("week", "<=", review.week_start),
            ],
            # One point per week (the Monday), not one per day between them.
            "context": {"create": False, "edit": False, "delete": False, "fill_temporal": False},
            "target": "current",
        }
