# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the user sees is true: the walk of a salesperson through the form in
the browser, in French and in English."""

from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import PilotRpcMixin, load_french, new_pilot_user


@tagged("post_install", "-at_install")
class TestFormTruthTour(PilotRpcMixin, HttpCase):
    """The form-truth walk of a French salesperson (the tour), the same walk
    in English below: one tour definition, the texts chosen by language."""

    LANG = "fr_FR"
    TOUR = "crm_pipeline_pilot_form_truth"
    DEAL = "Affaire Vérité"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_french(cls.env)
        cls.env["crm.stage.exit.criterion"].search([]).active = False
        cls.salesman = new_pilot_user(
            cls.env,
            f"pilot_truth_vendeur_{cls.LANG}",
            name="Valérie Vendeuse",
            email="valerie@example.com",
            lang=cls.LANG,
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Truth Tour Team",
                "member_ids": [(6, 0, [cls.salesman.id])],
                "pilot_min_margin_rate": 30.0,
            }
        )
        # First columns of the pipeline, so that they are on screen.
        cls.stage = cls.env["crm.stage"].create({"name": "Truth Proposal", "sequence": -5})
        cls.stage.update_field_translations("name", {"fr_FR": "Proposition vérité"})
        Criterion = cls.env["crm.stage.exit.criterion"]
        cls.c_decision = Criterion.create(
            {
                "name": "Decision maker identified",
                "stage_id": cls.stage.id,
                "criterion_type": "manual",
                "sequence": 1,
            }
        )
        cls.c_decision.update_field_translations("name", {"fr_FR": "Décisionnaire identifié"})
        cls.c_margin = Criterion.create(
            {
                "name": "Margin rate at or above the team minimum",
                "stage_id": cls.stage.id,
                "criterion_type": "domain",
                "domain": "[('is_low_margin', '=', False)]",
                "sequence": 2,
            }
        )
        cls.c_margin.update_field_translations(
            "name", {"fr_FR": "Taux de marge au moins égal au minimum de l'équipe"}
        )
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": cls.DEAL,
                "type": "opportunity",
                "user_id": cls.salesman.id,
                "team_id": cls.team.id,
                "stage_id": cls.stage.id,
                "expected_revenue": 10000,
                # The tour saves the form: crm_partner_required and
                # crm_date_deadline_required (OCA) ask these on it.
                "partner_id": cls.env["res.partner"].create({"name": "Truth Tour Customer"}).id,
                "date_deadline": fields.Date.today() + timedelta(days=60),
            }
        )

    def test_tour_checklist_tells_the_truth(self):
        """A salesperson in their language: an urgency click leaves the checklist at 0/2,
        ticking the manual criterion gives 1/2 and a cost under the minimum
        leaves the margin criterion missing, all before saving; the typed cost
        is saved as typed."""
        self.assertEqual(self.lead.exit_criteria_progress, "0/2")
        self.start_tour("/odoo/crm", self.TOUR, login=self.salesman.login)
        self.assertEqual(self.lead.urgency, "2")
        self.assertEqual(self.lead.confirmed_criterion_ids, self.c_decision)
        self.assertEqual(self.lead.estimated_cost, 8000.0)
        self.assertEqual(self.lead.estimated_margin_rate, 20.0)
        self.assertTrue(self.lead.is_low_margin)
        self.assertEqual(self.lead.exit_criteria_progress, "1/2")


@tagged("post_install", "-at_install")
class TestFormTruthTourEnglish(TestFormTruthTour):
    """The same walk for an English salesperson (French installed too)."""

    LANG = "en_US"
    TOUR = "crm_pipeline_pilot_form_truth_en"
    DEAL = "Truth Deal"
