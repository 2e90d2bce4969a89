# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import TransactionCase, tagged

from odoo.addons.crm_pipeline_pilot.hooks import uninstall_hook


@tagged("post_install", "-at_install")
class TestUninstallHook(TransactionCase):
    """What the uninstallation keeps: the add-on's "Follow-up" activity type
    stays with the activities that use it (the whole install, upgrade and
    uninstall cycle is checked on a populated database by scripts/lifecycle.sh)."""

    def setUp(self):
        super().setUp()
        self.follow_up = self.env.ref("crm_pipeline_pilot.mail_activity_type_follow_up")
        self.lead = self.env["crm.lead"].create({"name": "Uninstall hook", "type": "opportunity"})

    def _xmlid_count(self):
        return self.env["ir.model.data"].search_count(
            [
                ("module", "=", "crm_pipeline_pilot"),
                ("model", "=", "mail.activity.type"),
                ("res_id", "=", self.follow_up.id),
            ]
        )

    def test_used_follow_up_type_is_kept(self):
        self.env["mail.activity"].search([("activity_type_id", "=", self.follow_up.id)]).unlink()
        self.lead.activity_schedule(activity_type_id=self.follow_up.id, summary="Call back")
        self.assertEqual(self._xmlid_count(), 1)
        uninstall_hook(self.env)
        # Detached from the add-on: the uninstallation leaves it to its activity.
        self.assertEqual(self._xmlid_count(), 0)
        self.assertTrue(self.follow_up.exists())
        self.assertEqual(self.lead.activity_ids.activity_type_id, self.follow_up)

    def test_unused_follow_up_type_goes_with_the_add_on(self):
        self.env["mail.activity"].with_context(active_test=False).search(
            [("activity_type_id", "=", self.follow_up.id)]
        ).unlink()
        uninstall_hook(self.env)
        self.assertEqual(self._xmlid_count(), 1)
