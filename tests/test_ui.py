# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from werkzeug.urls import url_parse

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import PilotRpcMixin, new_pilot_user


@tagged("post_install", "-at_install")
class TestPilotUi(PilotRpcMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_pilot_user(
            cls.env, "pilot_tour_salesman", name="Tess Tour", email="tess@example.com"
        )
        cls.team = cls.env["crm.team"].create(
            {"name": "Tour Team", "member_ids": [(6, 0, [cls.salesman.id])]}
        )
        cls.reason = cls.env["crm.lost.reason"].create({"name": "Budget cut (tour)"})
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Pilot Tour Deal",
                "type": "opportunity",
                "user_id": cls.salesman.id,
                "team_id": cls.team.id,
                "expected_revenue": 10000,
                # The tour saves the form: crm_partner_required and
                # crm_date_deadline_required (OCA) ask these on it.
                "partner_id": cls.env["res.partner"].create({"name": "Tour Customer"}).id,
                "date_deadline": fields.Date.today() + timedelta(days=60),
            }
        )

    def test_tour_margin_and_loss_reason(self):
        """A salesperson sets urgency and cost, sees the margin, cannot mark
        the deal lost without a reason, then does with one."""
        self.start_tour("/odoo/crm", "crm_pipeline_pilot_margin_lost", login=self.salesman.login)
        self.assertEqual(self.lead.urgency, "3")
        self.assertEqual(self.lead.estimated_cost, 6000.0)
        self.assertEqual(self.lead.estimated_margin, 4000.0)
        self.assertFalse(self.lead.active)
        self.assertEqual(self.lead.lost_reason_id, self.reason)

    def test_tour_stagnant_filter(self):
        """The Stagnant filter of the pipeline shows the stagnant opportunity,
        whose card is marked, and hides the others."""
        stagnant = self.env["crm.lead"].create(
            {
                "name": "Pilot Stagnant Deal",
                "type": "opportunity",
                "user_id": self.salesman.id,
                "team_id": self.team.id,
            }
        )
        stagnant.date_last_interaction = fields.Datetime.now() - timedelta(days=12, hours=1)
        self.assertTrue(stagnant.is_stagnant)
        self.assertFalse(self.lead.is_stagnant)
        self.start_tour(
            "/odoo/crm", "crm_pipeline_pilot_stagnant_filter", login=self.salesman.login
        )

    def test_rpc_salesman_cannot_lose_without_reason(self):
        self._login(self.salesman)
        for method, args in (
            ("write", [[self.lead.id], {"active": False}]),
            ("action_archive", [[self.lead.id]]),
            ("toggle_active", [[self.lead.id]]),
            ("action_set_lost", [[self.lead.id]]),
        ):
            with self.subTest(method=method):
                error = self._call_kw("crm.lead", method, args).get("error")
                self.assertTrue(error, f"{method} must be refused")
                self.assertEqual(error["data"]["name"], "odoo.exceptions.UserError")
                self.assertIn(
                    "An opportunity can only be marked as lost with a loss reason",
                    error["data"]["message"],
                )
        self.lead.invalidate_recordset()
        self.assertTrue(self.lead.active)
        result = self._call_kw(
            "crm.lead", "action_set_lost", [[self.lead.id]], {"lost_reason_id": self.reason.id}
        )
        self.assertNotIn("error", result)
        self.lead.invalidate_recordset()
        self.assertFalse(self.lead.active)
        self.assertEqual(self.lead.lost_reason_id, self.reason)

    def test_assignment_email_lost_link(self):
        """The "mark as lost" link of the assignment email opens the Lost
        dialog on the opportunity instead of failing silently."""
        link = self.lead._notify_get_action_link("controller", controller="/lead/case_mark_lost")
        url = url_parse(link)
        self._login(self.salesman)
        response = self.url_open(f"{url.path}?{url.query}", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(
            url_parse(response.headers["Location"]).path,
            f"/odoo/crm.lead/{self.lead.id}/action-crm.crm_lead_lost_action",
        )
        self.lead.invalidate_recordset()
        self.assertTrue(self.lead.active)
        self.start_tour(
            f"{url.path}?{url.query}",
            "crm_pipeline_pilot_mail_lost_link",
            login=self.salesman.login,
        )
        self.assertFalse(self.lead.active)
        self.assertEqual(self.lead.lost_reason_id, self.reason)
