# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, time, timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import PilotCommon, load_french, new_pilot_user
from .test_synthesis import synthesis_deal


@tagged("post_install", "-at_install")
class TestSynthesisInboxTour(HttpCase, PilotCommon):
    """A French salesperson with a meeting tomorrow linked to a deal finds its
    synthesis in their inbox (Discuss) once the scheduled job ran."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_french(cls.env, ("crm", "sales_team", "crm_pipeline_pilot"))
        cls.vendeuse = new_pilot_user(
            cls.env,
            "pilot_synthesis_vendeuse",
            name="Valérie Vendeuse",
            email="valerie@example.com",
            lang="fr_FR",
            tz="UTC",
            notification_type="inbox",
        )
        # Tomorrow at 10:00: within the 36 hours she chose, whatever the time
        cls.vendeuse.pilot_synthesis_hours = 36
        cls.salesman = cls.vendeuse
        cls.team.member_ids |= cls.vendeuse
        cls.lead, cls.claire = synthesis_deal(cls)
        cls.lead.name = "Synthèse salon"
        tomorrow = fields.Date.context_today(cls.lead) + timedelta(days=1)
        start = datetime.combine(tomorrow, time(10, 0))
        cls.event = cls.env["calendar.event"].create(
            {
                "name": "Préparation du salon",
                "start": start,
                "stop": start + timedelta(hours=1),
                "user_id": cls.vendeuse.id,
                "opportunity_id": cls.lead.id,
                "partner_ids": [(6, 0, [cls.vendeuse.partner_id.id, cls.claire.id])],
            }
        )

    def test_tour_synthesis_of_tomorrows_meeting_in_the_inbox(self):
        self.assertEqual(self.lead.user_id, self.vendeuse)
        sent = self.env["calendar.event"]._cron_pilot_meeting_syntheses()
        self.assertEqual(sent, self.event)
        self.start_tour(
            "/odoo/action-mail.action_discuss",
            "crm_pipeline_pilot_synthesis_inbox",
            login=self.vendeuse.login,
        )
