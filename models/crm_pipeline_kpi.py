from odoo import fields, models


class CrmPipelineKpi(models.Model):
    """The KPIs of the weekly review and the action suggested when one is off
    target, editable (and translatable) by the sales administrator."""

    _name = "crm.pipeline.kpi"
    _description = "Pipeline KPI"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(
        [
            ("pipeline_value", "Pipeline Value"),
            ("conversion_rate", "Conversion Rate"),
            ("win_rate", "Win Rate"),
            ("deal_size", "Average Deal Size"),
            ("cycle_days", "Sales Cycle (days)"),
            ("attrition", "Attrition"),
            ("margin_rate", "Margin Rate"),
        ],
        required=True,
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    higher_is_better = fields.Boolean(
        default=True, help="Off target when below the target; otherwise when above it."
    )
    action = fields.Text(
        string="Action When Off Target", translate=True, help="Suggested in the weekly review."
    )

    _sql_constraints = [("code_uniq", "unique(code)", "Each KPI can be defined only once.")]
