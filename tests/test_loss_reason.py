# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import PilotCommon


@tagged("post_install", "-at_install")
class TestLossReason(PilotCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.opp = cls._opportunity("Deal to lose", expected_revenue=5000, probability=40)
        cls.opp_sales = cls.opp.with_user(cls.salesman)

    def assertStillOpen(self, leads):
        leads.invalidate_recordset()
        for lead in leads:
            self.assertTrue(lead.active, f"{lead.name} must still be active")
            self.assertFalse(lead.lost_reason_id)

    def assertLost(self, lead, reason, probability=0):
        lead.invalidate_recordset()
        self.assertFalse(lead.active)
        self.assertEqual(lead.probability, probability)
        self.assertEqual(lead.lost_reason_id, reason)

    def test_action_set_lost(self):
        with self.assertRaisesMessage(UserError, "only be marked as lost with a loss reason"):
            self.opp_sales.action_set_lost()
        self.assertStillOpen(self.opp)
        self.opp_sales.action_set_lost(lost_reason_id=self.reason.id)
        self.assertLost(self.opp, self.reason)

    def test_write_active_false(self):
        with self.assertRaisesMessage(UserError, "Deal to lose"):
            self.opp_sales.write({"active": False})
        self.assertStillOpen(self.opp)
        self.opp_sales.write({"active": False, "lost_reason_id": self.reason.id})
        # a plain write archives without touching the probability, as in Odoo
        self.assertLost(self.opp, self.reason, probability=40)

    def test_action_archive_and_toggle_active(self):
        with self.assertRaises(UserError):
            self.opp_sales.action_archive()
        self.assertStillOpen(self.opp)
        with self.assertRaises(UserError):
            self.opp_sales.toggle_active()
        self.assertStillOpen(self.opp)

    def test_mass_archive_is_all_or_nothing(self):
        others = self._opportunity("Second deal") | self._opportunity("Third deal")
        others[0].write({"lost_reason_id": self.reason.id})  # reason already chosen
        leads = (self.opp | others).with_user(self.salesman)
        with self.assertRaises(UserError) as error:
            leads.action_archive()
        message = str(error.exception)
        self.assertIn("Deal to lose", message)
        self.assertIn("Third deal", message)
        self.assertNotIn("Second deal", message)
        leads.invalidate_recordset()
        self.assertEqual(leads.mapped("active"), [True, True, True])

    def test_long_lists_are_cut(self):
        many = self.env["crm.lead"]
        for index in range(13):
            many |= self._opportunity(f"Bulk {index:02d}")
        with self.assertRaises(UserError) as error:
            many.with_user(self.salesman).action_archive()
        self.assertIn("Bulk 09 and 3 more", str(error.exception))
        self.assertNotIn("Bulk 10", str(error.exception))

    def test_lost_wizard(self):
        Wizard = self.env["crm.lead.lost"].with_user(self.salesman)
        wizard = Wizard.create({"lead_ids": [(6, 0, self.opp.ids)]})
        with self.assertRaisesMessage(UserError, "Choose a loss reason"):
            wizard.action_lost_reason_apply()
        self.assertStillOpen(self.opp)
        wizard.lost_reason_id = self.reason_note
        with self.assertRaisesMessage(UserError, "requires a closing note"):
            wizard.action_lost_reason_apply()
        wizard.lost_feedback = "<p><br></p>"
        with self.assertRaisesMessage(UserError, "requires a closing note"):
            wizard.action_lost_reason_apply()
        self.assertStillOpen(self.opp)
        wizard.lost_feedback = "<p>They chose a cheaper offer.</p>"
        wizard.action_lost_reason_apply()
        self.assertLost(self.opp, self.reason_note)
        self.env.cr.precommit.run()
        bodies = " ".join(self.opp.message_ids.mapped("body"))
        self.assertIn("They chose a cheaper offer.", bodies)

    def test_lost_wizard_mass(self):
        leads = self.opp | self._opportunity("Mass deal")
        wizard = (
            self.env["crm.lead.lost"]
            .with_user(self.salesman)
            .create({"lead_ids": [(6, 0, leads.ids)], "lost_reason_id": self.reason.id})
        )
        wizard.action_lost_reason_apply()
        for lead in leads:
            self.assertLost(lead, self.reason)

    def test_restore_clears_reason(self):
        self.opp_sales.action_set_lost(lost_reason_id=self.reason.id)
        self.opp_sales.action_unarchive()
        self.assertTrue(self.opp.active)
        self.assertFalse(self.opp.lost_reason_id)
        self.opp_sales.action_set_lost(lost_reason_id=self.reason.id)
        self.opp_sales.write({"active": True})
        self.assertTrue(self.opp.active)
        self.assertFalse(self.opp.lost_reason_id)

    def test_junk_leads(self):
        lead = self.env["crm.lead"].create(
            {"name": "Junk", "type": "lead", "user_id": self.salesman.id}
        )
        lead.with_user(self.salesman).action_archive()
        self.assertFalse(lead.active)
        self.assertFalse(lead.lost_reason_id)
        self.company.pilot_allow_lead_archive_without_reason = False
        other = self.env["crm.lead"].create(
            {"name": "Junk 2", "type": "lead", "user_id": self.salesman.id}
        )
        with self.assertRaisesMessage(UserError, "Junk 2"):
            other.with_user(self.salesman).action_archive()
        self.assertStillOpen(other)

    def test_reason_written_as_a_record_like_odoo_merge(self):
        """Odoo's merge writes the loss reason as a record, not an id: it is
        checked and kept like an id (the merged opportunity keeps it)."""
        first = self._opportunity("Merge keeps A", expected_revenue=100)
        second = self._opportunity("Merge keeps B", expected_revenue=50)
        second.with_user(self.salesman).write({"lost_reason_id": self.reason})
        self.assertEqual(second.lost_reason_id, self.reason)
        (first | second).write({"probability": 0})
        merged = (first | second).with_user(self.salesman).merge_opportunity(auto_unlink=False)
        self.assertEqual(merged.lost_reason_id, self.reason)
        archived = self.env["crm.lost.reason"].create({"name": "Old reason", "active": False})
        with self.assertRaisesMessage(UserError, "Old reason is archived"):
            first.with_user(self.salesman).write({"lost_reason_id": archived})
