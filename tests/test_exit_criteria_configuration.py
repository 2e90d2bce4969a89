# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Exit criteria: the checklist of the opportunity, the contact helpers and
the configuration of the criteria."""

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged, users

from ..models.crm_lead import TRUSTED
from .common import load_french
from .test_exit_criteria import ExitCriteriaCommon


@tagged("post_install", "-at_install")
class TestExitCriteriaChecklist(ExitCriteriaCommon):
    def test_progress_and_missing(self):
        lead = self._opportunity("List A", stage_id=self.s1.id).with_user(self.salesman)
        self.assertEqual(lead.exit_criteria_progress, "0/2")
        self.assertFalse(lead.exit_criteria_complete)
        self.assertEqual(lead.exit_criteria_missing, "Missing: Customer set, Need identified")
        self.assertIn("The need is written down.", lead.exit_criteria_checklist)
        self.assertEqual(lead.exit_criteria_checklist.count("fa-times"), 2)
        lead.partner_id = self.partner
        self.assertEqual(lead.exit_criteria_progress, "1/2")
        self.assertEqual(lead.exit_criteria_missing, "Missing: Need identified")
        lead.confirmed_criterion_ids = [(4, self.c_need.id)]
        self.assertEqual(lead.exit_criteria_progress, "2/2")
        self.assertTrue(lead.exit_criteria_complete)
        self.assertEqual(lead.exit_criteria_missing, "All exit criteria are met.")
        self.assertEqual(lead.exit_criteria_checklist.count("fa-check"), 2)
        lead.sudo().with_context(pilot_skip_exit_criteria=TRUSTED).stage_id = self.s4
        self.assertFalse(lead.exit_criteria_progress)
        self.assertTrue(lead.exit_criteria_complete)

    def test_kanban_cards_read_only_what_the_criteria_need(self):
        """The card fields of several leads in several stages, read as the
        kanban does (web_search_read): right per lead, without loading the
        columns no criterion reads (the long texts of every card)."""
        ready = self._opportunity("Card A", stage_id=self.s1.id, description="<p>Long</p>")
        self._ready_for(ready, self.s1)
        half = self._opportunity(
            "Card B", stage_id=self.s1.id, partner_id=self.partner.id, description="<p>Long</p>"
        )
        contact = self._opportunity(
            "Card C", stage_id=self.s1.id, email_from="buyer@example.com", description="<p>x</p>"
        )
        free = self._opportunity("Card D", stage_id=self.s1.id, description="<p>Long</p>")
        skip = {"pilot_skip_exit_criteria": TRUSTED}
        contact.with_context(**skip).stage_id = self.s2
        free.with_context(**skip).stage_id = self.s4
        leads = ready | half | contact | free
        self.env.invalidate_all()
        # As superuser: the record rules of a salesperson read the fields they
        # check, which the real kanban loads anyway (they are on the card).
        records = self.env["crm.lead"].web_search_read(
            [("id", "in", leads.ids)],
            {
                "exit_criteria_progress": {},
                "exit_criteria_complete": {},
                "exit_criteria_missing": {},
                "is_stagnant": {},
                "inactivity_days": {},
            },
        )["records"]
        by_id = {record["id"]: record for record in records}
        expected = {
            ready.id: ("2/2", True, "All exit criteria are met."),
            half.id: ("1/2", False, "Missing: Need identified"),
            contact.id: ("1/1", True, "All exit criteria are met."),
            free.id: (False, True, False),
        }
        for lead_id, values in expected.items():
            record = by_id[lead_id]
            self.assertEqual(
                (
                    record["exit_criteria_progress"],
                    record["exit_criteria_complete"],
                    record["exit_criteria_missing"],
                ),
                values,
            )
            self.assertEqual((record["is_stagnant"], record["inactivity_days"]), (False, 0))
        description = self.env["crm.lead"]._fields["description"]
        self.assertFalse(
            any(self.env.cache.contains(lead, description) for lead in leads.with_env(self.env)),
            "the card fields loaded the descriptions of the leads",
        )

    def test_form_ticks_manual_criterion(self):
        # An expected closing date: crm_date_deadline_required (OCA) asks it on the form.
        lead = self._opportunity(
            "List B", stage_id=self.s1.id, partner_id=self.partner.id, date_deadline="2027-03-31"
        )
        with Form(lead.with_user(self.salesman)) as form:
            self.assertEqual(form.exit_criteria_progress, "1/2")
            form.confirmed_criterion_ids.add(self.c_need)
            self.assertEqual(form.exit_criteria_progress, "2/2")
        self.assertEqual(lead.confirmed_criterion_ids, self.c_need)

    def test_confirmation_and_withdrawal_logged(self):
        lead = self._opportunity("List C", stage_id=self.s1.id)
        self.env.cr.precommit.run()
        lead.with_user(self.salesman).confirmed_criterion_ids = [(4, self.c_need.id)]
        self.env.cr.precommit.run()
        message = lead.message_ids[0]
        self.assertEqual(message.author_id, self.salesman.partner_id)
        tracking = message.tracking_value_ids
        self.assertEqual(tracking.field_id.name, "confirmed_criterion_ids")
        self.assertEqual(tracking.old_value_char, "")
        self.assertEqual(tracking.new_value_char, "Need identified")
        lead.with_user(self.salesman).confirmed_criterion_ids = [(3, self.c_need.id)]
        self.env.cr.precommit.run()
        message = lead.message_ids[0]
        self.assertEqual(message.author_id, self.salesman.partner_id)
        self.assertEqual(message.tracking_value_ids.old_value_char, "Need identified")
        self.assertEqual(message.tracking_value_ids.new_value_char, "")

    def test_kanban_reads_are_set_based(self):
        """Reading the progress of many cards costs as many queries as for a few."""

        def count_for(number):
            leads = self.env["crm.lead"]
            for index in range(number):
                leads |= self._opportunity(f"List K{number}-{index}", stage_id=self.s1.id)
            leads.sudo().with_context(pilot_skip_exit_criteria=TRUSTED).stage_id = self.s2
            leads[::2].email_from = "buyer@example.com"
            self.env.invalidate_all()
            self.env.flush_all()
            count0 = self.env.cr.sql_log_count
            progress = leads.with_user(self.salesman).mapped("exit_criteria_progress")
            self.assertEqual(progress, ["1/1", "0/1"] * (number // 2))
            return self.env.cr.sql_log_count - count0

        count_for(2)  # warm-up
        self.assertEqual(count_for(40), count_for(4))


@tagged("post_install", "-at_install")
class TestContactHelpers(ExitCriteriaCommon):
    def test_contact_valid(self):
        france = self.env.ref("base.fr")
        phone_ok = self._opportunity("Contact A", phone="06 12 34 56 78", country_id=france.id)
        phone_bad = self._opportunity("Contact B", phone="12345", country_id=france.id)
        email_ok = self._opportunity("Contact C", email_from="Jo <jo@example.com>")
        email_bad = self._opportunity("Contact D", email_from="not an email")
        nothing = self._opportunity("Contact E")
        self.assertEqual(phone_ok.phone_sanitized, "+33612345678")
        leads = phone_ok | phone_bad | email_ok | email_bad | nothing
        self.assertEqual(leads.mapped("is_contact_valid"), [True, False, True, False, False])
        Lead = self.env["crm.lead"].with_user(self.salesman)
        domain = [("id", "in", leads.ids)]
        self.assertEqual(
            Lead.search([*domain, ("is_contact_valid", "=", True)]), phone_ok | email_ok
        )
        self.assertEqual(
            Lead.search([*domain, ("is_contact_valid", "=", False)]),
            phone_bad | email_bad | nothing,
        )

    def test_dated_next_action(self):
        with_action = self._opportunity("Action A")
        without = self._opportunity("Action B")
        self.assertFalse(with_action.has_dated_next_action)
        with_action.activity_schedule("mail.mail_activity_data_call", user_id=self.salesman.id)
        self.assertTrue(with_action.has_dated_next_action)
        Lead = self.env["crm.lead"].with_user(self.salesman)
        domain = [("id", "in", (with_action | without).ids)]
        self.assertEqual(Lead.search([*domain, ("has_dated_next_action", "=", True)]), with_action)
        self.assertEqual(Lead.search([*domain, ("has_dated_next_action", "!=", True)]), without)
        # A done activity kept in the history (archived) is no next action,
        # even for the gate, which searches archived leads too.
        activity_type = self.env["mail.activity.type"].create(
            {"name": "Pilot kept call", "keep_done": True}
        )
        without.activity_schedule(activity_type_id=activity_type.id, user_id=self.salesman.id)
        without.activity_ids.action_done()
        self.assertFalse(without.with_context(active_test=False).activity_ids.active)
        self.assertEqual(
            Lead.with_context(active_test=False).search(
                [*domain, ("has_dated_next_action", "=", True)]
            ),
            with_action,
        )


@tagged("post_install", "-at_install")
class TestExitCriteriaConfiguration(ExitCriteriaCommon):
    def test_domain_validated_on_save(self):
        for domain in ("[('no_such_field', '=', 1)]", "[('name', 'bad op', 1)]", "[(", "42", "[]"):
            with (
                self.subTest(domain=domain),
                self.assertRaisesMessage(
                    ValidationError, 'The domain of the exit criterion "Bad" is invalid'
                ),
            ):
                self.Criterion.create(
                    {
                        "name": "Bad",
                        "stage_id": self.s1.id,
                        "criterion_type": "domain",
                        "domain": domain,
                    }
                )
        with self.assertRaisesMessage(ValidationError, "checks a field: choose the field"):
            self.Criterion.create(
                {"name": "No field", "stage_id": self.s1.id, "criterion_type": "field"}
            )
        with self.assertRaises(ValidationError):
            self.c_contact.domain = "[('is_contact_valid', '=', True), ('oops', '=', 1)]"
        self.assertEqual(self.c_contact.domain, "[('is_contact_valid', '=', True)]")

    @users("pilot_salesman")
    def test_salesman_reads_but_does_not_configure(self):
        Criterion = self.env["crm.stage.exit.criterion"]
        self.assertEqual(Criterion.browse(self.c_need.id).name, "Need identified")
        with self.assertRaises(AccessError):
            Criterion.create({"name": "Mine", "stage_id": self.s1.id})
        with self.assertRaises(AccessError):
            Criterion.browse(self.c_need.id).write({"name": "Changed"})
        with self.assertRaises(AccessError):
            Criterion.browse(self.c_need.id).unlink()
        with self.assertRaises(AccessError):
            self.env["crm.stage"].action_apply_recommended_pipeline()

    @users("pilot_manager")
    def test_manager_configures_inline_on_the_stage(self):
        with Form(self.env["crm.stage"].browse(self.s4.id)) as form:
            with form.exit_criterion_ids.new() as line:
                line.name = "Signed order"
                line.criterion_type = "manual"
        self.assertEqual(self.s4.exit_criterion_ids.mapped("name"), ["Signed order"])

    @users("pilot_manager")
    def test_recommended_pipeline(self):
        team = self.env["crm.team"].create({"name": "Recommended Team"})
        own = self.env["crm.stage"].create(
            {"name": "Discovery", "sequence": 5, "team_id": team.id, "requirements": "Mine"}
        )
        wizard = self.env["crm.stage.recommended.pipeline"].create({"team_id": team.id})
        wizard.action_apply()
        stages = self.env["crm.stage"].search([("team_id", "=", team.id)])
        self.assertEqual(
            stages.mapped("name"), ["Discovery", "Qualified lead", "Proposal sent", "Negotiation"]
        )
        self.assertEqual((own.name, own.sequence, own.requirements), ("Discovery", 5, "Mine"))
        self.assertEqual(
            own.exit_criterion_ids.mapped("name"),
            ["Decision maker identified", "Dated next action"],
        )
        proposal = stages.filtered("is_proposal_stage")
        self.assertEqual(proposal.name, "Proposal sent")
        self.assertEqual(
            proposal.exit_criterion_ids.mapped("criterion_type"), ["field", "field", "domain"]
        )
        self.assertEqual(
            proposal.exit_criterion_ids.mapped("field_id.name"),
            ["expected_revenue", "date_deadline"],
        )
        # The won stage is an existing one, reused.
        self.assertFalse(stages.filtered("is_won"))
        count = self.env["crm.stage.exit.criterion"].search_count(
            [("stage_id.team_id", "=", team.id)]
        )
        self.assertEqual(count, 9)
        # Applying again is harmless: nothing duplicated, nothing renamed.
        self.env["crm.stage"].action_apply_recommended_pipeline(team_id=team.id)
        self.assertEqual(self.env["crm.stage"].search([("team_id", "=", team.id)]), stages)
        self.assertEqual(
            self.env["crm.stage.exit.criterion"].search_count([("stage_id.team_id", "=", team.id)]),
            count,
        )

    @users("pilot_manager")
    def test_recommended_pipeline_leaves_shared_stages_alone(self):
        # A stage shared by all teams, early in the pipeline, with a recommended name.
        shared = self.env["crm.stage"].create({"name": "Negotiation", "sequence": 4})
        team = self.env["crm.team"].create({"name": "Team With Shared Stages"})
        stages = self.env["crm.stage"].action_apply_recommended_pipeline(team_id=team.id)
        self.assertFalse(shared.exit_criterion_ids)
        negotiation = stages.filtered(lambda stage: stage.name == "Negotiation")
        self.assertEqual((negotiation.team_id, negotiation.sequence), (team, 40))
        self.assertEqual(
            negotiation.exit_criterion_ids.mapped("name"),
            ["Customer set", "Agreement of the decision maker"],
        )
        # The team's first stage can still receive new opportunities.
        lead = self.env["crm.lead"].create(
            {
                "name": "First stage",
                "type": "opportunity",
                "team_id": team.id,
                "stage_id": stages[0].id,
            }
        )
        self.assertEqual(lead.stage_id, stages[0])

    def test_recommended_pipeline_speaks_french(self):
        load_french(self.env)
        team = self.env["crm.team"].create({"name": "French Team"})
        stages = self.env["crm.stage"].action_apply_recommended_pipeline(team_id=team.id)
        french = stages.with_context(lang="fr_FR")
        self.assertEqual(
            french[:4].mapped("name"),
            [
                "Lead qualifié",
                "Découverte / cadrage",
                "Proposition envoyée",
                "Négociation / validation",
            ],
        )
        self.assertEqual(stages[0].name, "Qualified lead")
        self.assertEqual(
            french[0].exit_criterion_ids.mapped("name"), ["Besoin identifié", "Contact valide"]
        )
