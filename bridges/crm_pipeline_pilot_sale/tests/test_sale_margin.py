# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.crm_pipeline_pilot.tests.common import PilotCommon, new_pilot_user


class TestSaleMarginCommon(PilotCommon):
    """Hand-built deals and their quotations (company currency USD)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create({"name": "Margin Customer"})
        cls.product = cls.env["product.product"].create(
            {"name": "Margin Service", "type": "service", "list_price": 1.0}
        )
        cls.usd = cls.env.ref("base.USD")
        cls.env.company.currency_id = cls.usd
        # Revenue 10,000, cost 6,500: an estimated margin of 3,500 (35 %).
        cls.lead = cls._opportunity(
            "Margin deal",
            expected_revenue=10000.0,
            estimated_cost=6500.0,
            partner_id=cls.partner.id,
        )

    def _order(self, lines, lead=None, state="sent", pricelist=None, user=None):
        """A quotation of ``lead`` whose ``lines`` are (price, cost) pairs,
        brought to ``state`` (draft, sent, sale or cancel)."""
        vals = {
            "partner_id": self.partner.id,
            "opportunity_id": (lead or self.lead).id,
            "user_id": (user or self.salesman).id,
            "order_line": [
                (
                    0,
                    0,
                    {
                        "product_id": self.product.id,
                        "product_uom_qty": 1.0,
                        "price_unit": price,
                        "purchase_price": cost,
                        "tax_id": [(5, 0, 0)],
                    },
                )
                for price, cost in lines
            ],
        }
        if pricelist:
            vals["pricelist_id"] = pricelist.id
        order = self.env["sale.order"].create(vals)
        if state in ("sent", "sale"):
            order.action_quotation_sent()
        if state == "sale":
            order.action_confirm()
        if state == "cancel":
            order._action_cancel()
        return order

    def _figures(self, lead=None):
        lead = lead or self.lead
        return {
            name: lead[name]
            for name in (
                "quoted_amount",
                "quoted_margin",
                "quoted_margin_rate",
                "quoted_margin_known",
                "ordered_amount",
                "ordered_margin",
                "ordered_margin_rate",
                "ordered_margin_known",
                "margin_erosion",
                "margin_erosion_points",
                "margin_erosion_known",
            )
        }


@tagged("post_install", "-at_install")
class TestSaleMargin(TestSaleMarginCommon):
    """Estimated, quoted and ordered margins of an opportunity, on
    hand-built deals."""

    def test_without_quotation_nothing_is_known(self):
        self._order([(9000.0, 5000.0)], state="draft")
        self.assertEqual(
            self._figures(),
            {
                "quoted_amount": 0.0,
                "quoted_margin": 0.0,
                "quoted_margin_rate": 0.0,
                "quoted_margin_known": False,
                "ordered_amount": 0.0,
                "ordered_margin": 0.0,
                "ordered_margin_rate": 0.0,
                "ordered_margin_known": False,
                "margin_erosion": 0.0,
                "margin_erosion_points": 0.0,
                "margin_erosion_known": False,
            },
        )
        self.assertFalse(self.lead.is_low_margin)  # the estimate (35 %) reaches 30 %

    def test_latest_quotation_sent_reference_and_cancelled(self):
        first = self._order([(10000.0, 7800.0)])  # 2,200: 22 %
        self.assertEqual(self.lead.quoted_margin, 2200.0)
        self.assertEqual(self.lead.quoted_margin_rate, 22.0)
        self.assertEqual(self.lead.margin_erosion, 1300.0)
        self.assertAlmostEqual(self.lead.margin_erosion_points, 13.0, places=6)
        self.assertTrue(self.lead.is_low_margin)  # the quotation is below 30 %
        self.assertFalse(self.lead.quotation_margin_ok)
        second = self._order([(8000.0, 5200.0)])  # 2,800: 35 %, the latest
        second.date_order = first.date_order.replace(year=first.date_order.year + 1)
        self.assertEqual(self.lead.quoted_amount, 8000.0)
        self.assertEqual(self.lead.quoted_margin, 2800.0)
        self.assertEqual(self.lead.quoted_margin_rate, 35.0)
        self.assertEqual(self.lead.margin_erosion, 700.0)
        self.assertFalse(self.lead.is_low_margin)
        self.assertTrue(self.lead.quotation_margin_ok)
        # A cancelled quotation never counts, however good its margin.
        self._order([(12000.0, 1000.0)], state="cancel")
        self.assertEqual(self.lead.quoted_margin, 2800.0)
        # The salesperson marks the first one as the reference.
        first.with_user(self.salesman).action_pilot_set_reference()
        self.assertEqual(self.lead.pilot_reference_order_id, first)
        self.assertTrue(first.pilot_is_reference)
        self.assertEqual(self.lead.quoted_margin, 2200.0)
        self.assertTrue(self.lead.is_low_margin)

    def test_line_without_cost_is_unknown_not_100(self):
        self._order([(6000.0, 3000.0), (4000.0, 0.0)])
        self.assertEqual(self.lead.quoted_amount, 10000.0)
        self.assertFalse(self.lead.quoted_margin_known)
        self.assertEqual(self.lead.quoted_margin, 0.0)
        self.assertEqual(self.lead.quoted_margin_rate, 0.0)
        self.assertFalse(self.lead.margin_erosion_known)
        self.assertFalse(self.lead.quotation_margin_ok)
        # The estimate rules the flag while the documents give no margin.
        self.assertFalse(self.lead.is_low_margin)

    def test_two_orders_are_summed_and_rule_the_erosion(self):
        self._order([(10000.0, 8000.0)], state="sale")  # 2,000
        self._order([(5000.0, 4500.0)], state="sale")  # 500
        self.assertEqual(self.lead.ordered_amount, 15000.0)
        self.assertEqual(self.lead.ordered_margin, 2500.0)
        self.assertEqual(self.lead.ordered_margin_rate, 16.67)  # stored with 2 digits
        self.assertTrue(self.lead.ordered_margin_known)
        # Erosion against the orders once there are any: 3,500 - 2,500.
        self.assertEqual(self.lead.margin_erosion, 1000.0)
        self.assertEqual(self.lead.margin_erosion_points, 18.33)
        self.assertTrue(self.lead.is_low_margin)

    def test_other_currency_converted_at_the_order_date(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        self.env["res.currency.rate"].search([("currency_id", "=", eur.id)]).unlink()
        # 1 USD = 0.5 EUR: 1 EUR is worth 2 USD.
        self.env["res.currency.rate"].create(
            {"currency_id": eur.id, "rate": 0.5, "name": "2000-01-01"}
        )
        pricelist = self.env["product.pricelist"].create({"name": "EUR", "currency_id": eur.id})
        order = self._order([(1000.0, 600.0)], pricelist=pricelist, state="sale")
        self.assertEqual(order.currency_id, eur)
        self.assertEqual(self.lead.ordered_amount, 2000.0)
        self.assertEqual(self.lead.ordered_margin, 800.0)
        self.assertEqual(self.lead.ordered_margin_rate, 40.0)
        self.assertEqual(self.lead.margin_erosion, 2700.0)

    def test_unknown_estimate_gives_unknown_erosion(self):
        lead = self._opportunity("No cost", expected_revenue=5000.0, partner_id=self.partner.id)
        self._order([(5000.0, 3000.0)], lead=lead)
        self.assertTrue(lead.quoted_margin_known)
        self.assertEqual(lead.quoted_margin_rate, 40.0)
        self.assertFalse(lead.margin_erosion_known)
        self.assertEqual(lead.margin_erosion, 0.0)
        self.assertFalse(lead.is_low_margin)  # the quotation gives 40 %

    def test_exit_criterion_met_from_the_documents(self):
        stage_next = self.env["crm.stage"].create({"name": "Pilot Next", "sequence": 2})
        self.env["crm.stage.exit.criterion"].create(
            {
                "name": "Quotation sent at margin",
                "stage_id": self.stage_new.id,
                "criterion_type": "field",
                "field_id": self.env["ir.model.fields"]._get("crm.lead", "quotation_margin_ok").id,
            }
        )
        lead = self.lead.with_user(self.salesman)
        with self.assertRaises(UserError):
            lead.stage_id = stage_next
        self._order([(10000.0, 8000.0)])  # 20 %: below the team's 30 %
        with self.assertRaises(UserError):
            lead.stage_id = stage_next
        self._order([(10000.0, 6000.0)]).date_order = "2199-01-01"  # 40 %, the latest
        self.assertTrue(self.lead.quotation_margin_ok)
        lead.stage_id = stage_next
        self.assertEqual(self.lead.stage_id, stage_next)

    def test_figures_are_maintained_and_private(self):
        self._order([(10000.0, 7000.0)])
        with self.assertRaisesMessage(AccessError, "maintained by the application"):
            self.lead.with_user(self.salesman).write({"quoted_margin": 9999.0})
        with self.assertRaisesMessage(AccessError, "maintained by the application"):
            self.lead.with_user(self.manager).write({"margin_erosion": 0.0})
        self.assertEqual(self.lead.quoted_margin, 3000.0)
        other = new_pilot_user(self.env, "pilot_other_salesman", name="Otto Other")
        with self.assertRaises(AccessError):
            self.lead.with_user(other).read(["quoted_margin"])
        rows = self.env["crm.margin.erosion.report"].with_user(other).search([])
        self.assertNotIn(self.lead, rows.lead_id)
        rows = (
            self.env["crm.margin.erosion.report"]
            .with_user(self.salesman)
            .search([("lead_id", "=", self.lead.id)])
        )
        self.assertEqual(rows.quoted_margin, 3000.0)
        self.assertEqual(rows.estimated_margin, 3500.0)
        self.assertEqual(rows.real_margin, 3000.0)
        self.assertEqual(rows.margin_erosion, 500.0)
        # A deal whose quotation has a line without a cost: its erosion is
        # unknown, and so are its estimate and real margin in the report
        # (the columns add up: estimated - real = erosion).
        blind = self._opportunity(
            "Blind deal", expected_revenue=4000.0, estimated_cost=2000.0, user_id=self.salesman.id
        )
        self._order([(4000.0, 0.0)], lead=blind)
        row = self.env["crm.margin.erosion.report"].search([("lead_id", "=", blind.id)])
        self.assertEqual(
            (row.estimated_margin, row.quoted_margin, row.real_margin, row.margin_erosion),
            (0.0, 0.0, 0.0, 0.0),
        )
        self.assertFalse(blind.margin_erosion_known)
        self.assertFalse(rows.ordered_margin)
        # Another salesperson cannot make a quotation the reference of a deal
        # he cannot change.
        order = self.lead.order_ids
        with self.assertRaises(AccessError):
            order.with_user(other).action_pilot_set_reference()

    def test_reference_of_another_deal_refused(self):
        other_lead = self._opportunity("Other deal", expected_revenue=1000.0)
        order = self._order([(1000.0, 500.0)], lead=other_lead)
        with self.assertRaises(UserError):
            self.lead.pilot_reference_order_id = order

    def test_forecast_weighs_the_quoted_margin(self):
        """The pipeline forecast's weighted margin: the quotation's margin once
        one is sent (2,000 x 50 %), the estimate before (3,500 x 50 %)."""
        self.lead.probability = 50.0
        forecast = self.env["crm.pipeline.forecast"]
        self.env.flush_all()
        row = forecast.search([("lead_id", "=", self.lead.id)])
        self.assertEqual(row.prorated_margin, 1750.0)
        self._order([(10000.0, 8000.0)])
        self.env.flush_all()
        forecast.invalidate_model()
        row = forecast.search([("lead_id", "=", self.lead.id)])
        self.assertEqual(row.prorated_margin, 1000.0)

    def test_margin_rate_kpi_counts_ordered_margins_of_won_deals(self):
        """Margin rate of won deals: the orders' margin where they are known
        (2,000 on 10,000 ordered), the estimate elsewhere (2,000 on 5,000):
        4,000 / 15,000 = 26.67 %, where the estimates alone give 36.67 %."""
        won_stage = self.env["crm.stage"].create({"name": "Margin Won", "is_won": True})
        other = self._opportunity("Estimate only", expected_revenue=5000.0, estimated_cost=3000.0)
        self._order([(10000.0, 8000.0)], state="sale")
        leads = self.lead | other
        leads.write({"stage_id": won_stage.id})
        self.env.flush_all()
        kpis = self.env["crm.pipeline.report"]._pilot_kpi_values(
            datetime(2000, 1, 1), datetime(2199, 1, 1), [("lead_id", "in", leads.ids)]
        )
        self.assertAlmostEqual(kpis["margin_rate"], 4000.0 * 100 / 15000.0, places=6)
        report = self.env["crm.pipeline.report"].search([("lead_id", "=", self.lead.id)])
        self.assertEqual(
            (report.kpi_margin_known, report.kpi_margin_revenue, report.kpi_margin),
            (True, 10000.0, 2000.0),
        )

    def test_briefing_risk_reads_the_quotation(self):
        """The briefing's (and the pre-meeting synthesis's) low-margin risk
        gives the rate the flag follows: the quotation's 20 %, not the
        estimate's 35 % (above the minimum)."""
        self._order([(10000.0, 8000.0)])
        self.assertTrue(self.lead.is_low_margin)
        self.assertIn(
            "Low margin: 20.0 % below the team minimum of 30.0 %.",
            self.lead._pilot_deal_risks(0),
        )
        self.assertFalse(
            [risk for risk in self.lead._pilot_deal_risks(0) if "35.0" in risk],
        )

    def test_deal_coach_reads_the_quotation(self):
        """The next best action on a deal estimated at 35 % and quoted at 20 %:
        review the cost, with the quotation's rate."""
        self.lead.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=fields.Date.add(fields.Date.today(), days=1),
            user_id=self.salesman.id,
        )
        self._order([(10000.0, 8000.0)])
        details = self.lead._pilot_next_action_details("en_US")
        rule, values, reason = details[self.lead.id]
        self.assertEqual(rule, self.env.ref("crm_pipeline_pilot.next_action_rule_low_margin"))
        self.assertEqual((values["rate"], values["minimum"]), ("20", "30"))
        self.assertEqual(
            reason,
            "The margin rate of the quotation sent (20 %) is below the team minimum (30 %).",
        )
        self._order([(10000.0, 9000.0)], state="sale")
        rule, values, reason = self.lead._pilot_next_action_details("en_US")[self.lead.id]
        self.assertEqual(
            reason,
            "The margin rate of the confirmed orders (10 %) is below the team minimum (30 %).",
        )
