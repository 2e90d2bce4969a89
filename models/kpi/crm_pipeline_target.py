# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .kpi_definitions import KPIS

DEFAULT_COVERAGE = 3.0


class CrmPipelineTarget(models.Model):
    """Monthly targets of a sales team, optionally of one of its salespeople."""

    _name = "crm.pipeline.target"
    _description = "Pipeline Target"
    _order = "month desc, team_id, user_id"

    name = fields.Char(compute="_compute_name")
    team_id = fields.Many2one("crm.team", string="Sales Team", required=True, index=True)
    user_id = fields.Many2one(
        "res.users", string="Salesperson", index=True, help="Leave empty for the whole team."
    )
    company_id = fields.Many2one(related="team_id.company_id", store=True, string="Company")
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
    )
    month = fields.Date(
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
        help="First day of the month the targets apply to.",
    )
    revenue_target = fields.Monetary(string="Revenue", currency_field="currency_id")
    coverage_ratio = fields.Float(
        string="Pipeline Coverage",
        default=DEFAULT_COVERAGE,
        digits=(16, 2),
        help="Pipeline value to hold, as a multiple of the monthly revenue target.",
    )
    pipeline_target = fields.Monetary(
        string="Pipeline Value",
        currency_field="currency_id",
        compute="_compute_pipeline_target",
        store=True,
    )
    conversion_rate_target = fields.Float(string="Conversion Rate (%)", default=25.0)
    win_rate_target = fields.Float(string="Win Rate (%)", default=30.0)
    deal_size_target = fields.Monetary(
        string="Average Deal Size",
        currency_field="currency_id",
        help="Leave at 0 for no target.",
    )
    cycle_days_target = fields.Float(string="Sales Cycle (days)", default=30.0)
    attrition_target = fields.Float(
        string="Attrition (%)", default=10.0, help="Maximum acceptable attrition."
    )
    margin_rate_target = fields.Float(string="Margin Rate (%)", default=30.0)

    _sql_constraints = [
        (
            "team_user_month_uniq",
            "unique(team_id, user_id, month)",
            "There is already a target for this team, salesperson and month.",
        ),
    ]

    @api.depends("team_id", "user_id", "month")
    def _compute_name(self):
        for target in self:
            parts = [target.team_id.name or "", target.user_id.name or ""]
            if target.month:
                parts.append(target.month.strftime("%Y-%m"))
            target.name = " / ".join(part for part in parts if part)

    @api.depends("company_id")
    def _compute_currency_id(self):
        for target in self:
            target.currency_id = (target.company_id or self.env.company).currency_id

    @api.depends("revenue_target", "coverage_ratio")
    def _compute_pipeline_target(self):
        for target in self:
            target.pipeline_target = target.revenue_target * target.coverage_ratio

    @api.constrains("month")
    def _check_month(self):
        if any(target.month.day != 1 for target in self):
            raise ValidationError(self.env._("A target month must start on the first day."))

    @api.constrains(
        "revenue_target",
        "coverage_ratio",
        "deal_size_target",
        "cycle_days_target",
        "conversion_rate_target",
        "win_rate_target",
        "attrition_target",
        "margin_rate_target",
    )
    def _check_target_values(self):
        amounts = {
            "revenue_target": self.env._("revenue"),
            "coverage_ratio": self.env._("pipeline coverage"),
            "deal_size_target": self.env._("average deal size"),
            "cycle_days_target": self.env._("sales cycle"),
        }
        rates = {
            "conversion_rate_target": self.env._("conversion rate"),
            "win_rate_target": self.env._("win rate"),
            "attrition_target": self.env._("attrition"),
            "margin_rate_target": self.env._("margin rate"),
        }
        for target in self:
            for fname, label in amounts.items():
                if target[fname] < 0:
                    raise ValidationError(
                        self.env._(
                            "The %(target)s target of %(name)s cannot be negative.",
                            target=label,
                            name=target.name,
                        )
                    )
            for fname, label in rates.items():
                if not 0 <= target[fname] <= 100:
                    raise ValidationError(
                        self.env._(
                            "The %(target)s target of %(name)s must be between 0 and 100 %%.",
                            target=label,
                            name=target.name,
                        )
                    )

    @api.model
    def _get_target_values(self, team, day):
        """Targets of ``team`` for the month of ``day``: the team's target record,
        or the defaults when there is none."""
        month = fields.Date.to_date(day).replace(day=1)
        target = self.search(
            [("team_id", "=", team.id), ("user_id", "=", False), ("month", "=", month)], limit=1
        )
        if target:
            return {kpi.code: target[kpi.target_field] for kpi in KPIS}
        # No target record: the defaults of a new one (none for amounts).
        defaults = self.default_get([kpi.target_field for kpi in KPIS])
        return {kpi.code: defaults.get(kpi.target_field) or 0.0 for kpi in KPIS}
