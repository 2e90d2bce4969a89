# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Next best action: each shipped rule on a hand-built deal, the order and the
team rules, the one-click activity and the weekly review."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools.misc import format_date

from odoo.addons.crm_pipeline_pilot.models.crm_lead import TRUSTED

from .common import PilotCommon


@tagged("post_install", "-at_install")
class TestNextAction(PilotCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Stage = cls.env["crm.stage"]
        # After the other stages of these tests: only its own leads are gated
        cls.stage_gated = Stage.create({"name": "NA Gated", "sequence": 5})
        cls.env["crm.stage.exit.criterion"].create(
            {"name": "Budget confirmed", "stage_id": cls.stage_gated.id, "criterion_type": "manual"}
        )
        cls.stage_prop = Stage.create(
            {"name": "NA Proposal", "sequence": 2, "is_proposal_stage": True, "stagnation_days": 30}
        )
        # The salesperson's day (their time zone), on which their next actions fall
        cls.today = fields.Date.context_today(cls.env["crm.lead"].with_user(cls.salesman))
        cls.now = fields.Datetime.now()
        ref = cls.env.ref
        cls.todo = ref("mail.mail_activity_data_todo")
        cls.call = ref("mail.mail_activity_data_call")
        cls.rule_no_activity = ref("crm_pipeline_pilot.next_action_rule_no_activity")

    @classmethod
    def _gated(cls, name, **values):
        """An opportunity created in the gated stage (by trusted code: the
        criteria of the earlier stages do not matter here)."""
        return (
            cls.env["crm.lead"]
            .with_context(pilot_skip_exit_criteria=TRUSTED)
            .create(
                {
                    "name": name,
                    "type": "opportunity",
                    "user_id": cls.salesman.id,
                    "team_id": cls.team.id,
                    "stage_id": cls.stage_gated.id,
                    **values,
                }
            )
        )

    def _planned(self, lead, days=3):
        """A next step planned by the salesperson (a dated next action)."""
        lead.with_user(self.salesman).activity_schedule(
            activity_type_id=self.todo.id,
            summary="Planned by hand",
            date_deadline=self.today + timedelta(days=days),
            user_id=self.salesman.id,
        )
        return lead

    def _set_dates(self, lead, interaction_days_ago, stage_days_ago=None):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead SET date_last_interaction = %s, date_last_stage_update = %s "
            "WHERE id = %s",
            (
                self.now - timedelta(days=interaction_days_ago),
                self.now - timedelta(days=stage_days_ago or interaction_days_ago),
                lead.id,
            ),
        )
        lead.invalidate_recordset()

    def assertNextAction(self, lead, name, reason):
        lead.invalidate_recordset()
        self.assertEqual((lead.next_action_name, lead.next_action_reason), (name, reason))

    def _plan(self, lead):
        lead.with_user(self.salesman).action_pilot_plan_next_action()
        return lead.activity_ids.filtered("pilot_next_action_rule_id")

    def test_missing_exit_criterion(self):
        lead = self._gated("NA criterion")
        self.assertNextAction(
            lead,
            "Obtain: Budget confirmed",
            "Missing exit criteria of the stage NA Gated: Budget confirmed.",
        )
        activity = self._plan(lead)
        self.assertEqual(
            (
                activity.summary,
                activity.activity_type_id,
                activity.date_deadline,
                activity.user_id,
                str(activity.note),
            ),
            (
                "Obtain: Budget confirmed",
                self.todo,
                self.today + timedelta(days=2),
                self.salesman,
                "<p>Missing exit criteria of the stage NA Gated: Budget confirmed.</p>",
            ),
        )

    def test_no_planned_activity(self):
        lead = self._opportunity("NA nothing planned")
        self.assertNextAction(lead, "Plan the next step", "No planned activity with a deadline.")
        activity = self._plan(lead)
        self.assertEqual(
            (activity.summary, activity.date_deadline),
            ("Plan the next step with the customer", self.today + timedelta(days=1)),
        )
        # Planned: the next step exists, no next action is left
        self.assertNextAction(lead, False, False)

    def test_stagnant(self):
        lead = self._planned(self._opportunity("NA quiet"))
        self._set_dates(lead, 10)
        self.assertNextAction(
            lead, "Call back", "No interaction for 10 days (stagnant after 7 days in this stage)."
        )
        activity = self._plan(lead)
        self.assertEqual(
            (activity.summary, activity.activity_type_id, activity.date_deadline),
            ("Call back: 10 days without contact", self.call, self.today),
        )

    def test_expected_closing_in_the_past(self):
        past = self.today - timedelta(days=3)
        lead = self._planned(self._opportunity("NA late", date_deadline=past))
        shown = format_date(self.env, past)
        self.assertNextAction(
            lead, "Update the closing date", f"The expected closing date ({shown}) is past."
        )
        self.assertEqual(
            self._plan(lead).summary, f"Update the expected closing date ({shown} is past)"
        )

    def test_margin_below_minimum(self):
        lead = self._planned(
            self._opportunity("NA thin", expected_revenue=1000, estimated_cost=800)
        )
        self.assertNextAction(
            lead,
            "Review the cost",
            "The estimated margin rate (20 %) is below the team minimum (30 %).",
        )
        self.assertEqual(
            self._plan(lead).summary, "Review the cost: margin 20 % below the minimum 30 %"
        )

    def test_margin_unknown_is_not_low(self):
        lead = self._planned(self._opportunity("NA no cost", expected_revenue=1000))
        self.assertNextAction(lead, False, False)

    def test_proposal_without_reply(self):
        silent = self._planned(self._opportunity("NA silent", stage_id=self.stage_prop.id))
        answered = self._planned(self._opportunity("NA answered", stage_id=self.stage_prop.id))
        recent = self._planned(self._opportunity("NA recent", stage_id=self.stage_prop.id))
        self._set_dates(silent, 9)
        self._set_dates(answered, 2, stage_days_ago=9)
        self._set_dates(recent, 6)
        self.assertNextAction(
            silent, "Follow up the proposal", "Proposal sent 9 days ago, no interaction since."
        )
        self.assertNextAction(answered, False, False)
        self.assertNextAction(recent, False, False)
        self.assertEqual(self._plan(silent).summary, "Follow up the proposal sent 9 days ago")

    def test_closed_and_plain_leads_have_none(self):
        won = self.env["crm.stage"].create({"name": "NA Won", "sequence": 3, "is_won": True})
        deal_won = self._opportunity("NA won", stage_id=won.id)
        deal_lost = self._opportunity("NA lost")
        deal_lost.action_set_lost(lost_reason_id=self.reason.id)
        plain = self._opportunity("NA plain lead", type="lead")
        for lead in deal_won | deal_lost | plain:
            self.assertNextAction(lead, False, False)

    def test_rules_are_ordered_and_editable(self):
        lead = self._gated("NA order")
        self.assertEqual(lead.next_action_name, "Obtain: Budget confirmed")
        self.rule_no_activity.sequence = 5
        self.assertNextAction(lead, "Plan the next step", "No planned activity with a deadline.")
        self.rule_no_activity.active = False
        lead.invalidate_recordset()
        self.assertEqual(lead.next_action_name, "Obtain: Budget confirmed")

    def test_team_rules_replace_the_defaults(self):
        other_team = self.env["crm.team"].create({"name": "NA other team"})
        self.env["crm.next.action.rule"].create(
            {
                "name": "Book a demo",
                "team_id": self.team.id,
                "condition": "no_activity",
                "activity_type_id": self.call.id,
                "summary": "Book a demo",
                "deadline_days": 3,
            }
        )
        ours = self._gated("NA ours")
        theirs = self._gated("NA theirs", team_id=other_team.id)
        self.assertEqual(ours.next_action_name, "Book a demo")
        self.assertEqual(theirs.next_action_name, "Obtain: Budget confirmed")
        activity = self._plan(ours)
        self.assertEqual(
            (activity.summary, activity.activity_type_id, activity.date_deadline),
            ("Book a demo", self.call, self.today + timedelta(days=3)),
        )

    def test_planned_once(self):
        lead = self._gated("NA twice")
        self._plan(lead)
        self._plan(lead)
        self.assertEqual(len(lead.activity_ids), 1)

    def test_plan_it_says_what_it_planned(self):
        """*Plan it* answers with a notification (the activity planned and
        for whom, or that it already was), then reloads the form in place."""
        lead = self._gated("NA feedback")
        first = lead.with_user(self.salesman).action_pilot_plan_next_action()
        activity = lead.activity_ids
        self.assertEqual(first["tag"], "display_notification")
        self.assertEqual(
            (first["params"]["message"], first["params"]["type"]),
            (f"Planned: {activity.summary} ({self.salesman.name}).", "success"),
        )
        self.assertEqual(
            first["params"]["next"], {"type": "ir.actions.client", "tag": "soft_reload"}
        )
        again = lead.with_user(self.salesman).action_pilot_plan_next_action()
        self.assertEqual(
            (again["params"]["message"], again["params"]["type"]),
            ("The next best action is already planned.", "info"),
        )
        self.assertEqual(len(lead.activity_ids), 1)

    def test_summary_placeholders_checked(self):
        with self.assertRaisesMessage(ValidationError, "uses an unknown value {amount}"):
            self.rule_no_activity.summary = "Send {amount}"

    def test_days_never_negative(self):
        # Refused by the bounds of the days (one check for every bounded field)
        for fname, label in (("delay_days", "After (days)"), ("deadline_days", "Deadline (days)")):
            with self.assertRaisesMessage(
                ValidationError,
                f'"{label}" (Next Best Action Rule) must be a number between 0 and 3,650.',
            ):
                self.rule_no_activity.write({fname: -1})

    def test_salesperson_cannot_edit_rules(self):
        with self.assertRaises(AccessError):
            self.rule_no_activity.with_user(self.salesman).sequence = 1

    def test_weekly_review_lists_missing_and_overdue(self):
        missing = self._opportunity("NA review missing")
        overdue = self._planned(self._opportunity("NA review overdue"), days=-2)
        on_time = self._planned(self._opportunity("NA review on time"), days=2)
        self.assertEqual(
            (missing | overdue | on_time).mapped("next_action_status"),
            ["missing", "overdue", "planned"],
        )
        review = (
            self.env["crm.pipeline.review"]
            .with_user(self.manager)
            .create({"date": self.today, "team_ids": [(6, 0, self.team.ids)]})
        )
        listed = review.next_action_lead_ids & (missing | overdue | on_time)
        self.assertEqual(listed, missing | overdue)
