# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    evidence_ids = fields.One2many(
        "crm.lead.evidence",
        "lead_id",
        string="Evidence from the Exchanges",
    )
