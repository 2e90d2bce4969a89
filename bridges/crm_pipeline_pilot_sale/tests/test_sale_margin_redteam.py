# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The bridge attacked over XML-RPC (an external script's way in) by a
salesperson: the figures it maintains, the reference quotation and the
quotations of another salesperson's deal, hostile prices, costs and
discounts. Each refusal is paired with the allowed call."""

import math
import xmlrpc.client

from odoo.tests import HttpCase, tagged

from odoo.addons.crm_pipeline_pilot.tests.common import new_pilot_user

# Odoo's XML-RPC fault codes (odoo/addons/base/controllers/rpc.py)
WARNING = 2  # UserError, ValidationError
ACCESS_ERROR = 4


@tagged("post_install", "-at_install")
class TestSaleMarginRedTeam(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_pilot_user(
            cls.env, "pilot_red_sam", name="Rhea Red", email="rhea@example.com"
        )
        cls.other = new_pilot_user(
            cls.env, "pilot_red_otto", name="Otis Other", email="otis@example.com"
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Red Team",
                "member_ids": [(6, 0, (cls.salesman | cls.other).ids)],
                "pilot_min_margin_rate": 30.0,
            }
        )
        cls.partner = cls.env["res.partner"].create({"name": "Red Customer"})
        cls.product = cls.env["product.product"].create(
            {"name": "Red Service", "type": "service", "list_price": 1.0}
        )
        cls.deal = cls._deal("Red own deal", cls.salesman)
        cls.others_deal = cls._deal("Red other's deal", cls.other)
        cls.others_quote = cls._quote(cls.others_deal, cls.other, 800.0)

    @classmethod
    def _deal(cls, name, user):
        return cls.env["crm.lead"].create(
            {
                "name": name,
                "type": "opportunity",
                "user_id": user.id,
                "team_id": cls.team.id,
                "partner_id": cls.partner.id,
                "expected_revenue": 1000.0,
                "estimated_cost": 600.0,
            }
        )

    @classmethod
    def _quote(cls, lead, user, cost, price=1000.0):
        order = cls.env["sale.order"].create(
            {
                "partner_id": cls.partner.id,
                "opportunity_id": lead.id,
                "user_id": user.id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": cls.product.id,
                            "product_uom_qty": 1.0,
                            "price_unit": price,
                            "purchase_price": cost,
                            "tax_id": [(5, 0, 0)],
                        },
                    )
                ],
            }
        )
        order.action_quotation_sent()
        return order

    def _call(self, model, method, *args, **kwargs):
        """Call as the salesperson over XML-RPC: the result."""
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname,
            self.salesman.id,
            self.salesman.login,
            model,
            method,
            list(args),
            kwargs,
        )

    def _refused(self, code, model, method, *args, **kwargs):
        """Call as the salesperson, which must be refused with the fault
        ``code`` (ACCESS_ERROR, or WARNING for a UserError): its message."""
        with self.assertRaises(xmlrpc.client.Fault) as fault:
            self._call(model, method, *args, **kwargs)
        self.assertEqual(fault.exception.faultCode, code, fault.exception.faultString)
        return fault.exception.faultString

    def _figures(self, lead):
        lead.invalidate_recordset()
        return (
            lead.quoted_amount,
            lead.quoted_margin,
            lead.quoted_margin_rate,
            lead.quoted_margin_known,
            lead.quotation_margin_ok,
        )

    def test_maintained_figures_refused_allowed_field_written(self):
        for fname, value in (
            ("quoted_margin", 1.0),
            ("quoted_margin_known", True),
            ("ordered_margin_rate", 99.0),
            ("quotation_margin_ok", True),
            ("margin_erosion", -5.0),
            ("proposal_estimated_margin", 1e308),
            ("real_margin_source", "ordered"),
        ):
            with self.subTest(field=fname):
                message = self._refused(
                    ACCESS_ERROR,
                    "crm.lead",
                    "write",
                    [self.deal.id],
                    {fname: value},
                )
                self.assertIn("maintained by the application", message)
        self.assertTrue(self._call("crm.lead", "write", [self.deal.id], {"name": "Red renamed"}))
        self.assertEqual(self._figures(self.deal), (0.0, 0.0, 0.0, False, False))

    def test_margins_of_quotations_are_not_typed(self):
        """Odoo's margin of a line or an order (what the deal's quoted and
        ordered margins add up) is refused to a salesperson on write and
        import, on a quotation sent and on a confirmed order; the price,
        which the margin follows, is written."""
        quote = self._quote(self.deal, self.salesman, 950.0)
        line = quote.order_line
        self.assertEqual(self._figures(self.deal)[1:3], (50.0, 5.0))
        for model, record, fname in (
            ("sale.order.line", line, "margin"),
            ("sale.order.line", line, "margin_percent"),
            ("sale.order", quote, "margin"),
        ):
            with self.subTest(model=model, field=fname):
                message = self._refused(ACCESS_ERROR, model, "write", [record.id], {fname: 9000})
                self.assertIn("maintained by the application", message)
        result = self._call("sale.order.line", "load", [".id", "margin"], [[str(line.id), "77777"]])
        self.assertFalse(result["ids"])
        self.assertEqual(self._figures(self.deal)[1:3], (50.0, 5.0))
        self.assertTrue(self._call("sale.order.line", "write", [line.id], {"price_unit": 1900.0}))
        self.assertEqual(self._figures(self.deal)[1:3], (950.0, 50.0))
        quote.action_confirm()
        self._refused(ACCESS_ERROR, "sale.order.line", "write", [line.id], {"margin": 123456})
        self.deal.invalidate_recordset()
        self.assertEqual(self.deal.ordered_margin, 950.0)

    def test_another_salespersons_deal_and_quotations(self):
        own_quote = self._quote(self.deal, self.salesman, 650.0)
        # The reference quotation: one of another deal, refused; its own, allowed.
        self._refused(
            WARNING,
            "crm.lead",
            "write",
            [self.deal.id],
            {"pilot_reference_order_id": self.others_quote.id},
        )
        self._refused(
            ACCESS_ERROR, "sale.order", "action_pilot_set_reference", [self.others_quote.id]
        )
        self.assertTrue(self._call("sale.order", "action_pilot_set_reference", [own_quote.id]))
        self.deal.invalidate_recordset()
        self.assertEqual(self.deal.pilot_reference_order_id, own_quote)
        # The other's quotation: not to read, change nor move to the own deal.
        self._refused(
            ACCESS_ERROR,
            "sale.order",
            "write",
            [self.others_quote.id],
            {"opportunity_id": self.deal.id},
        )
        self._refused(
            ACCESS_ERROR,
            "sale.order.line",
            "write",
            self.others_quote.order_line.ids,
            {"purchase_price": 1.0},
        )
        # A quotation of its own linked to the other's deal (to meet its
        # criterion, or to lower its margin): refused; to its own deal, allowed.
        vals = {
            "partner_id": self.partner.id,
            "opportunity_id": self.others_deal.id,
            "order_line": [
                (
                    0,
                    0,
                    {"product_id": self.product.id, "price_unit": 1000.0, "purchase_price": 100.0},
                )
            ],
        }
        self._refused(ACCESS_ERROR, "sale.order", "create", vals)
        own_id = self._call("sale.order", "create", dict(vals, opportunity_id=self.deal.id))
        self._refused(
            ACCESS_ERROR, "sale.order", "write", [own_id], {"opportunity_id": self.others_deal.id}
        )
        self.assertEqual(self._figures(self.others_deal), (1000.0, 200.0, 20.0, True, False))

    def test_hostile_prices_costs_and_discounts(self):
        """Each hostile value on a line of the salesperson's own quotation
        leaves the quoted margin unknown (never NaN, infinite or above 100 %),
        so that the criterion is not met; a sound line then meets it."""
        quote = self._quote(self.deal, self.salesman, 650.0)
        line = quote.order_line
        self.assertEqual(self._figures(self.deal), (1000.0, 350.0, 35.0, True, True))
        for vals in (
            {"price_unit": math.nan},
            {"price_unit": 1e308},
            {"price_unit": -1000.0},
            {"purchase_price": math.nan},
            {"purchase_price": -500.0},
            {"purchase_price": 1e308},
            {"discount": 1e308},
            {"discount": math.nan},
            {"discount": -50.0},
        ):
            with self.subTest(vals=vals):
                refused = False
                try:
                    self._call("sale.order.line", "write", line.ids, vals)
                except xmlrpc.client.Fault as fault:  # refused: nothing changed
                    self.assertEqual(fault.faultCode, WARNING, fault.faultString)
                    self.assertIn("must be a number between", fault.faultString)
                    refused = True
                amount, margin, rate, known, ok = self._figures(self.deal)
                for number in (amount, margin, rate):
                    self.assertTrue(math.isfinite(number), (vals, number))
                if any(isinstance(v, float) and not -1e15 <= v <= 1e15 for v in vals.values()):
                    self.assertTrue(refused, vals)  # NaN and 1e308: refused, with a message
                if refused:
                    self.assertEqual((amount, margin, known, ok), (1000.0, 350.0, True, True))
                elif vals.get("discount") == -50.0:
                    # A negative discount raises the price: 1,500 for a cost of 650
                    self.assertEqual((amount, margin, known, ok), (1500.0, 850.0, True, True))
                else:
                    # A negative price or cost: the margin is unknown (a cost
                    # of -500 would give a rate of 150 % and meet the criterion)
                    self.assertEqual(
                        (amount > 0, known, ok), ("price_unit" not in vals, False, False)
                    )
                self._call(
                    "sale.order.line",
                    "write",
                    line.ids,
                    {"price_unit": 1000.0, "purchase_price": 650.0, "discount": 0.0},
                )
                self.assertEqual(self._figures(self.deal), (1000.0, 350.0, 35.0, True, True))
