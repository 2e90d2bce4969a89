# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The chatter's tracking values read in the reader's language, whoever
wrote them: the demo installed in English, the superuser's scheduled work,
a colleague working in English."""

from odoo.tests import tagged

from .common import MODULE, SALES_MANAGER, PilotCommon, load_french, new_pilot_user


@tagged("post_install", "-at_install")
class TestTrackingInReaderLanguage(PilotCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_french(cls.env, ["crm", MODULE])
        cls.reader = new_pilot_user(
            cls.env,
            "pilot_chatter_reader",
            name="Françoise Lecture",
            email="francoise@example.com",
            lang="fr_FR",
            groups=SALES_MANAGER,
        )

    def _flush_tracking(self):
        """Tracking values are written when the transaction commits."""
        self.env.flush_all()
        self.env.cr.precommit.run()

    def _read(self, lead, field_name, lang="fr_FR"):
        """(old, new) of each tracking of ``field_name`` on ``lead``, as the
        chatter shows them to the reader in ``lang``."""
        trackings = (
            self.env["mail.tracking.value"]
            .sudo()
            .search(
                [
                    ("mail_message_id", "in", lead.message_ids.ids),
                    ("field_id.name", "=", field_name),
                ],
                order="id",
            )
        )
        formatted = trackings.with_user(self.reader).with_context(lang=lang)
        return [
            (info["oldValue"]["value"], info["newValue"]["value"])
            for info in formatted.sudo()._tracking_value_format()
        ]

    def test_demo_tracking_read_in_french(self):
        """Written in English at the demo's installation (stored as
        English texts), read in French."""
        case_13 = self.env.ref("crm.crm_case_13")
        self.assertEqual(self._read(case_13, "urgency", "en_US"), [("Normal", "Critical")])
        self.assertEqual(self._read(case_13, "urgency"), [("Normale", "Critique")])
        self.assertEqual(
            self._read(case_13, "qualification_confirmed_ids"),
            [("", "Décisionnaire identifié, Besoin identifié")],
        )
        case_14 = self.env.ref("crm.crm_case_14")
        self.assertEqual(self._read(case_14, "stage_id"), [("Nouveau", "Lead qualifié")])
        won = self.env.ref("crm_pipeline_pilot.lead_pilot_history_1_1")
        [(old, new)] = self._read(won, "pilot_won_reason_id")
        self.assertEqual(old, "")
        self.assertEqual(new, won.pilot_won_reason_id.with_context(lang="fr_FR").name)
        self.assertNotEqual(new, won.pilot_won_reason_id.with_context(lang="en_US").name)

    def test_automation_tracking_read_in_french(self):
        """A change made by the superuser in English (a scheduled action, a
        server action), read in French."""
        key_accounts = self.env["crm.team"].create({"name": "Key accounts"})
        key_accounts.update_field_translations("name", {"fr_FR": "Grands comptes"})
        lead = self._opportunity("Traced deal", team_id=self.team.id, stage_id=self.stage_new.id)
        self.env.flush_all()
        robot = lead.sudo().with_context(lang="en_US", tracking_disable=False)
        robot.write(
            {
                "stage_id": self.env.ref("crm.stage_lead2").id,
                "urgency": "3",
                "team_id": key_accounts.id,
            }
        )
        self._flush_tracking()
        self.assertEqual(self._read(lead, "stage_id", "en_US"), [("Pilot New", "Qualified")])
        self.assertEqual(self._read(lead, "stage_id"), [("Pilot New", "Qualifié")])
        self.assertEqual(self._read(lead, "urgency"), [("Normale", "Critique")])
        self.assertEqual(self._read(lead, "team_id"), [("Pilot Team", "Grands comptes")])

    def test_renamed_since_stays_as_written(self):
        """The chatter is history: a stage renamed after the change keeps the
        name it had when the change was made."""
        stage = self.env["crm.stage"].create({"name": "Pilot Later", "sequence": 2})
        stage.update_field_translations("name", {"fr_FR": "Plus tard"})
        lead = self._opportunity("Renamed", team_id=self.team.id, stage_id=self.stage_new.id)
        self.env.flush_all()
        lead.sudo().with_context(lang="en_US").write({"stage_id": stage.id})
        self._flush_tracking()
        self.assertEqual(self._read(lead, "stage_id"), [("Pilot New", "Plus tard")])
        stage.with_context(lang="en_US").name = "Pilot Afterwards"
        stage.update_field_translations("name", {"fr_FR": "Ensuite"})
        self.assertEqual(self._read(lead, "stage_id"), [("Pilot New", "Pilot Later")])
