# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Real margins of an opportunity: quoted and ordered, against the estimate."""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.crm_pipeline_pilot.models.crm_lead import cached_values
from odoo.addons.crm_pipeline_pilot.models.trust.base import SIGNED_AMOUNT_BOUNDS, value_in_bounds

# The states of sale orders that count: a quotation the customer received
# (sent) or accepted (confirmed); drafts and cancelled ones never count.
QUOTED_STATES = ("sent", "sale")
ORDERED_STATES = ("sale",)
# What the deal's estimate at proposal depends on, when written on the deal
PROPOSAL_ESTIMATE_INPUTS = frozenset(
    {"stage_id", "type", "expected_revenue", "estimated_cost", "estimated_margin_rate"}
)


def order_lines_with_cost(order):
    """The lines of ``order`` that carry a margin: products sold, not notes,
    sections nor down payments."""
    return order.order_line.filtered(
        lambda line: not line.display_type and not line.is_downpayment and line.product_id
    )


def order_figures(order, currency, company):
    """(untaxed amount, margin, known) of a sale order, converted into
    ``currency`` at the order's date the way Odoo's sales reports convert.
    The margin is unknown when a line has no cost or a negative one (it is
    never a 100 % margin, nor more), when the order has no line with a
    product, or when its figures are not finite amounts within the bounds of
    an amount (a price or a discount typed as NaN or 1e308)."""
    lines = order_lines_with_cost(order)
    known = bool(lines) and all(line.purchase_price > 0 for line in lines)
    date = order.date_order or fields.Date.context_today(order)
    amount, margin = order.amount_untaxed, order.margin
    if not all(value_in_bounds(value, SIGNED_AMOUNT_BOUNDS) for value in (amount, margin)):
        return 0.0, 0.0, False
    amount = order.currency_id._convert(amount, currency, company, date)
    margin = order.currency_id._convert(margin, currency, company, date)
    return amount, margin, known


def margin_rate(amount, margin):
    """Margin rate in percent of an amount (0 without amount)."""
    return margin / amount * 100.0 if amount else 0.0


class CrmLead(models.Model):
    _inherit = "crm.lead"

    pilot_reference_order_id = fields.Many2one(
        "sale.order",
        string="Reference Quotation",
        domain="[('opportunity_id', '=', id), ('state', 'in', ('sent', 'sale'))]",
        copy=False,
        tracking=True,
        help="The quotation whose margin is the deal's quoted margin. Empty: "
        "the latest quotation sent.",
    )
    quoted_amount = fields.Monetary(
        currency_field="company_currency",
        compute="_compute_document_margins",
        store=True,
        pilot_maintained=True,
        help="Untaxed amount of the reference quotation (or of the latest one "
        "sent), in the company currency.",
    )
    quoted_margin = fields.Monetary(
        currency_field="company_currency",
        compute="_compute_document_margins",
        store=True,
        pilot_maintained=True,
        help="Margin of the reference quotation (or of the latest one sent), "
        "in the company currency.",
    )
    quoted_margin_rate = fields.Float(
        string="Quoted Margin Rate (%)",
        compute="_compute_document_margins",
        store=True,
        pilot_maintained=True,
        digits=(16, 2),
        aggregator="avg",
        help="Quoted margin divided by the quoted untaxed amount, in percent.",
    )
    quoted_margin_known = fields.Boolean(
        compute="_compute_document_margins",
        store=True,
        pilot_maintained=True,
        help="A quotation was sent and every line of it has a cost: without a "
        "cost the quoted margin is unknown, never 100 %.",
    )
    ordered_amount = fields.Monetary(
        currency_field="company_currency",
        compute="_compute_document_margins",
        store=True,
        pilot_maintained=True,
        help="Untaxed amount of the deal's confirmed orders, in the company currency.",
    )
    ordered_margin = fields.Monetary(
        currency_field="company_currency",
        compute="_compute_document_margins",
        store=True,
        pilot_maintained=True,
        help="Margin of the deal's confirmed orders (summed), in the company currency.",
    )
    ordered_margin_rate = fields.Float(
        string="Ordered Margin Rate (%)",
        compute="_compute_document_margins",
        store=True,
        pilot_maintained=True,
        digits=(16, 2),
        aggregator="avg",
        help="Ordered margin divided by the ordered untaxed amount, in percent.",
    )
    ordered_margin_known = fields.Boolean(
        compute="_compute_document_margins",
        store=True,
        pilot_maintained=True,
        help="The deal has confirmed orders and every line of them has a cost.",
    )
    margin_erosion = fields.Monetary(
        currency_field="company_currency",
        compute="_compute_margin_erosion",
        store=True,
        pilot_maintained=True,
        help="Estimated margin at proposal minus the ordered margin (minus the quoted "
        "margin while nothing is ordered): positive when the deal lost margin.",
    )
    margin_erosion_points = fields.Float(
        string="Margin Erosion (points)",
        compute="_compute_margin_erosion",
        store=True,
        pilot_maintained=True,
        digits=(16, 2),
        aggregator="avg",
        help="Estimated margin rate at proposal minus the ordered (or quoted) margin "
        "rate, in points.",
    )
    margin_erosion_known = fields.Boolean(
        compute="_compute_margin_erosion",
        store=True,
        pilot_maintained=True,
        help="Both the estimated margin at proposal and the ordered (or quoted) margin are known.",
    )
    real_margin_source = fields.Selection(
        [("quoted", "Quotation Sent"), ("ordered", "Confirmed Orders")],
        string="Real Margin From",
        compute="_compute_document_margins",
        store=True,
        pilot_maintained=True,
        help="The documents whose margin the deal follows: its confirmed orders once "
        "there are any, else its quotations sent; empty without either.",
    )
    proposal_estimated_margin = fields.Monetary(
        string="Estimated Margin at Proposal",
        currency_field="company_currency",
        readonly=True,
        copy=False,
        pilot_maintained=True,
        help="The estimated margin as it stood when the deal reached the proposal (a "
        "proposal stage, or its first quotation sent), or when it was first estimated "
        "after that: the estimate the erosion is measured from.",
    )
    proposal_estimated_margin_rate = fields.Float(
        string="Estimated Margin Rate at Proposal (%)",
        readonly=True,
        copy=False,
        pilot_maintained=True,
        digits=(16, 2),
        aggregator="avg",
        help="The estimated margin rate kept with the estimated margin at proposal.",
    )
    proposal_margin_known = fields.Boolean(
        string="Estimate at Proposal Known",
        readonly=True,
        copy=False,
        pilot_maintained=True,
        help="The estimate at proposal is kept: the deal reached the proposal with an "
        "estimated cost (or got one after).",
    )
    quotation_margin_ok = fields.Boolean(
        string="Quotation Sent at Margin",
        compute="_compute_quotation_margin_ok",
        store=True,
        pilot_maintained=True,
        help="A quotation was sent with a known margin rate at or above the sales "
        "team's minimum margin rate: met from the documents themselves (use it as "
        "an exit criterion of the field kind).",
    )

    # ------------------------------------------------------------------
    # Computes (as superuser: the deal's figures are the same whoever
    # changed one of its orders, even a user who cannot read all of them)
    # ------------------------------------------------------------------

    @api.depends(
        "order_ids.state",
        "order_ids.margin",
        "order_ids.amount_untaxed",
        "order_ids.currency_id",
        "order_ids.date_order",
        "order_ids.order_line.purchase_price",
        "order_ids.order_line.display_type",
        "pilot_reference_order_id",
        "company_id",
    )
    def _compute_document_margins(self):
        # The orders of each deal are read and sorted out once, for the
        # quoted and the ordered figures and the source the deal follows.
        for lead in self:
            company = lead.company_id or self.env.company
            quotations = lead.sudo().order_ids.filtered(lambda order: order.state in QUOTED_STATES)
            orders = quotations.filtered(lambda order: order.state in ORDERED_STATES)
            reference = lead.sudo().pilot_reference_order_id
            if reference not in quotations:
                reference = quotations.sorted(lambda order: (order.date_order, order.id))[-1:]
            amount = margin = 0.0
            known = False
            if reference:
                amount, margin, known = order_figures(reference, lead.company_currency, company)
            known = known and amount > 0
            lead.quoted_amount = amount
            lead.quoted_margin = margin if known else 0.0
            lead.quoted_margin_rate = margin_rate(amount, margin) if known else 0.0
            lead.quoted_margin_known = known
            amount = margin = 0.0
            known = bool(orders)
            for order in orders:
                order_amount, order_margin, order_known = order_figures(
                    order, lead.company_currency, company
                )
                amount += order_amount
                margin += order_margin
                known = known and order_known
            known = known and amount > 0
            lead.ordered_amount = amount
            lead.ordered_margin = margin if known else 0.0
            lead.ordered_margin_rate = margin_rate(amount, margin) if known else 0.0
            lead.ordered_margin_known = known
            lead.real_margin_source = (orders and "ordered") or (quotations and "quoted") or False

    @api.depends(
        "proposal_margin_known",
        "proposal_estimated_margin",
        "proposal_estimated_margin_rate",
        "real_margin_source",
        "quoted_margin",
        "quoted_margin_rate",
        "quoted_margin_known",
        "ordered_margin",
        "ordered_margin_rate",
        "ordered_margin_known",
    )
    def _compute_margin_erosion(self):
        # From the estimate at proposal, not today's: a salesperson who
        # lowers the estimate to the quotation's does not erase the erosion.
        for lead in self:
            real = lead._pilot_real_margin()
            known = lead.proposal_margin_known and real is not None
            lead.margin_erosion = lead.proposal_estimated_margin - real[0] if known else 0.0
            lead.margin_erosion_points = (
                lead.proposal_estimated_margin_rate - real[1] if known else 0.0
            )
            lead.margin_erosion_known = known

    def _pilot_real_margin(self):
        """(margin, rate) the documents give: the confirmed orders once there
        are any, else the quotation sent (see real_margin_source); None when
        they give no known margin (nothing sent, a line without cost)."""
        self.ensure_one()
        if self.real_margin_source == "ordered" and self.ordered_margin_known:
            return self.ordered_margin, self.ordered_margin_rate
        if self.real_margin_source == "quoted" and self.quoted_margin_known:
            return self.quoted_margin, self.quoted_margin_rate
        return None

    def _pilot_margin_rate_followed(self):
        # The documents' margin once they give one (see _pilot_real_margin).
        real = self._pilot_real_margin()
        if real is None:
            return super()._pilot_margin_rate_followed()
        return real[1], self.real_margin_source

    def _pilot_low_margin_reason(self, rate, minimum, kind):
        if kind == "quoted":
            return self.env._(
                "The margin rate of the quotation sent (%(rate)s %%) is below the team "
                "minimum (%(minimum)s %%).",
                rate=rate,
                minimum=minimum,
            )
        if kind == "ordered":
            return self.env._(
                "The margin rate of the confirmed orders (%(rate)s %%) is below the team "
                "minimum (%(minimum)s %%).",
                rate=rate,
                minimum=minimum,
            )
        return super()._pilot_low_margin_reason(rate, minimum, kind)

    def _pilot_margin_followed_known(self):
        # The documents' margin is known, or else the estimate (the flag
        # follows the one that is known, see _compute_is_low_margin).
        known = super()._pilot_margin_followed_known()
        self._pilot_fetch(["real_margin_source", "quoted_margin_known", "ordered_margin_known"])
        return [
            bool(estimated or (source == "ordered" and ordered) or (source == "quoted" and quoted))
            for estimated, source, quoted, ordered in zip(
                known,
                cached_values(self, "real_margin_source"),
                cached_values(self, "quoted_margin_known"),
                cached_values(self, "ordered_margin_known"),
                strict=True,
            )
        ]

    # ------------------------------------------------------------------
    # Estimate at proposal
    # ------------------------------------------------------------------

    def _pilot_after_create(self, vals_list):
        result = super()._pilot_after_create(vals_list)
        self._pilot_keep_proposal_estimate()
        return result

    def _pilot_after_write(self, vals, state):
        result = super()._pilot_after_write(vals, state)
        if vals.keys() & PROPOSAL_ESTIMATE_INPUTS:
            self._pilot_keep_proposal_estimate()
        return result

    def _pilot_keep_proposal_estimate(self):
        """Keep, once, the estimate of the opportunities of self that reached
        the proposal (a proposal stage, or a quotation sent) with an estimated
        cost: the estimate the erosion is measured from. An estimate given
        only later is kept when given. Later changes of the estimate leave it."""
        leads = self.sudo().filtered(
            lambda lead: (
                lead.id
                and lead.type == "opportunity"
                and not lead.proposal_margin_known
                and lead.margin_known
                and (lead.reached_proposal_stage or lead.real_margin_source)
            )
        )
        if not leads:
            return
        # One statement for any number of deals (a mass stage move).
        leads.flush_recordset(["estimated_margin", "estimated_margin_rate"])
        self.env.cr.execute(
            SQL(
                """UPDATE crm_lead
                      SET proposal_estimated_margin = estimated_margin,
                          proposal_estimated_margin_rate = estimated_margin_rate,
                          proposal_margin_known = TRUE
                    WHERE id IN %s""",
                tuple(leads.ids),
            )
        )
        kept = [
            "proposal_estimated_margin",
            "proposal_estimated_margin_rate",
            "proposal_margin_known",
        ]
        leads.invalidate_recordset(kept, flush=False)
        leads.modified(kept)

    @api.depends(
        "quoted_margin_known",
        "quoted_margin_rate",
        "team_id.pilot_min_margin_rate",
        "company_id.pilot_min_margin_rate",
    )
    def _compute_quotation_margin_ok(self):
        for lead in self:
            lead.quotation_margin_ok = lead.quoted_margin_known and (
                lead.quoted_margin_rate >= lead._pilot_min_margin_rate()
            )

    @api.depends(
        "quoted_margin_known",
        "quoted_margin_rate",
        "ordered_margin_known",
        "ordered_margin_rate",
        "real_margin_source",
    )
    def _compute_is_low_margin(self):
        # Once the documents give a margin (the order, else the quotation
        # sent), the flag follows it rather than the estimate: a quotation
        # below the team's minimum raises it even on a well-estimated deal.
        res = super()._compute_is_low_margin()
        for lead in self:
            real = lead._pilot_real_margin()
            if real is not None:
                lead.is_low_margin = real[1] < lead._pilot_min_margin_rate()
        return res

    # ------------------------------------------------------------------
    # Reference quotation
    # ------------------------------------------------------------------

    @api.constrains("pilot_reference_order_id")
    def _check_pilot_reference_order(self):
        for lead in self:
            order = lead.sudo().pilot_reference_order_id
            if order and order.opportunity_id != lead:
                raise UserError(
                    self.env._(
                        "The reference quotation %(order)s belongs to another opportunity "
                        "than %(lead)s.",
                        order=order.display_name,
                        lead=lead.display_name,
                    )
                )
