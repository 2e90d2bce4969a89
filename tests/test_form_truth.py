# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the user sees is true: the checklist of the form follows its unsaved
values, the application's own follow-ups prove no next action, a typed cost
is kept, and no cost means an unknown margin, not a margin of 100 %."""

import re
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from ..models.crm_lead import TRUSTED
from .common import MODULE, PilotCommon

UNKNOWN = "Margin unknown: enter the estimated cost and a positive expected revenue."


class FormTruthCommon(PilotCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["crm.stage.exit.criterion"].search([]).active = False
        Stage = cls.env["crm.stage"]
        Criterion = cls.env["crm.stage.exit.criterion"]
        cls.customer = cls.env["res.partner"].create({"name": "Truth Customer"})
        cls.stage_discovery = Stage.create({"name": "Truth Discovery", "sequence": 2})
        cls.stage_proposal = Stage.create({"name": "Truth Proposal", "sequence": 3})
        cls.stage_next = Stage.create({"name": "Truth Negotiation", "sequence": 4})
        cls.stage_won = Stage.create({"name": "Truth Won", "sequence": 5, "is_won": True})
        cls.c_decision = Criterion.create(
            {
                "name": "Decision maker identified",
                "stage_id": cls.stage_discovery.id,
                "criterion_type": "manual",
                "sequence": 1,
            }
        )
        cls.c_dated = Criterion.create(
            {
                "name": "Dated next action",
                "stage_id": cls.stage_discovery.id,
                "criterion_type": "domain",
                "domain": "[('has_dated_next_action', '=', True)]",
                "sequence": 2,
            }
        )
        fields_model = cls.env["ir.model.fields"]
        cls.c_amount = Criterion.create(
            {
                "name": "Proposal amount",
                "stage_id": cls.stage_proposal.id,
                "criterion_type": "field",
                "field_id": fields_model._get("crm.lead", "expected_revenue").id,
                "sequence": 1,
            }
        )
        cls.c_closing = Criterion.create(
            {
                "name": "Expected closing date",
                "stage_id": cls.stage_proposal.id,
                "criterion_type": "field",
                "field_id": fields_model._get("crm.lead", "date_deadline").id,
                "sequence": 2,
            }
        )
        cls.c_margin = Criterion.create(
            {
                "name": "Margin rate at or above the team minimum",
                "stage_id": cls.stage_proposal.id,
                "criterion_type": "domain",
                "domain": "[('is_low_margin', '=', False)]",
                "sequence": 3,
            }
        )

    @classmethod
    def _opportunity(cls, name, **values):
        # Created directly in their stage, whatever the earlier stages demand
        env = cls.env
        cls.env = env(su=True, context=dict(env.context, pilot_skip_exit_criteria=TRUSTED))
        try:
            lead = super()._opportunity(name, **values)
        finally:
            cls.env = env
        return lead.with_env(env)

    @classmethod
    def _ready(cls, **values):
        """The values of a deal whose form is saved: a customer and an expected
        closing date, which crm_partner_required and crm_date_deadline_required
        (OCA) make required on the form."""
        values.setdefault("partner_id", cls.customer.id)
        values.setdefault("date_deadline", fields.Date.today() + timedelta(days=60))
        return values

    def _met_and_missing(self, checklist):
        return checklist.count("o_pilot_criterion_met"), checklist.count(
            "o_pilot_criterion_missing"
        )

    def _missing(self, checklist):
        """Names of the criteria the checklist (HTML) shows missing."""
        return re.findall(r"o_pilot_criterion_missing[^>]*><i[^>]*></i>([^<]*)", checklist)


@tagged("post_install", "-at_install")
class TestChecklistFollowsTheForm(FormTruthCommon):
    def test_urgency_click_does_not_turn_the_checklist_green(self):
        lead = self._opportunity("Truth A", **self._ready(stage_id=self.stage_discovery.id))
        self.assertEqual(lead.exit_criteria_progress, "0/2")
        with Form(lead.with_user(self.salesman)) as form:
            self.assertEqual(form.exit_criteria_progress, "0/2")
            form.urgency = "2"
            self.assertEqual(form.exit_criteria_progress, "0/2")
            self.assertFalse(form.exit_criteria_complete)
            self.assertEqual(self._met_and_missing(form.exit_criteria_checklist), (0, 2))
            self.assertEqual(
                self._missing(form.exit_criteria_checklist),
                ["Decision maker identified", "Dated next action"],
            )
            # The manual box ticked on screen counts before saving
            form.confirmed_criterion_ids.add(self.c_decision)
            self.assertEqual(form.exit_criteria_progress, "1/2")
            self.assertEqual(self._missing(form.exit_criteria_checklist), ["Dated next action"])
            form.confirmed_criterion_ids.remove(self.c_decision.id)
            self.assertEqual(form.exit_criteria_progress, "0/2")
            form.confirmed_criterion_ids.add(self.c_decision)
        self.assertEqual(lead.urgency, "2")
        self.assertEqual(lead.exit_criteria_progress, "1/2")

    def test_unticking_a_saved_confirmation_shows_it_missing(self):
        lead = self._opportunity(
            "Truth B",
            **self._ready(
                stage_id=self.stage_discovery.id,
                confirmed_criterion_ids=[(4, self.c_decision.id)],
            ),
        )
        self.assertEqual(lead.exit_criteria_progress, "1/2")
        with Form(lead.with_user(self.salesman)) as form:
            form.confirmed_criterion_ids.remove(self.c_decision.id)
            self.assertEqual(form.exit_criteria_progress, "0/2")
            form.urgency = "3"
            self.assertEqual(form.exit_criteria_progress, "0/2")
            form.confirmed_criterion_ids.add(self.c_decision)
            self.assertEqual(form.exit_criteria_progress, "1/2")

    def test_domain_criterion_on_the_values_of_the_form(self):
        """A domain criterion is evaluated on the values on screen: a planned
        activity (saved) is seen, a cost typed on screen too."""
        lead = self._opportunity("Truth C", **self._ready(stage_id=self.stage_discovery.id))
        lead.activity_schedule(
            "mail.mail_activity_data_call",
            user_id=self.salesman.id,
            date_deadline=fields.Date.today() + timedelta(days=3),
        )
        self.assertEqual(lead.exit_criteria_progress, "1/2")
        with Form(lead.with_user(self.salesman)) as form:
            form.urgency = "0"
            self.assertEqual(form.exit_criteria_progress, "1/2")
            self.assertEqual(
                self._missing(form.exit_criteria_checklist), ["Decision maker identified"]
            )

    def test_cost_under_the_minimum_and_cleared_date_before_saving(self):
        lead = self._opportunity(
            "Truth D",
            **self._ready(
                stage_id=self.stage_proposal.id,
                expected_revenue=10000,
                estimated_cost=5000,
                date_deadline=fields.Date.today() + timedelta(days=30),
            ),
        )
        self.assertEqual(lead.exit_criteria_progress, "3/3")
        with Form(lead.with_user(self.salesman)) as form:
            form.estimated_cost = 8000  # 20 % < 30 %
            self.assertEqual(form.estimated_margin_rate, 20.0)
            self.assertTrue(form.is_low_margin)
            self.assertEqual(form.exit_criteria_progress, "2/3")
            form.date_deadline = False
            self.assertEqual(form.exit_criteria_progress, "1/3")
            self.assertEqual(
                self._missing(form.exit_criteria_checklist),
                ["Expected closing date", "Margin rate at or above the team minimum"],
            )
            self.assertNotIn(UNKNOWN, form.exit_criteria_checklist)  # known, only low
            form.estimated_cost = 6000
            form.date_deadline = fields.Date.today() + timedelta(days=10)
            self.assertEqual(form.exit_criteria_progress, "3/3")
        self.assertEqual(lead.estimated_cost, 6000.0)

    def test_new_opportunity_in_the_form(self):
        Lead = self.env["crm.lead"].with_user(self.salesman)
        form = Form(
            Lead.with_context(
                default_type="opportunity",
                default_team_id=self.team.id,
                default_stage_id=self.stage_discovery.id,
            )
        )
        form.name = "Truth New"
        self.assertEqual(form.exit_criteria_progress, "0/2")
        form.urgency = "2"
        self.assertEqual(form.exit_criteria_progress, "0/2")
        form.confirmed_criterion_ids.add(self.c_decision)
        self.assertEqual(form.exit_criteria_progress, "1/2")

    def test_saved_records_keep_the_database_path(self):
        """Kanban and gate: saved leads are evaluated in the database, their
        confirmations as saved."""
        ready = self._opportunity(
            "Truth E",
            stage_id=self.stage_discovery.id,
            confirmed_criterion_ids=[(4, self.c_decision.id)],
        )
        ready.activity_schedule("mail.mail_activity_data_call", user_id=self.salesman.id)
        other = self._opportunity("Truth F", stage_id=self.stage_discovery.id)
        self.env.invalidate_all()
        self.assertEqual((ready | other).mapped("exit_criteria_progress"), ["2/2", "0/2"])
        ready.with_user(self.salesman).write({"stage_id": self.stage_proposal.id})
        with self.assertRaisesMessage(UserError, "Decision maker identified"):
            other.with_user(self.salesman).write({"stage_id": self.stage_proposal.id})


@tagged("post_install", "-at_install")
class TestDatedNextActionIsHuman(FormTruthCommon):
    def _activity(self, lead, **values):
        return (
            self.env["mail.activity"]
            .sudo()
            .create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "res_id": lead.id,
                    "user_id": self.salesman.id,
                    "date_deadline": fields.Date.today() + timedelta(days=2),
                    **values,
                }
            )
        )

    def test_follow_ups_and_escalation_prove_no_next_action(self):
        relance = self.env.ref(f"{MODULE}.mail_activity_type_follow_up")
        first = self.env.ref(f"{MODULE}.automation_follow_up_first")
        escalation = self.env.ref(f"{MODULE}.automation_follow_up_escalation")
        follow_up = self._opportunity("Relance A", **self._ready(stage_id=self.stage_discovery.id))
        self._activity(
            follow_up,
            activity_type_id=relance.id,
            automated=True,
            pilot_follow_up_step_id=first.id,
        )
        escalated = self._opportunity("Relance B", stage_id=self.stage_discovery.id)
        self._activity(
            escalated,
            activity_type_id=relance.id,
            automated=True,
            user_id=self.manager.id,
            pilot_follow_up_step_id=escalation.id,
        )
        orphan = self._opportunity("Relance C", stage_id=self.stage_discovery.id)
        # a follow-up whose step was deleted since
        self._activity(orphan, activity_type_id=relance.id, automated=True)
        planned = self._opportunity("Relance D", stage_id=self.stage_discovery.id)
        planned.activity_schedule("mail.mail_activity_data_call", user_id=self.salesman.id)
        by_hand = self._opportunity("Relance E", stage_id=self.stage_discovery.id)
        # a salesperson may plan a "Follow-up" activity by hand: it counts
        self._activity(by_hand, activity_type_id=relance.id, automated=False)
        leads = follow_up | escalated | orphan | planned | by_hand
        self.assertEqual(leads.mapped("has_dated_next_action"), [False, False, False, True, True])
        Lead = self.env["crm.lead"].with_user(self.salesman)
        domain = [("id", "in", leads.ids)]
        self.assertEqual(
            Lead.search([*domain, ("has_dated_next_action", "=", True)]), planned | by_hand
        )
        self.assertEqual(
            Lead.search([*domain, ("has_dated_next_action", "=", False)]),
            follow_up | escalated | orphan,
        )
        # One rule (models/rule_engine/dated_next_action.py): the next action's
        # status and its search say the same.
        self.assertEqual(
            leads.mapped("next_action_status"),
            ["missing", "missing", "missing", "planned", "planned"],
        )
        self.assertEqual(
            Lead.search([*domain, ("next_action_status", "=", "missing")]),
            follow_up | escalated | orphan,
        )
        self.assertEqual(
            Lead.search([*domain, ("next_action_status", "=", "planned")]), planned | by_hand
        )
        self.assertEqual(
            leads.mapped("exit_criteria_progress"), ["0/2", "0/2", "0/2", "1/2", "1/2"]
        )
        # The gate says the same: a follow-up is no dated next action.
        follow_up.confirmed_criterion_ids = [(4, self.c_decision.id)]
        with self.assertRaisesMessage(UserError, "Dated next action"):
            follow_up.with_user(self.salesman).write({"stage_id": self.stage_proposal.id})
        # In the form too (unsaved values)
        with Form(follow_up.with_user(self.salesman)) as form:
            form.urgency = "3"
            self.assertEqual(self._missing(form.exit_criteria_checklist), ["Dated next action"])


@tagged("post_install", "-at_install")
class TestTypedCostIsKept(FormTruthCommon):
    def test_orm_cost_and_rate_together(self):
        # 48,000 - 40,000 = 8,000: 16.666... %, shown 16.67 %; through the
        # rate's inverse the cost would become 48,000 x 83.33 % = 39,998.40.
        lead = self._opportunity("Cost A", expected_revenue=48000)
        lead.write({"estimated_cost": 40000, "estimated_margin_rate": 16.67})
        self.assertEqual(lead.estimated_cost, 40000.0)
        self.assertEqual(lead.estimated_margin, 8000.0)
        self.assertEqual(lead.estimated_margin_rate, 16.67)
        created = self._opportunity(
            "Cost B", expected_revenue=48000, estimated_cost=40000, estimated_margin_rate=16.67
        )
        self.assertEqual(created.estimated_cost, 40000.0)
        self.assertEqual(created.estimated_margin, 8000.0)
        # The rate alone still sets the cost
        lead.write({"estimated_margin_rate": 25})
        self.assertEqual(lead.estimated_cost, 36000.0)
        self.assertEqual(lead.estimated_margin, 12000.0)

    def test_form_keeps_the_typed_cost(self):
        lead = self._opportunity("Cost C", **self._ready(expected_revenue=48000))
        with Form(lead.with_user(self.salesman)) as form:
            form.estimated_cost = 40000
            self.assertEqual(form.estimated_margin_rate, 16.67)
        self.assertEqual(lead.estimated_cost, 40000.0)
        self.assertEqual(lead.estimated_margin, 8000.0)
        # Changing the revenue: the form sends back the rate it recomputed,
        # rounded; the cost stays as typed.
        with Form(lead.with_user(self.salesman)) as form:
            form.expected_revenue = 47000
            self.assertEqual(form.estimated_margin_rate, 14.89)
        self.assertEqual(lead.estimated_cost, 40000.0)
        self.assertEqual(lead.estimated_margin, 7000.0)
        # Typing a rate sets the cost
        with Form(lead.with_user(self.salesman)) as form:
            form.estimated_margin_rate = 20
        self.assertEqual(lead.estimated_cost, 37600.0)

    def test_web_save_with_cost_and_rate(self):
        """What the web client sends: the typed cost and the rate it computed."""
        lead = self._opportunity("Cost D", expected_revenue=48000)
        result = lead.with_user(self.salesman).web_save(
            {"estimated_cost": 40000, "estimated_margin_rate": 16.67},
            {"estimated_cost": {}, "estimated_margin_rate": {}, "estimated_margin": {}},
        )
        self.assertEqual(
            result,
            [
                {
                    "id": lead.id,
                    "estimated_cost": 40000.0,
                    "estimated_margin_rate": 16.67,
                    "estimated_margin": 8000.0,
                }
            ],
        )

    def test_rate_of_100_percent_is_refused(self):
        lead = self._opportunity("Cost E", expected_revenue=1000, estimated_cost=400)
        with self.assertRaisesMessage(UserError, "leaves the margin of Cost E unknown"):
            lead.estimated_margin_rate = 100
        lead.invalidate_recordset()
        self.assertEqual(lead.estimated_cost, 400.0)
