# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class CrmTeam(models.Model):
    _inherit = "crm.team"

    pilot_won_reason_required = fields.Boolean(
        string="Won Reason Required",
        help="When set, an opportunity of this team can only be marked as won "
        "with a won reason, whatever the path (button, stage move, mass edit, "
        "import, automation).",
    )
