# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from lxml import etree

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import PilotCommon, load_french


class StageProbabilityCommon(PilotCommon):
    """Stages with probabilities; a team in each mode (fixed, adjustable, and
    PilotCommon's automatic one)."""

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


@tagged("post_install", "-at_install")
class TestStageProbability(StageProbabilityCommon):
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
