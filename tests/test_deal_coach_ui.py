# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import load_french, new_pilot_user


@tagged("post_install", "-at_install")
class TestDealCoachTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_french(cls.env)
        cls.env["crm.stage.exit.criterion"].search([]).active = False
        cls.salesman = new_pilot_user(
            cls.env,
            "pilot_coach_vendeur",
            name="Claire Coach",
            email="claire@example.com",
            lang="fr_FR",
        )
        cls.team = cls.env["crm.team"].create(
            {"name": "Coach Tour Team", "member_ids": [(6, 0, [cls.salesman.id])]}
        )
        # First column of the pipeline, so that the card is on screen.
        cls.stage = cls.env["crm.stage"].create({"name": "Coach Qualified", "sequence": -6})
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Affaire Coach",
                "type": "opportunity",
                "user_id": cls.salesman.id,
                "team_id": cls.team.id,
                "stage_id": cls.stage.id,
                "expected_revenue": 8000,
            }
        )

    def test_tour_score_and_next_action_in_one_click(self):
        """A French salesperson sees 1/4 and "Planifier la prochaine étape" on
        the card, clicks it: the activity exists, in French, for them."""
        self.assertEqual(self.lead.qualification_score, 1)
        self.start_tour("/odoo/crm", "crm_pipeline_pilot_deal_coach", login=self.salesman.login)
        activity = self.lead.activity_ids
        self.assertEqual(
            (
                activity.summary,
                activity.user_id,
                activity.activity_type_id,
                activity.date_deadline,
                activity.pilot_next_action_rule_id,
            ),
            (
                "Planifier la prochaine étape avec le client",
                self.salesman,
                self.env.ref("mail.mail_activity_data_todo"),
                # tomorrow for the salesperson (their day, not the test's user's)
                fields.Date.context_today(self.lead.with_user(self.salesman)) + timedelta(days=1),
                self.env.ref("crm_pipeline_pilot.next_action_rule_no_activity"),
            ),
        )
        self.assertEqual(str(activity.note), "<p>Aucune activité planifiée avec échéance.</p>")
