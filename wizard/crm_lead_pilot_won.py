# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.exceptions import UserError


class CrmLeadWon(models.TransientModel):
    """The dialog of the Won button: the won reason, then the win."""

    _name = "crm.lead.pilot.won"
    _description = "Get Won Reason"

    lead_ids = fields.Many2many("crm.lead", string="Opportunities")
    won_reason_id = fields.Many2one("crm.won.reason")

    def action_won_reason_apply(self):
        self.ensure_one()
        if not self.won_reason_id:
            raise UserError(self.env._("Choose a won reason to mark the opportunity as won."))
        # A lost deal is restored before it is won; its loss reason goes.
        self.lead_ids.action_unarchive()
        self.lead_ids.write({"pilot_won_reason_id": self.won_reason_id.id, "lost_reason_id": False})
        if len(self.lead_ids) == 1:
            return self.lead_ids.action_set_won_rainbowman()
        self.lead_ids.action_set_won()
        return {"type": "ir.actions.act_window_close"}
