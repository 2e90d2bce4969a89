# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The estimate the erosion is measured from (the one at proposal), the
differences of the erosion report (only where both sides are known) and the
deal coach on a quotation's margin without an estimate."""

import ast

from lxml import etree

from odoo import fields
from odoo.tests import tagged

from .test_sale_margin import TestSaleMarginCommon


@tagged("post_install", "-at_install")
class TestSaleMarginProposal(TestSaleMarginCommon):
    def _row(self, lead):
        self.env.flush_all()
        return self.env["crm.margin.erosion.report"].search([("lead_id", "=", lead.id)])

    def test_erosion_from_the_estimate_kept_at_the_quotation(self):
        """Estimated at 3,500 (35 %), quoted at 2,200 (22 %): the salesperson
        who lowers the estimate to the quotation's afterwards erases nothing."""
        self.assertFalse(self.lead.proposal_margin_known)
        self._order([(10000.0, 7800.0)])
        self.assertEqual(
            (
                self.lead.proposal_estimated_margin,
                self.lead.proposal_estimated_margin_rate,
                self.lead.proposal_margin_known,
            ),
            (3500.0, 35.0, True),
        )
        self.lead.with_user(self.salesman).write({"estimated_cost": 7800.0})
        self.assertEqual(self.lead.estimated_margin, 2200.0)
        self.assertEqual(self.lead.proposal_estimated_margin, 3500.0)
        self.assertEqual(
            (self.lead.margin_erosion, self.lead.margin_erosion_points), (1300.0, 13.0)
        )
        row = self._row(self.lead)
        self.assertEqual(
            (row.estimated_margin, row.real_margin, row.margin_erosion, row.quote_erosion),
            (3500.0, 2200.0, 1300.0, 1300.0),
        )
        # A second quotation does not take a new estimate either.
        self._order([(10000.0, 7000.0)]).date_order = "2199-01-01"
        self.assertEqual(self.lead.proposal_estimated_margin, 3500.0)
        self.assertEqual(self.lead.margin_erosion, 500.0)

    def test_estimate_kept_when_entering_the_proposal_stage(self):
        """The estimate when the deal entered the proposal stage (4,000), not
        the one when the quotation was sent (3,000)."""
        proposal = self.env["crm.stage"].create(
            {"name": "Pilot Proposal", "sequence": 1, "is_proposal_stage": True}
        )
        lead = self.lead.with_user(self.salesman)
        lead.write({"estimated_cost": 6000.0})
        self.assertFalse(self.lead.proposal_margin_known)
        lead.write({"stage_id": proposal.id})
        self.assertEqual(
            (self.lead.proposal_estimated_margin, self.lead.proposal_margin_known), (4000.0, True)
        )
        lead.write({"estimated_cost": 7000.0})
        self._order([(10000.0, 7500.0)])  # 2,500
        self.assertEqual(self.lead.proposal_estimated_margin, 4000.0)
        self.assertEqual(self.lead.proposal_estimated_margin_rate, 40.0)
        self.assertEqual(
            (self.lead.margin_erosion, self.lead.margin_erosion_points), (1500.0, 15.0)
        )

    def test_estimate_given_after_the_proposal_is_kept_when_given(self):
        lead = self._opportunity(
            "Late estimate", expected_revenue=5000.0, partner_id=self.partner.id
        )
        self._order([(5000.0, 3000.0)], lead=lead)  # 2,000: 40 %
        self.assertEqual((lead.proposal_margin_known, lead.margin_erosion_known), (False, False))
        lead.with_user(self.salesman).write({"estimated_cost": 2500.0})  # 2,500: 50 %
        self.assertEqual(
            (lead.proposal_estimated_margin, lead.proposal_estimated_margin_rate), (2500.0, 50.0)
        )
        lead.with_user(self.salesman).write({"estimated_cost": 3000.0})
        self.assertEqual(lead.proposal_estimated_margin, 2500.0)
        self.assertEqual((lead.margin_erosion, lead.margin_erosion_known), (500.0, True))
        # A copy of the deal reaches its own proposal.
        copy = lead.copy({"stage_id": self.stage_new.id})
        self.assertEqual((copy.proposal_margin_known, copy.proposal_estimated_margin), (False, 0.0))

    def test_report_differences_only_where_both_sides_are_known(self):
        """Deal A: the reference quotation has a line without a cost, the order
        has costs: its erosion (against the order) is known, its erosion to
        the quotation is not, so that estimated minus quoted is not summed
        with A's estimate. Deal B: estimate 3,000, quoted 2,400, ordered 2,000."""
        blind_quote = self._order([(10000.0, 0.0)])
        blind_quote.with_user(self.salesman).action_pilot_set_reference()
        self._order([(10000.0, 8000.0)], state="sale")  # ordered 2,000
        other = self._opportunity(
            "Deal B", expected_revenue=6000.0, estimated_cost=3000.0, partner_id=self.partner.id
        )
        quote = self._order([(6000.0, 3600.0)], lead=other)  # 2,400
        other.with_user(self.salesman).write({"pilot_reference_order_id": quote.id})
        self._order([(5000.0, 3000.0)], lead=other, state="sale")  # 2,000
        row_a, row_b = self._row(self.lead), self._row(other)
        self.assertEqual(
            (row_a.estimated_margin, row_a.quoted_margin, row_a.ordered_margin),
            (3500.0, 0.0, 2000.0),
        )
        self.assertEqual(
            (row_a.margin_erosion, row_a.quote_erosion, row_a.order_erosion), (1500.0, 0.0, 0.0)
        )
        self.assertEqual(
            (row_b.margin_erosion, row_b.quote_erosion, row_b.order_erosion),
            (1000.0, 600.0, 400.0),
        )
        # Summed over both deals: each difference only where both sides are
        # known (NULL, not 0, in the view: a read_group sums them as such).
        Report = self.env["crm.margin.erosion.report"]
        [(count, estimated, real, erosion, to_quote, to_order)] = Report._read_group(
            [("lead_id", "in", (self.lead | other).ids)],
            [],
            [
                "__count",
                "estimated_margin:sum",
                "real_margin:sum",
                "margin_erosion:sum",
                "quote_erosion:sum",
                "order_erosion:sum",
            ],
        )
        self.assertEqual((count, estimated, real, erosion), (2, 6500.0, 4000.0, 2500.0))
        self.assertEqual((to_quote, to_order), (600.0, 400.0))
        self.assertEqual(
            Report.search_count(
                [("lead_id", "in", (self.lead | other).ids), ("quote_erosion", "!=", False)]
            ),
            1,
        )

    def test_deal_coach_on_a_low_quotation_without_an_estimate(self):
        """No estimated cost, a quotation at 10 %: the coach asks to review
        the margin, with the quotation's rate."""
        lead = self._opportunity("Coach blind", expected_revenue=5000.0, partner_id=self.partner.id)
        lead.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=fields.Date.add(fields.Date.today(), days=1),
            user_id=self.salesman.id,
        )
        self.assertFalse(lead._pilot_next_action_details("en_US"))
        self._order([(5000.0, 4500.0)], lead=lead)
        self.assertFalse(lead.margin_known)
        self.assertTrue(lead.is_low_margin)
        rule, values, reason = lead._pilot_next_action_details("en_US")[lead.id]
        self.assertEqual(rule, self.env.ref("crm_pipeline_pilot.next_action_rule_low_margin"))
        self.assertEqual((values["rate"], values["minimum"]), ("10", "30"))
        self.assertEqual(
            reason,
            "The margin rate of the quotation sent (10 %) is below the team minimum (30 %).",
        )
        lead.invalidate_recordset(["next_action_rule_id"])
        self.assertEqual(lead.next_action_rule_id, rule)
        # The "Low Margin" filter of the opportunities finds it too.
        view = self.env.ref("crm.view_crm_case_opportunities_filter")
        arch = self.env["crm.lead"].get_views([(view.id, "search")])["views"]["search"]["arch"]
        [low_margin] = etree.fromstring(arch).xpath("//filter[@name='low_margin']")
        domain = [("id", "=", lead.id), *ast.literal_eval(low_margin.get("domain"))]
        self.assertEqual(self.env["crm.lead"].search(domain), lead)
        # A quotation at margin: no next action any more.
        self._order([(5000.0, 3000.0)], lead=lead).date_order = "2199-01-01"
        self.assertFalse(lead._pilot_next_action_details("en_US"))
        self.assertFalse(self.env["crm.lead"].search(domain))
