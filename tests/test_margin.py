# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from lxml import etree

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import PilotCommon


@tagged("post_install", "-at_install")
class TestMargin(PilotCommon):
    def test_unknown_margin_is_an_empty_cell_in_the_list(self):
        """The opportunity list shows an unknown margin (no cost entered) as
        an empty cell beside the Margin Known column, never "$ 0,00"."""
        arch = self.env["crm.lead"].get_views(
            [(self.env.ref("crm.crm_case_tree_view_oppor").id, "list")]
        )["views"]["list"]["arch"]
        root = etree.fromstring(arch)
        self.assertEqual(root.xpath("//field[@name='margin_known']")[0].get("optional"), "show")
        self.assertEqual(
            {
                name: root.xpath(f"//field[@name='{name}']")[0].get("invisible")
                for name in ("estimated_margin", "estimated_margin_rate", "prorated_margin")
            },
            dict.fromkeys(
                ("estimated_margin", "estimated_margin_rate", "prorated_margin"), "not margin_known"
            ),
        )

    def test_margin_rate_and_prorated_margin(self):
        lead = self._opportunity(
            "Margin", expected_revenue=10000, estimated_cost=7000, probability=40
        )
        self.assertEqual(lead.estimated_margin, 3000.0)
        self.assertEqual(lead.estimated_margin_rate, 30.0)
        self.assertEqual(lead.prorated_margin, 1200.0)
        self.assertFalse(lead.is_low_margin, "30 % is not below a 30 % floor")

    def test_zero_revenue(self):
        lead = self._opportunity(
            "No revenue", expected_revenue=0, estimated_cost=500, probability=50
        )
        # No positive revenue: the margin rate is unknown, not a figure; the
        # margin criterion is not met.
        self.assertEqual(
            (lead.margin_known, lead.estimated_margin, lead.estimated_margin_rate),
            (False, 0.0, 0.0),
        )
        self.assertEqual((lead.prorated_margin, lead.is_low_margin), (0.0, True))
        lead.expected_revenue = -1000
        self.assertEqual((lead.margin_known, lead.estimated_margin_rate), (False, 0.0))
        self.assertTrue(lead.is_low_margin, "a negative revenue is no 150 % margin")

    def test_negative_margin(self):
        lead = self._opportunity(
            "Loss maker", expected_revenue=1000, estimated_cost=1500, probability=20
        )
        self.assertEqual(lead.estimated_margin, -500.0)
        self.assertEqual(lead.estimated_margin_rate, -50.0)
        self.assertEqual(lead.prorated_margin, -100.0)
        self.assertTrue(lead.is_low_margin)

    def test_cost_changed_after_revenue(self):
        lead = self._opportunity("Revised", expected_revenue=8000, probability=50)
        # No cost entered: the margin is unknown, not 100 %.
        self.assertFalse(lead.margin_known)
        self.assertEqual(
            (lead.estimated_margin, lead.estimated_margin_rate, lead.prorated_margin),
            (0.0, 0.0, 0.0),
        )
        self.assertTrue(lead.is_low_margin)
        lead.estimated_cost = 6000
        self.assertTrue(lead.margin_known)
        self.assertEqual(lead.estimated_margin, 2000.0)
        self.assertEqual(lead.estimated_margin_rate, 25.0)
        self.assertEqual(lead.prorated_margin, 1000.0)
        self.assertTrue(lead.is_low_margin)
        lead.probability = 10
        self.assertEqual(lead.prorated_margin, 200.0)
        lead.expected_revenue = 12000
        self.assertEqual(lead.estimated_margin, 6000.0)
        self.assertEqual(lead.estimated_margin_rate, 50.0)
        self.assertFalse(lead.is_low_margin)

    def test_multi_record_write(self):
        leads = (
            self._opportunity("A", expected_revenue=1000, probability=10)
            | self._opportunity("B", expected_revenue=4000, probability=50)
            | self._opportunity("C", expected_revenue=0, probability=100)
        )
        leads.write({"estimated_cost": 800})
        # C has no revenue: its margin is unknown (and counts as low).
        self.assertEqual(leads.mapped("estimated_margin"), [200.0, 3200.0, 0.0])
        self.assertEqual(leads.mapped("estimated_margin_rate"), [20.0, 80.0, 0.0])
        self.assertEqual(leads.mapped("prorated_margin"), [20.0, 1600.0, 0.0])
        self.assertEqual(leads.mapped("is_low_margin"), [True, False, True])
        self.assertEqual(
            self.env["crm.lead"].search([("id", "in", leads.ids), ("is_low_margin", "=", True)]),
            leads[0] | leads[2],
        )

    def test_entering_a_rate_sets_the_cost(self):
        lead = self._opportunity("By rate", expected_revenue=20000, probability=50)
        lead.estimated_margin_rate = 25
        self.assertEqual(lead.estimated_cost, 15000.0)
        self.assertEqual(lead.estimated_margin, 5000.0)
        self.assertEqual(lead.prorated_margin, 2500.0)
        # revenue and rate given together: the rate applies to the new revenue
        lead.write({"expected_revenue": 40000, "estimated_margin_rate": 40})
        self.assertEqual(lead.estimated_cost, 24000.0)
        self.assertEqual(lead.estimated_margin, 16000.0)
        self.assertEqual(lead.estimated_margin_rate, 40.0)

    def test_bad_input_is_refused_and_changes_nothing(self):
        lead = self._opportunity("Guarded", expected_revenue=1000, estimated_cost=400)
        with self.assertRaisesMessage(ValidationError, "estimated cost cannot be negative"):
            lead.estimated_cost = -1
        with self.assertRaisesMessage(ValidationError, "cannot exceed 100"):
            lead.estimated_margin_rate = 120
        lead.invalidate_recordset()
        self.assertEqual(lead.estimated_cost, 400.0)
        self.assertEqual(lead.estimated_margin_rate, 60.0)
        empty = self._opportunity("Empty")
        with self.assertRaisesMessage(UserError, "Set a positive expected revenue"):
            empty.estimated_margin_rate = 30
        empty.invalidate_recordset()
        self.assertEqual(empty.estimated_cost, 0.0)

    def test_team_minimum_margin_rate(self):
        lead = self._opportunity("Floor", expected_revenue=1000, estimated_cost=650)
        self.assertFalse(lead.is_low_margin)  # 35 % >= 30 %
        self.team.pilot_min_margin_rate = 40
        self.assertTrue(lead.is_low_margin)  # 35 % < 40 %
        self.assertIn(lead, self.env["crm.lead"].search([("is_low_margin", "=", True)]))
        with self.assertRaisesMessage(ValidationError, "between 0 and 100"):
            self.team.pilot_min_margin_rate = 150
        self.company.pilot_min_margin_rate = 45
        team = self.env["crm.team"].create({"name": "New team"})
        self.assertEqual(team.pilot_min_margin_rate, 45.0)

    def test_urgency_default_and_tracking(self):
        lead = self._opportunity("Urgent")
        self.assertEqual(lead.urgency, "1")
        self.env.cr.precommit.run()  # end of the creation's transaction
        lead.urgency = "3"
        self.env.cr.precommit.run()  # tracking is written at commit time
        lead.invalidate_recordset(["message_ids"])
        tracked = lead.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "urgency"
        )
        self.assertEqual(len(tracked), 1)
        self.assertEqual(tracked.old_value_char, "Normal")
        self.assertEqual(tracked.new_value_char, "Critical")
        self.assertEqual(
            self.env["crm.lead"].search([("id", "=", lead.id), ("urgency", "in", ("2", "3"))]),
            lead,
        )
