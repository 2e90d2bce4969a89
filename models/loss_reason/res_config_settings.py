# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    pilot_allow_lead_archive_without_reason = fields.Boolean(
        related="company_id.pilot_allow_lead_archive_without_reason", readonly=False
    )
