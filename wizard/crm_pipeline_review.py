# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
from datetime import datetime, time, timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date


class CrmPipelineReview(models.TransientModel):
    """The manager's weekly review: for a week and one or more teams, each KPI
    with its current value, target, gap and the suggested action when off
    target; exported to XLSX (one sheet per team)."""

    _name = "crm.pipeline.review"
    _description = "Weekly Review"

    date = fields.Date(
        string="Week of",
        required=True,
        default=fields.Date.context_today,
        help="Any day of the week to review.",
    )
    week_start = fields.Date(compute="_compute_week", string="From")
    week_end = fields.Date(compute="_compute_week", string="To")
    team_ids = fields.Many2many(
        "crm.team",
        string="Sales Teams",
        required=True,
        default=lambda self: self.env.user.sale_team_id,
    )
    line_ids = fields.One2many("crm.pipeline.review.line", "review_id", string="KPIs")
    xlsx_file = fields.Binary(string="XLSX File", readonly=True, attachment=False)
    xlsx_filename = fields.Char(readonly=True)

    @api.depends("date")
    def _compute_week(self):
        for review in self:
            start = self.env["crm.pipeline.snapshot"]._week_start(review.date)
            review.week_start = start
            review.week_end = start + timedelta(days=6)

    @api.depends("week_start", "week_end")
    def _compute_display_name(self):
        for review in self:
            review.display_name = self.env._(
                "Weekly Review %(start)s - %(end)s",
                start=format_date(self.env, review.week_start),
                end=format_date(self.env, review.week_end),
            )

    @api.constrains("date")
    def _check_date(self):
        today = fields.Date.context_today(self)
        for review in self:
            if review.week_start > today:
                raise ValidationError(
                    self.env._(
                        "The week of %(date)s has not started yet: choose a day of "
                        "this week or of a past week.",
                        date=review.date,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        reviews = super().create(vals_list)
        reviews._compute_lines()
        return reviews

    def _compute_lines(self):
        """(Re)build the KPI lines of each team."""
        kpis = self.env["crm.pipeline.kpi"].search([("active", "=", True)])
        Report = self.env["crm.pipeline.report"]
        Target = self.env["crm.pipeline.target"]
        # The teams must be visible to the user (not of another company); the
        # figures come from the reports, within the user's visibility.
        self.team_ids.check_access("read")
        # KPI lines are computed, never typed: users only read them.
        Line = self.env["crm.pipeline.review.line"].sudo()
        for review in self:
            review.line_ids.sudo().unlink()
            date_from = datetime.combine(review.week_start, time.min)
            date_to = date_from + timedelta(days=7)
            vals_list = []
            for team in review.team_ids:
                values = Report._pilot_kpi_values(date_from, date_to, [("team_id", "=", team.id)])
                targets = Target._get_target_values(team, review.week_start)
                for kpi in kpis:
                    vals_list.append(
                        review._line_values(team, kpi, values.get(kpi.code), targets[kpi.code])
                    )
            Line.create(vals_list)

    def _line_values(self, team, kpi, current, target):
        has_value = current is not None
        has_target = bool(target)
        off_target = False
        if has_value and has_target:
            off_target = current < target if kpi.higher_is_better else current > target
        return {
            "review_id": self.id,
            "team_id": team.id,
            "kpi_id": kpi.id,
            "current": current or 0.0,
            "has_value": has_value,
            "target": target or 0.0,
            "has_target": has_target,
            "gap": (current - target) if has_value and has_target else 0.0,
            "off_target": off_target,
            "action": kpi.action if off_target else False,
        }

    def action_refresh(self):
        self._compute_lines()
        return self._reopen()

    def action_export_xlsx(self):
        self.ensure_one()
        content = self.env["report.crm_pipeline_pilot.review_xlsx"]._generate_xlsx(self)
        self.write(
            {
                "xlsx_file": base64.b64encode(content),
                "xlsx_filename": f"weekly_review_{self.week_start}.xlsx",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/xlsx_file/{self.xlsx_filename}"
            "?download=true",
            "target": "self",
        }

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }


class CrmPipelineReviewLine(models.TransientModel):
    _name = "crm.pipeline.review.line"
    _description = "Weekly Review KPI"
    _order = "team_id, sequence, id"

    review_id = fields.Many2one("crm.pipeline.review", required=True, ondelete="cascade")
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    kpi_id = fields.Many2one("crm.pipeline.kpi", string="KPI", readonly=True)
    sequence = fields.Integer(related="kpi_id.sequence")
    current = fields.Float(readonly=True, digits=(16, 2))
    has_value = fields.Boolean(readonly=True)
    target = fields.Float(readonly=True, digits=(16, 2))
    has_target = fields.Boolean(readonly=True)
    gap = fields.Float(readonly=True, digits=(16, 2))
    off_target = fields.Boolean(readonly=True)
    action = fields.Text(string="Action When Off Target", readonly=True)
