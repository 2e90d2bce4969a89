from odoo import fields, models


class CrmLostReason(models.Model):
    _inherit = "crm.lost.reason"

    require_feedback = fields.Boolean(
        string="Closing Note Required",
        help="When set, marking an opportunity as lost with this reason requires a closing note.",
    )
