from odoo import fields, models


class CrmStage(models.Model):
    _inherit = "crm.stage"

    is_proposal_stage = fields.Boolean(
        string="Proposal Stage",
        help="Reaching this stage means a proposal (quote) was sent: the "
        "conversion rate counts the closed opportunities that reached it.",
    )

    def write(self, vals):
        result = super().write(vals)
        if "is_proposal_stage" in vals:
            self.env["crm.lead"]._pilot_recompute_reached_proposal()
        return result
