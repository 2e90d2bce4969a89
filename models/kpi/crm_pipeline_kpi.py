# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from ..trust.base import SEQUENCE_BOUNDS
from .kpi_definitions import KPI_BY_CODE, KPIS


class CrmPipelineKpi(models.Model):
    """The KPIs of the weekly review and the action suggested when one is off
    target, editable (and translatable) by the sales administrator."""

    _name = "crm.pipeline.kpi"
    _description = "Pipeline KPI"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection([(kpi.code, kpi.label) for kpi in KPIS], required=True)
    sequence = fields.Integer(default=10, pilot_bounds=SEQUENCE_BOUNDS)
    active = fields.Boolean(default=True)
    higher_is_better = fields.Boolean(
        compute="_compute_higher_is_better",
        store=True,
        readonly=False,
        help="Off target when below the target; otherwise when above it.",
    )
    action = fields.Text(
        string="Action When Off Target", translate=True, help="Suggested in the weekly review."
    )

    _sql_constraints = [("code_uniq", "unique(code)", "Each KPI can be defined only once.")]

    @api.depends("code")
    def _compute_higher_is_better(self):
        for kpi in self:
            kpi.higher_is_better = KPI_BY_CODE[kpi.code].higher_is_better if kpi.code else True
