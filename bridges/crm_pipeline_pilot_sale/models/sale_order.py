# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import UserError

from .crm_lead import QUOTED_STATES


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # The margin of an order is Odoo's sum of its lines' (sale_margin): never
    # typed either (see sale.order.line).
    _pilot_core_maintained = ("margin", "margin_percent")

    pilot_is_reference = fields.Boolean(
        string="Reference of the Opportunity",
        compute="_compute_pilot_is_reference",
        help="This quotation's margin is the quoted margin of its opportunity.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        self._pilot_check_opportunity_access(vals_list)
        orders = super().create(vals_list)
        orders._pilot_keep_proposal_estimate()
        return orders

    def write(self, vals):
        self._pilot_check_opportunity_access([vals])
        result = super().write(vals)
        if "state" in vals or "opportunity_id" in vals:
            self._pilot_keep_proposal_estimate()
        return result

    @api.model
    def _pilot_check_opportunity_access(self, vals_list):
        """A quotation gives its opportunity its quoted and ordered margins
        (and meets its exit criteria): only a user who may change the
        opportunity links a quotation to it (not another salesperson's deal)."""
        if self.env.su:
            return
        lead_ids = {
            vals["opportunity_id"]
            for vals in vals_list
            if isinstance(vals.get("opportunity_id"), int) and vals["opportunity_id"]
        }
        if lead_ids:
            self.env["crm.lead"].browse(lead_ids).check_access("write")

    def _pilot_keep_proposal_estimate(self):
        """A quotation sent (or confirmed) takes its opportunity to the
        proposal: its estimate is kept there (see crm.lead)."""
        sent = self.sudo().filtered(lambda order: order.state in QUOTED_STATES)
        sent.opportunity_id._pilot_keep_proposal_estimate()

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
        if self.state not in QUOTED_STATES:
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
