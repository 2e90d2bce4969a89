# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The pre-meeting synthesis sent by the scheduled job: once per meeting and
start, at the time the organiser chose, to them only, in their language;
nothing for a deal they cannot read or an organiser who is not an internal
user; the preference's bounds."""

from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import PilotCommon, load_french, new_pilot_user
from .test_synthesis import synthesis_deal

# The meeting starts on November 11, 2026 at 8:00 UTC; with the default of 18
# hours, its synthesis is due on November 10 at 14:00 UTC.
START = datetime(2026, 11, 11, 8, 0)


@tagged("post_install", "-at_install")
class TestSynthesisSending(PilotCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lead, cls.claire = synthesis_deal(cls)
        cls.Event = cls.env["calendar.event"].with_context(mail_notrack=True)

    def _meeting(self, organiser, start=START, lead=None):
        return self.Event.create(
            {
                "name": "Kick-off",
                "start": start,
                "stop": start.replace(hour=start.hour + 1),
                "user_id": organiser.id,
                "opportunity_id": (lead or self.lead).id,
                "partner_ids": [(6, 0, [organiser.partner_id.id, self.claire.id])],
            }
        )

    def _run(self, when):
        with freeze_time(when):
            return self.env["calendar.event"]._cron_pilot_meeting_syntheses()

    def _syntheses(self, lead=None):
        return self.env["mail.message"].search(
            [
                ("model", "=", "crm.lead"),
                ("res_id", "=", (lead or self.lead).id),
                ("message_type", "=", "user_notification"),
                ("subject", "ilike", "Kick-off"),
            ],
            order="id",
        )

    def test_sent_once_at_the_time_to_the_organiser_only(self):
        event = self._meeting(self.salesman)
        self.assertEqual(self.salesman.pilot_synthesis_hours, 18)
        self.assertFalse(self._run("2026-11-10 13:59:00"))
        self.assertFalse(self._syntheses())
        self.assertEqual(self._run("2026-11-10 14:00:00"), event)
        self.assertFalse(self._run("2026-11-10 15:00:00"))
        self.assertFalse(self._run("2026-11-11 07:59:00"))
        message = self._syntheses()
        self.assertEqual(len(message), 1)
        self.assertEqual(message.partner_ids, self.salesman.partner_id)
        self.assertEqual(message.notification_ids.res_partner_id, self.salesman.partner_id)
        self.assertEqual(message.author_id, self.env.ref("base.partner_root"))
        self.assertEqual(message.subject, "Before your meeting Kick-off: Synthesis deal")
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_note"))
        self.assertIn("Still unknown:", message.body)
        self.assertIn("Claire Martin — CEO, Decision maker (suggested)", message.body)
        self.assertIn("11/11/26, 8:00 AM", message.body)
        self.assertIn("The next action is overdue.", message.body)
        self.assertEqual(event.pilot_synthesis_start, START)
        # The meeting starts: nothing more
        self.assertFalse(self._run("2026-11-11 09:00:00"))
        self.assertEqual(len(self._syntheses()), 1)

    def test_moved_meeting_gets_a_new_synthesis(self):
        event = self._meeting(self.salesman)
        self._run("2026-11-10 14:00:00")
        event.write({"start": datetime(2026, 11, 12, 8, 0), "stop": datetime(2026, 11, 12, 9, 0)})
        self.assertFalse(self._run("2026-11-10 15:00:00"))
        self.assertEqual(self._run("2026-11-11 14:30:00"), event)
        self.assertEqual(len(self._syntheses()), 2)
        self.assertIn("11/12/26, 8:00 AM", self._syntheses()[-1].body)

    def test_in_the_organisers_language_and_time(self):
        load_french(self.env)
        directeur = new_pilot_user(
            self.env,
            "pilot_synthesis_fr",
            name="Denis Directeur",
            lang="fr_FR",
            tz="Europe/Paris",
            groups="sales_team.group_sale_salesman_all_leads",
        )
        directeur.pilot_synthesis_hours = 2
        self._meeting(directeur)
        self.assertFalse(self._run("2026-11-11 05:59:00"))
        self._run("2026-11-11 06:00:00")
        message = self._syntheses()
        self.assertEqual(message.partner_ids, directeur.partner_id)
        self.assertEqual(message.subject, "Avant votre rendez-vous Kick-off : Synthesis deal")
        for text in (
            "11/11/2026 09:00",
            "Encore inconnu :",
            "Claire Martin — CEO, Décisionnaire (suggéré)",
            "$&nbsp;40&nbsp;000,00",
            "La prochaine action est en retard.",
        ):
            self.assertIn(text, message.body)

    def test_none_without_access_or_internal_organiser(self):
        # A salesperson of their own documents only, on someone else's deal
        other = new_pilot_user(self.env, "pilot_synthesis_own", name="Olga Own")
        self.assertFalse(self.lead.with_user(other).has_access("read"))
        self._meeting(other)
        portal = new_pilot_user(self.env, "pilot_synthesis_portal", groups="base.group_portal")
        self._meeting(portal)
        # No synthesis wanted
        self.manager.pilot_synthesis_hours = 0
        self._meeting(self.manager)
        self._run("2026-11-10 14:00:00")
        self.assertFalse(self._syntheses())

    def test_batched(self):
        events = self._meeting(self.salesman) | self._meeting(self.manager)
        with freeze_time("2026-11-10 14:00:00"):
            first = self.env["calendar.event"]._cron_pilot_meeting_syntheses(batch_size=1)
            second = self.env["calendar.event"]._cron_pilot_meeting_syntheses(batch_size=1)
            third = self.env["calendar.event"]._cron_pilot_meeting_syntheses(batch_size=1)
        self.assertEqual((first | second, third), (events, self.Event.browse()))
        self.assertEqual(
            self._syntheses().partner_ids, self.salesman.partner_id | self.manager.partner_id
        )
        # Claimed once: a second claim (another worker) sends nothing
        self.assertFalse(events._pilot_synthesis_claim())

    def test_job_declared(self):
        cron = self.env.ref("crm_pipeline_pilot.ir_cron_meeting_synthesis")
        self.assertEqual(
            (cron.code, cron.interval_number, cron.interval_type, cron.user_id),
            ("model._cron_pilot_meeting_syntheses()", 1, "hours", self.env.ref("base.user_root")),
        )

    def test_hostile_preferences(self):
        Users = self.salesman.with_user(self.salesman)
        Users.write({"pilot_synthesis_hours": 48})
        self.assertEqual(self.salesman.pilot_synthesis_hours, 48)
        for value in (-1, 169, 10**12, float("nan"), float("inf")):
            with self.subTest(value=value), self.assertRaises(ValidationError):
                Users.write({"pilot_synthesis_hours": value})
        self.assertEqual(self.salesman.pilot_synthesis_hours, 48)
        load_french(self.env)
        with self.assertRaisesMessage(ValidationError, "entre 0 et 168"):
            Users.with_context(lang="fr_FR").write({"pilot_synthesis_hours": 169})
        # Only the application marks a meeting as sent
        event = self._meeting(self.salesman)
        with self.assertRaises(AccessError):
            event.with_user(self.salesman).write({"pilot_synthesis_start": START})
        self.assertFalse(event.pilot_synthesis_start)

    def test_value_stored_out_of_bounds_is_read_within_them(self):
        """A value written around the checks (SQL) does not stop the job: a
        negative one sends nothing, a huge one is read as a week."""
        event = self._meeting(self.salesman)
        other = self._meeting(self.manager, start=datetime(2026, 11, 17, 8, 0))
        self.env.cr.execute(
            "UPDATE res_users SET pilot_synthesis_hours = CASE WHEN id = %s THEN -5 "
            "ELSE 2000000000 END WHERE id IN %s",
            (self.salesman.id, (self.salesman.id, self.manager.id)),
        )
        self.env.invalidate_all()
        self.assertEqual(self._run("2026-11-10 14:00:00"), other)
        self.assertFalse(event.pilot_synthesis_start)
