# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from lxml import etree

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged

from .common import SALES_MANAGER, PilotCommon, load_french, new_pilot_user


@tagged("post_install", "-at_install")
class TestStageProbability(PilotCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_new.pilot_probability = 10.0
        cls.stage_discovery = cls.env["crm.stage"].create(
            {"name": "Pilot Discovery", "sequence": 2, "pilot_probability": 30.0}
        )
        cls.stage_proposal = cls.env["crm.stage"].create(
            {"name": "Pilot Proposal", "sequence": 3, "pilot_probability": 60.0}
        )
        cls.stage_won = cls.env["crm.stage"].create(
            {"name": "Pilot Won", "sequence": 50, "is_won": True, "pilot_probability": 20.0}
        )
        # cls.team (automatic, Odoo's predictive lead scoring) comes from PilotCommon.
        cls.team_fixed = cls.env["crm.team"].create(
            {
                "name": "Pilot Fixed Team",
                "user_id": cls.manager.id,
                "member_ids": [(6, 0, [cls.salesman.id])],
                "pilot_probability_mode": "fixed",
            }
        )
        cls.team_adjustable = cls.env["crm.team"].create(
            {
                "name": "Pilot Adjustable Team",
                "user_id": cls.manager.id,
                "member_ids": [(6, 0, [cls.salesman.id])],
                "pilot_probability_mode": "adjustable",
                "pilot_probability_band": 15.0,
            }
        )

    def _as_salesman(self, lead):
        return lead.with_user(self.salesman)

    # ------------------------------------------------------------------
    # Configuration
    # ------------------------------------------------------------------

    def test_defaults_change_nothing(self):
        team = self.env["crm.team"].create({"name": "Pilot Default Team"})
        self.assertEqual(team.pilot_probability_mode, "automatic")
        self.assertEqual(team.pilot_probability_band, 15.0)
        self.assertEqual(
            self.env["crm.stage"].create({"name": "Pilot Other"}).pilot_probability, 10.0
        )

    def test_band_hidden_once_won_or_lost(self):
        """The "± band pts" beside the probability is for open deals: a won
        deal (100 %) or a lost one (archived) shows none."""
        arch = self.env["crm.lead"].get_views([(False, "form")])["views"]["form"]["arch"]
        [band] = etree.fromstring(arch).xpath("//div[@id='probability']/small")
        self.assertEqual(
            band.get("invisible"),
            "pilot_probability_mode != 'adjustable' or not active or probability >= 100",
        )

    def test_bad_configuration_refused(self):
        for value in (-0.01, 100.01):
            with self.subTest(probability=value):
                with self.assertRaisesMessage(ValidationError, "must be between 0 and 100 %"):
                    self.stage_discovery.pilot_probability = value
                    self.stage_discovery.flush_recordset()
        self.assertEqual(self.stage_discovery.pilot_probability, 30.0)
        for value in (-1.0, 100.5):
            with self.subTest(band=value):
                with self.assertRaisesMessage(ValidationError, "Pilot Adjustable Team"):
                    self.team_adjustable.pilot_probability_band = value
                    self.team_adjustable.flush_recordset()
        self.assertEqual(self.team_adjustable.pilot_probability_band, 15.0)
        # The edges are valid.
        self.stage_discovery.pilot_probability = 0.0
        self.stage_proposal.pilot_probability = 100.0
        self.team_adjustable.pilot_probability_band = 0.0

    # ------------------------------------------------------------------
    # Fixed by stage
    # ------------------------------------------------------------------

    def test_fixed_stage_change_sets_stage_probability(self):
        lead = self._opportunity("Fixed deal", team_id=self.team_fixed.id)
        self.assertEqual(lead.probability, 10.0)
        lead = self._as_salesman(lead)
        lead.stage_id = self.stage_discovery
        self.assertEqual(lead.probability, 30.0)
        lead.write({"stage_id": self.stage_proposal.id})
        self.assertEqual(lead.probability, 60.0)
        self.assertEqual(lead.prorated_revenue, 0.0)
        lead.expected_revenue = 1000.0
        self.assertEqual(lead.prorated_revenue, 600.0)
        # Backward moves too.
        lead.stage_id = self.stage_new
        self.assertEqual(lead.probability, 10.0)

    def test_fixed_manual_edit_refused(self):
        lead = self._as_salesman(
            self._opportunity(
                "Fixed deal", team_id=self.team_fixed.id, stage_id=self.stage_discovery.id
            )
        )
        for value in (29.99, 30.01, 0.0, 100.0):
            with self.subTest(probability=value):
                with self.assertRaisesMessage(
                    UserError,
                    "Fixed deal: the sales team Pilot Fixed Team fixes probabilities by "
                    "stage; in the stage Pilot Discovery it is 30 % and cannot be changed.",
                ):
                    lead.probability = value
        self.assertEqual(lead.probability, 30.0)
        # Writing the stage's own value is not a change and is accepted.
        lead.probability = 30.0
        # With a stage change, the new stage is the reference.
        with self.assertRaisesMessage(UserError, "in the stage Pilot Proposal it is 60 %"):
            lead.write({"stage_id": self.stage_proposal.id, "probability": 30.0})
        self.assertEqual(lead.stage_id, self.stage_discovery)
        lead.write({"stage_id": self.stage_proposal.id, "probability": 60.0})
        self.assertEqual(lead.probability, 60.0)

    def test_fixed_create_with_probability(self):
        with self.assertRaisesMessage(UserError, "it is 10 % and cannot be changed"):
            self._opportunity("Imported deal", team_id=self.team_fixed.id, probability=50.0)
        lead = self._opportunity("Imported deal", team_id=self.team_fixed.id, probability=10.0)
        self.assertEqual(lead.probability, 10.0)

    # ------------------------------------------------------------------
    # Stage default, adjustable
    # ------------------------------------------------------------------

    def test_adjustable_band_edges(self):
        lead = self._as_salesman(
            self._opportunity(
                "Adjustable deal", team_id=self.team_adjustable.id, stage_id=self.stage_discovery.id
            )
        )
        self.assertEqual(lead.probability, 30.0)
        for value in (15.0, 45.0, 22.5):
            lead.probability = value
            self.assertEqual(lead.probability, value)
        for value in (14.99, 45.01, 0.0, 100.0):
            with self.subTest(probability=value):
                with self.assertRaisesMessage(
                    UserError,
                    "Adjustable deal: the probability must be between 15 % and 45 % "
                    "(stage Pilot Discovery: 30 %, ± 15 points in the sales team "
                    "Pilot Adjustable Team).",
                ):
                    lead.probability = value
        self.assertEqual(lead.probability, 22.5)

    def test_adjustable_stage_change_resets_to_stage_default(self):
        lead = self._as_salesman(
            self._opportunity(
                "Adjustable deal", team_id=self.team_adjustable.id, stage_id=self.stage_discovery.id
            )
        )
        lead.probability = 40.0
        # Writing the same stage again keeps the adjustment.
        lead.stage_id = self.stage_discovery
        self.assertEqual(lead.probability, 40.0)
        lead.stage_id = self.stage_proposal
        self.assertEqual(lead.probability, 60.0)
        # Stage change and adjustment in one write: checked against the new stage.
        lead.write({"stage_id": self.stage_discovery.id, "probability": 44.0})
        self.assertEqual((lead.stage_id, lead.probability), (self.stage_discovery, 44.0))
        with self.assertRaisesMessage(UserError, "between 45 % and 75 %"):
            lead.write({"stage_id": self.stage_proposal.id, "probability": 44.0})
        self.assertEqual((lead.stage_id, lead.probability), (self.stage_discovery, 44.0))

    def test_adjustable_band_clipped_to_0_100(self):
        self.stage_proposal.pilot_probability = 95.0
        lead = self._as_salesman(
            self._opportunity(
                "Adjustable deal", team_id=self.team_adjustable.id, stage_id=self.stage_new.id
            )
        )
        lead.probability = 0.0
        self.assertEqual(lead.probability, 0.0)
        lead.stage_id = self.stage_proposal
        self.assertEqual(lead.probability, 95.0)
        lead.probability = 100.0
        self.assertEqual(lead.probability, 100.0)
        with self.assertRaisesMessage(UserError, "between 80 % and 100 %"):
            lead.probability = 79.0

    def test_decimal_message_in_french(self):
        load_french(self.env)
        self.stage_discovery.pilot_probability = 32.5
        lead = self._opportunity(
            "Affaire", team_id=self.team_adjustable.id, stage_id=self.stage_discovery.id
        )
        with self.assertRaises(UserError) as error:
            lead.with_context(lang="fr_FR").probability = 60.0
        self.assertEqual(
            str(error.exception),
            "Cette probabilité n'est pas autorisée :\n"
            "Affaire : la probabilité doit être comprise entre 17,50 % et 47,50 % "
            "(étape Pilot Discovery : 32,50 %, ± 15 points dans l'équipe commerciale "
            "Pilot Adjustable Team).",
        )

    # ------------------------------------------------------------------
    # Won and lost
    # ------------------------------------------------------------------

    def test_won_and_lost_values_in_stage_modes(self):
        for team in (self.team_fixed, self.team_adjustable):
            with self.subTest(mode=team.pilot_probability_mode):
                lead = self._as_salesman(
                    self._opportunity(
                        f"Deal {team.name}", team_id=team.id, stage_id=self.stage_discovery.id
                    )
                )
                lead.action_set_won()
                self.assertTrue(lead.stage_id.is_won)
                self.assertEqual(lead.probability, 100.0)
                with self.assertRaisesMessage(UserError, "its probability stays 100 %"):
                    lead.probability = 95.0
                self.assertEqual(lead.probability, 100.0)
                # Back to an open stage: the stage's probability again.
                lead.stage_id = self.stage_proposal
                self.assertEqual(lead.probability, 60.0)
                lead.action_set_lost(lost_reason_id=self.reason.id)
                self.assertFalse(lead.active)
                self.assertEqual(lead.probability, 0.0)
                # Restoring gives the stage's probability back.
                lead.action_unarchive()
                self.assertTrue(lead.active)
                self.assertEqual(lead.probability, 60.0)
                # Moving a lead directly into the won stage.
                lead.stage_id = self.stage_won
                self.assertEqual(lead.probability, 100.0)
                # Restoring by a plain write, as an import or a script does.
                lead.stage_id = self.stage_discovery
                lead.action_set_lost(lost_reason_id=self.reason.id)
                self.assertEqual((lead.active, lead.probability), (False, 0.0))
                lead.write({"active": True})
                self.assertEqual((lead.active, lead.probability), (True, 30.0))

    def test_create_in_won_stage(self):
        lead = self._opportunity(
            "Signed deal", team_id=self.team_fixed.id, stage_id=self.stage_won.id
        )
        self.assertEqual(lead.probability, 100.0)

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
