# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    pilot_factor_months = fields.Integer(related="company_id.pilot_factor_months", readonly=False)
    pilot_factor_min_sample = fields.Integer(
        related="company_id.pilot_factor_min_sample", readonly=False
    )
    pilot_factor_min_lift = fields.Float(related="company_id.pilot_factor_min_lift", readonly=False)
