# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from .crm_lead_evidence import EVIDENCE_KINDS


class CrmStageExitCriterion(models.Model):
    _inherit = "crm.stage.exit.criterion"

    pilot_evidence_kind = fields.Selection(
        EVIDENCE_KINDS,
        string="Proved by",
        help="A manual criterion ticked when the salesperson accepts a fact of this kind "
        "read in the exchanges (its quote is the proof).",
    )
