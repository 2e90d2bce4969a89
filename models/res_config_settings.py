from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    pilot_min_margin_rate = fields.Float(related="company_id.pilot_min_margin_rate", readonly=False)
    pilot_allow_lead_archive_without_reason = fields.Boolean(
        related="company_id.pilot_allow_lead_archive_without_reason", readonly=False
    )
