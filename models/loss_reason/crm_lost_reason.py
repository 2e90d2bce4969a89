# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class CrmLostReason(models.Model):
    _inherit = "crm.lost.reason"

    require_feedback = fields.Boolean(
        string="Closing Note Required",
        help="When set, marking an opportunity as lost with this reason requires a closing note.",
    )
