# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Stage probabilities: Odoo's predictive lead scoring in automatic mode,
mass and team changes, the form of a new opportunity, the wizard that
reapplies the probabilities, and the tours."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, tagged

from .common import SALES_MANAGER, new_pilot_user
from .test_stage_probability import StageProbabilityCommon


@tagged("post_install", "-at_install")
class TestStageProbabilityMoves(StageProbabilityCommon):
    # ------------------------------------------------------------------
    # Automatic mode: Odoo's predictive lead scoring, unchanged
    # ------------------------------------------------------------------

    def _pls_history(self, team):
        """Won and lost opportunities that give PLS something to learn from."""
        won = self._opportunity("Won before", team_id=team.id, stage_id=self.stage_discovery.id)
        won.action_set_won()
        lost = self.env["crm.lead"]
        for index in range(3):
            lost += self._opportunity(
                f"Lost before {index}", team_id=team.id, stage_id=self.stage_proposal.id
            )
        lost.action_set_lost(lost_reason_id=self.reason.id)

    def test_automatic_mode_is_plain_pls(self):
        self._pls_history(self.team)
        lead = self._opportunity("Scored deal", stage_id=self.stage_discovery.id)
        expected = lead._pls_get_naive_bayes_probabilities()[lead.id]
        self.assertTrue(0 < expected < 100 and expected != 30.0)
        self.assertEqual(lead.automated_probability, expected)
        self.assertEqual(lead.probability, expected)
        lead = self._as_salesman(lead)
        lead.stage_id = self.stage_proposal
        expected = lead._pls_get_naive_bayes_probabilities()[lead.id]
        self.assertNotEqual(expected, 60.0)
        self.assertEqual(lead.probability, expected)
        self.assertTrue(lead.is_automated_probability)
        # Manual edits are free, as in Odoo.
        lead.probability = 99.0
        self.assertFalse(lead.is_automated_probability)
        lead.action_set_automated_probability()
        self.assertEqual(lead.probability, expected)

    def test_pls_does_not_override_stage_probabilities(self):
        self._pls_history(self.team_fixed)
        self._pls_history(self.team_adjustable)
        fixed = self._opportunity(
            "Fixed deal", team_id=self.team_fixed.id, stage_id=self.stage_discovery.id
        )
        adjusted = self._opportunity(
            "Adjusted deal", team_id=self.team_adjustable.id, stage_id=self.stage_discovery.id
        )
        adjusted.probability = 40.0
        automatic = self._opportunity("Automatic deal", stage_id=self.stage_discovery.id)
        self.assertEqual(fixed._pls_get_naive_bayes_probabilities(), {})
        # A change of a PLS variable recomputes the probabilities...
        (fixed | adjusted | automatic).write({"email_from": "buyer@example.com"})
        self.assertEqual((fixed.probability, adjusted.probability), (30.0, 40.0))
        # ... and so does the PLS cron, even when probability and automated
        # probability look aligned (the case where it overwrites the probability).
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead SET automated_probability = probability WHERE id IN %s",
            [(fixed.id, adjusted.id)],
        )
        self.env.cr.execute(
            "UPDATE crm_lead SET automated_probability = 5, probability = 5 WHERE id = %s",
            [automatic.id],
        )
        self.env.invalidate_all()
        self.env["crm.lead"]._cron_update_automated_probabilities()
        self.assertEqual((fixed.probability, adjusted.probability), (30.0, 40.0))
        self.assertNotEqual(automatic.probability, 5.0)
        self.assertEqual(automatic.probability, automatic.automated_probability)

    # ------------------------------------------------------------------
    # Mass writes, team changes, forms
    # ------------------------------------------------------------------

    def test_mass_stage_change_mixed_teams(self):
        fixed = self._opportunity("Fixed deal", team_id=self.team_fixed.id)
        adjusted = self._opportunity(
            "Adjusted deal", team_id=self.team_adjustable.id, stage_id=self.stage_proposal.id
        )
        adjusted.probability = 70.0
        automatic = self._opportunity("Automatic deal")
        leads = self._as_salesman(fixed | adjusted | automatic)
        leads.write({"stage_id": self.stage_proposal.id})
        self.assertEqual(fixed.probability, 60.0)
        # Already in the stage: keeps its adjustment.
        self.assertEqual(adjusted.probability, 70.0)
        self.assertEqual(automatic.probability, automatic.automated_probability)
        # A mass edit of the probability is checked lead by lead.
        with self.assertRaisesMessage(UserError, "Fixed deal: the sales team Pilot Fixed Team"):
            leads.write({"probability": 65.0})
        self.assertEqual(fixed.probability, 60.0)
        (adjusted | automatic).write({"probability": 65.0})
        self.assertEqual((adjusted.probability, automatic.probability), (65.0, 65.0))

    def _count_stage_move_queries(self, count):
        leads = self.env["crm.lead"].create(
            [
                {
                    "name": f"Mass deal {index}",
                    "type": "opportunity",
                    "team_id": (self.team_fixed if index % 2 else self.team_adjustable).id,
                    "stage_id": self.stage_new.id,
                }
                for index in range(count)
            ]
        )
        leads = leads.with_context(tracking_disable=True)
        self.env.flush_all()
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        leads.write({"stage_id": self.stage_discovery.id})
        self.env.flush_all()
        queries = self.env.cr.sql_log_count - start
        self.assertEqual(set(leads.mapped("probability")), {30.0})
        return queries

    def test_mass_stage_change_is_set_based(self):
        """No query per lead: moving 40 leads costs as many queries as moving 4."""
        self.assertEqual(self._count_stage_move_queries(4), self._count_stage_move_queries(40))

    def test_team_and_stage_change_in_one_write(self):
        lead = self._opportunity("Moving deal", stage_id=self.stage_discovery.id)
        lead.probability = 77.0
        self._as_salesman(lead).write(
            {"team_id": self.team_fixed.id, "stage_id": self.stage_discovery.id}
        )
        self.assertEqual(lead.probability, 30.0)
        self._as_salesman(lead).write(
            {"team_id": self.team_adjustable.id, "stage_id": self.stage_proposal.id}
        )
        self.assertEqual(lead.probability, 60.0)

    def test_team_change_sets_stage_probability(self):
        lead = self._opportunity("Moving deal", stage_id=self.stage_discovery.id)
        lead.probability = 77.0
        self._as_salesman(lead).team_id = self.team_fixed
        self.assertEqual(lead.probability, 30.0)
        self._as_salesman(lead).team_id = self.team_adjustable
        self.assertEqual(lead.probability, 30.0)

    def test_new_lead_form_shows_stage_probability(self):
        form = Form(
            self.env["crm.lead"].with_user(self.salesman).with_context(default_type="opportunity")
        )
        form.name = "Form deal"
        # What crm_partner_required and crm_date_deadline_required (OCA) ask.
        form.partner_id = self.env["res.partner"].create({"name": "Form Customer"})
        form.date_deadline = "2027-03-31"
        form.team_id = self.team_adjustable
        form.stage_id = self.stage_proposal
        self.assertEqual(form.probability, 60.0)
        form.probability = 70.0
        lead = form.save()
        self.assertEqual(lead.probability, 70.0)

    # ------------------------------------------------------------------
    # Re-applying a stage's probability
    # ------------------------------------------------------------------

    def test_reapply_wizard(self):
        in_fixed = self._opportunity(
            "Fixed deal", team_id=self.team_fixed.id, stage_id=self.stage_discovery.id
        )
        in_adjustable = self._opportunity(
            "Adjusted deal", team_id=self.team_adjustable.id, stage_id=self.stage_discovery.id
        )
        in_adjustable.probability = 40.0
        in_automatic = self._opportunity("Automatic deal", stage_id=self.stage_discovery.id)
        automatic_probability = in_automatic.probability
        lost = self._opportunity(
            "Lost deal", team_id=self.team_fixed.id, stage_id=self.stage_discovery.id
        )
        lost.action_set_lost(lost_reason_id=self.reason.id)
        other_stage = self._opportunity(
            "Proposal deal", team_id=self.team_fixed.id, stage_id=self.stage_proposal.id
        )
        plain_lead = self._opportunity(
            "Plain lead", type="lead", team_id=self.team_fixed.id, stage_id=self.stage_discovery.id
        )
        already = self._opportunity(
            "Already right", team_id=self.team_adjustable.id, stage_id=self.stage_discovery.id
        )
        already.probability = 35.0
        untouched = in_automatic | lost | other_stage | plain_lead | already
        before = {lead: lead.probability for lead in untouched}

        stage = self.stage_discovery.with_user(self.manager)
        # The adjusted ones.
        self.assertEqual(stage.pilot_probability_outdated_count, 2)
        stage.pilot_probability = 35.0
        # Never silently: the leads keep their probability.
        self.assertEqual((in_fixed.probability, in_adjustable.probability), (30.0, 40.0))
        self.assertEqual(stage.pilot_probability_outdated_count, 2)
        action = stage.action_open_probability_apply()
        self.assertEqual(action["res_model"], "crm.stage.probability.apply")
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.manager)
            .with_context(**action["context"])
            .create({})
        )
        self.assertEqual(wizard.stage_id, self.stage_discovery)
        self.assertEqual(wizard.lead_count, 2)
        wizard.action_apply()
        self.assertEqual((in_fixed.probability, in_adjustable.probability), (35.0, 35.0))
        self.assertEqual({lead: lead.probability for lead in untouched}, before)
        self.assertEqual(automatic_probability, in_automatic.probability)
        self.assertFalse(lost.active)
        stage.invalidate_recordset(["pilot_probability_outdated_count"])
        self.assertEqual(stage.pilot_probability_outdated_count, 0)

    def test_reapply_wizard_refused_to_salesman_and_on_won_stage(self):
        wizard_model = self.env["crm.stage.probability.apply"]
        with self.assertRaises(AccessError):
            wizard_model.with_user(self.salesman).create({"stage_id": self.stage_discovery.id})
        wizard = wizard_model.with_user(self.manager).create({"stage_id": self.stage_won.id})
        self.assertEqual(wizard.lead_count, 0)
        with self.assertRaisesMessage(UserError, "always have a probability of 100 %"):
            wizard.action_apply()


@tagged("post_install", "-at_install")
class TestStageProbabilityUi(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_pilot_user(
            cls.env,
            "pilot_probability_salesman",
            name="Paula Probability",
            email="paula@example.com",
        )
        cls.manager = new_pilot_user(
            cls.env,
            "pilot_probability_manager",
            name="Max Probability",
            email="max@example.com",
            groups=SALES_MANAGER,
        )
        cls.stage = cls.env["crm.stage"].create(
            {"name": "Tour Discovery", "sequence": 2, "pilot_probability": 30.0}
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Tour Adjustable Team",
                "member_ids": [(6, 0, [cls.salesman.id])],
                "pilot_probability_mode": "adjustable",
                "pilot_probability_band": 15.0,
            }
        )
        # A customer and an expected closing date: the tour saves the form, which
        # crm_partner_required and crm_date_deadline_required (OCA) make ask them.
        customer = cls.env["res.partner"].create({"name": "Tour Customer"})
        cls.leads = cls.env["crm.lead"].create(
            [
                {
                    "name": f"Tour Deal {index}",
                    "type": "opportunity",
                    "user_id": cls.salesman.id,
                    "team_id": cls.team.id,
                    "stage_id": cls.stage.id,
                    "partner_id": customer.id,
                    "date_deadline": "2027-03-31",
                }
                for index in range(2)
            ]
        )

    def test_tour_reapply_stage_probability(self):
        """A sales manager changes a stage's probability: the stage form offers
        to re-apply it and the dialog updates the opportunities counted."""
        self.assertEqual(self.leads.mapped("probability"), [30.0, 30.0])
        self.start_tour(
            f"/odoo/action-crm.crm_stage_action/{self.stage.id}",
            "crm_pipeline_pilot_stage_probability_reapply",
            login=self.manager.login,
        )
        self.assertEqual(self.stage.pilot_probability, 35.0)
        self.assertEqual(self.leads.mapped("probability"), [35.0, 35.0])

    def test_tour_salesman_adjusts_within_band(self):
        lead = self.leads[0]
        self.start_tour(
            f"/odoo/crm/{lead.id}",
            "crm_pipeline_pilot_stage_probability_band",
            login=self.salesman.login,
        )
        self.assertEqual(lead.probability, 45.0)
