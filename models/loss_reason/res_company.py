# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    pilot_allow_lead_archive_without_reason = fields.Boolean(
        string="Archive Junk Leads Without Reason",
        default=True,
        help="When set, leads (not opportunities) may be archived as junk without a loss reason.",
    )
