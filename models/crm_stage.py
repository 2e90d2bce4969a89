from odoo import fields, models


class CrmStage(models.Model):
    _inherit = "crm.stage"

    is_proposal_stage = fields.Boolean(
        string="Proposal Stage",
        help="Reaching this stage means a proposal (quote) was sent: the "
        "conversion rate counts the closed opportunities that reached it.",
    )
