# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.exceptions import UserError


class SaleOrder(models.Model):
    _inherit = "sale.order"

    pilot_is_reference = fields.Boolean(
        string="Reference of the Opportunity",
        compute="_compute_pilot_is_reference",
        help="This quotation's margin is the quoted margin of its opportunity.",
    )

    def _compute_pilot_is_reference(self):
        for order in self:
            order.pilot_is_reference = bool(
                order.opportunity_id
                and order.opportunity_id.sudo().pilot_reference_order_id == order
            )

    def action_pilot_set_reference(self):
        """Make this quotation (sent or confirmed) the one whose margin is the
        quoted margin of its opportunity; the user must be allowed to change
        the opportunity."""
        self.ensure_one()
        lead = self.opportunity_id
        if not lead:
            raise UserError(self.env._("%(order)s has no opportunity.", order=self.display_name))
        if self.state not in ("sent", "sale"):
            raise UserError(
                self.env._(
                    "Only a quotation sent or confirmed can be the reference of its "
                    "opportunity (%(order)s is not).",
                    order=self.display_name,
                )
            )
        lead.check_access("write")
        lead.pilot_reference_order_id = self
        return True
