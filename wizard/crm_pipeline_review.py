# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
from datetime import datetime, time, timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, format_date, formatLang

from ..models.kpi.kpi_definitions import KPI_BY_CODE


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
        """(Re)build the KPI lines of each team: the week's value, its target
        (each month's targets weighted by its days in the week), the gap, the
        status against the target (direction-aware) and the trend against the
        previous week."""
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
                domain = [("team_id", "=", team.id)]
                values = Report._pilot_kpi_values(date_from, date_to, domain)
                previous = Report._pilot_kpi_values(
                    date_from - timedelta(days=7), date_from, domain
                )
                targets = Target._get_week_target_values(team, review.week_start)
                for kpi in kpis:
                    vals_list.append(
                        review._line_values(
                            team,
                            kpi,
                            values.get(kpi.code),
                            targets[kpi.code],
                            previous.get(kpi.code),
                        )
                    )
            Line.create(vals_list)

    def _format_kpi_value(self, team, kpi, value):
        """A KPI value with its unit, in the user's language."""
        unit = KPI_BY_CODE[kpi.code].unit
        if unit == "currency":
            currency = (team.company_id or self.env.company).currency_id
            return formatLang(self.env, value, currency_obj=currency)
        text = formatLang(self.env, value, digits=1)
        if unit == "percent":
            return f"{text} %"
        return self.env._("%(value)s days", value=text)

    def _line_values(self, team, kpi, current, target, previous=None):
        has_value = current is not None
        has_target = bool(target)
        off_target = False
        if has_value and has_target:
            off_target = current < target if kpi.higher_is_better else current > target
        if not has_value:
            status = "no_value"
        elif not has_target:
            status = "no_target"
        else:
            status = "off_target" if off_target else "on_target"
        trend = False
        if has_value and previous is not None:
            change = float_compare(current, previous, precision_digits=2)
            trend = {1: "up", -1: "down", 0: "flat"}[change]
        gap = (current - target) if has_value and has_target else 0.0
        return {
            "review_id": self.id,
            "team_id": team.id,
            "kpi_id": kpi.id,
            "current": current or 0.0,
            "has_value": has_value,
            "target": target or 0.0,
            "has_target": has_target,
            "gap": gap,
            "off_target": off_target,
            "status": status,
            "unit": KPI_BY_CODE[kpi.code].unit,
            "current_display": self._format_kpi_value(team, kpi, current) if has_value else False,
            "target_display": self._format_kpi_value(team, kpi, target) if has_target else False,
            "gap_display": (
                ("+" if gap > 0 else "") + self._format_kpi_value(team, kpi, gap)
                if has_value and has_target
                else False
            ),
            "previous": previous or 0.0,
            "trend": trend,
            "trend_good": bool(trend)
            and trend != "flat"
            and (trend == "up") == bool(kpi.higher_is_better),
            "action": kpi.action if off_target else False,
        }

    @api.model
    def action_open_current_week(self):
        """The menu's entry: the review of the current week for the user's
        sales team (or every team they see), computed when it opens."""
        teams = self.env.user.sale_team_id or self.env["crm.team"].search(
            [("company_id", "in", [False, *self.env.companies.ids])]
        )
        review = self.create({"date": fields.Date.context_today(self), "team_ids": teams.ids})
        return review._reopen()

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
    current_display = fields.Char(string="Current", readonly=True)
    target_display = fields.Char(string="Target", readonly=True)
    gap_display = fields.Char(string="Gap", readonly=True)
    previous = fields.Float(string="Previous Week", readonly=True, digits=(16, 2))
    trend = fields.Selection(
        [("up", "Up"), ("down", "Down"), ("flat", "Stable")],
        readonly=True,
        help="The value against the previous week.",
    )
    trend_good = fields.Boolean(
        readonly=True, help="The trend goes the right way for this KPI (direction-aware)."
    )
    action = fields.Text(string="Action When Off Target", readonly=True)
