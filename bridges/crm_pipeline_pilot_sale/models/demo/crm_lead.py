# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Demo data: quotations and orders on the demo deals, some eroding."""

from odoo import api, models

# (opportunity, [(product, share of the expected revenue, margin rate of the
# line in %)], what becomes of it): the rates tell the story a manager reads
# in the erosion report: a deal quoted as estimated, deals discounted into
# their margin, an order below its quotation, a line without a cost.
DEMO_QUOTATIONS = [
    ("crm.crm_case_13", [("licence", 0.6, 38.0), ("day", 0.4, 30.0)], "sent"),
    ("crm.crm_case_14", [("licence", 0.5, 25.0), ("kit", 0.5, 12.0)], "sent"),
    ("crm.crm_case_15", [("day", 1.0, 28.0)], "sale"),
    ("crm.crm_case_16", [("licence", 0.7, 45.0), ("kit", 0.3, None)], "sent"),
    ("crm.crm_case_18", [("licence", 0.4, 30.0), ("kit", 0.6, 10.0)], "sale"),
    ("crm.crm_case_19", [("licence", 0.8, 42.0), ("day", 0.2, 35.0)], "sent"),
    ("crm.crm_case_22", [("kit", 1.0, 20.0)], "sent"),
]
# The won deals of the demo's history: each ordered at its closing date, at
# its estimated margin rate less 0, 3, 6 or 9 points in turn (discounts
# granted at the signature), so that the erosion report has months of history.
HISTORY_EROSION_POINTS = (0.0, 3.0, 6.0, 9.0)
DEMO_PRODUCTS = {
    "licence": ("Annual Pipeline Licence", "service"),
    "day": ("Implementation Day", "service"),
    "kit": ("Meeting Room Hardware Kit", "consu"),
}


class CrmLead(models.Model):
    # Demo data only: kept apart from the figures of models/crm_lead.py.
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _pilot_sale_demo(self):
        """Create the demo products and, on the demo deals still open with an
        expected revenue, a quotation sent (confirmed for some) whose lines
        carry the cost that gives each line its margin rate."""
        products = {
            key: self.env["product.product"].create(
                {"name": name, "type": kind, "list_price": 1000.0, "standard_price": 0.0}
            )
            for key, (name, kind) in DEMO_PRODUCTS.items()
        }
        for xmlid, lines, state in DEMO_QUOTATIONS:
            lead = self.env.ref(xmlid, raise_if_not_found=False)
            if lead and lead.active and lead.expected_revenue and not lead.stage_id.is_won:
                lead._pilot_sale_demo_order(products, lines, state)
        history = self.env["ir.model.data"].search(
            [
                ("module", "=", "crm_pipeline_pilot"),
                ("model", "=", "crm.lead"),
                ("name", "=like", "lead_pilot_history_%"),
            ],
            order="id",
        )
        leads = self.browse(history.mapped("res_id")).exists()
        won = leads.filtered(lambda lead: lead.stage_id.is_won and lead.margin_known)
        for index, lead in enumerate(won):
            rate = lead.estimated_margin_rate - HISTORY_EROSION_POINTS[index % 4]
            order = lead._pilot_sale_demo_order(products, [("licence", 1.0, rate)], "sale")
            order.date_order = lead.date_closed or order.date_order

    def _pilot_sale_demo_order(self, products, lines, state):
        """A quotation of the deal whose ``lines`` are (product key, share of
        the expected revenue, margin rate or None for a line without cost),
        sent, and confirmed when ``state`` is "sale"."""
        lead = self
        partner = lead.partner_id or self.env.ref("base.res_partner_12")
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "opportunity_id": lead.id,
                "user_id": lead.user_id.id,
                "team_id": lead.team_id.id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": products[key].id,
                            "product_uom_qty": 1.0,
                            "price_unit": round(lead.expected_revenue * share, 2),
                            "tax_id": [(5, 0, 0)],
                            "purchase_price": 0.0
                            if rate is None
                            else round(lead.expected_revenue * share * (1 - rate / 100.0), 2),
                        },
                    )
                    for key, share, rate in lines
                ],
            }
        )
        order.action_quotation_sent()
        if state == "sale":
            order.action_confirm()
        return order
