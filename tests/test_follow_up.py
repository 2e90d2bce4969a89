# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.exceptions import ValidationError
from odoo.tests import freeze_time, tagged

from .follow_up_common import ANCIENT, T0, FollowUpCommon, day


@tagged("post_install", "-at_install")
class TestInactivity(FollowUpCommon):
    def test_creation_is_an_interaction(self):
        with freeze_time(T0):
            lead = self._opportunity("Created")
        self.assertEqual(lead.date_last_interaction, T0)
        with freeze_time(day(3)):
            lead.invalidate_recordset(["inactivity_days"])
            self.assertEqual(lead.inactivity_days, 3)

    def test_stage_change_by_a_person_is_an_interaction(self):
        stage_next = self.env["crm.stage"].create({"name": "Pilot Next", "sequence": 2})
        with freeze_time(T0):
            lead = self._opportunity("Moved")
        with freeze_time(day(2)):
            lead.with_user(self.salesman).write({"stage_id": stage_next.id})
        self.assertEqual(lead.date_last_interaction, day(2))
        with freeze_time(day(3)):
            # Writing the same stage again is not a change.
            lead.with_user(self.salesman).write({"stage_id": stage_next.id})
            # Other fields are not interactions.
            lead.with_user(self.salesman).write({"expected_revenue": 500, "priority": "2"})
        self.assertEqual(lead.date_last_interaction, day(2))

    def test_automated_stage_change_is_not_an_interaction(self):
        stage_next = self.env["crm.stage"].create({"name": "Pilot Next", "sequence": 2})
        with freeze_time(T0):
            lead = self._opportunity("Moved by code")
        with freeze_time(day(2)):
            lead.with_context(pilot_automated=True).write({"stage_id": stage_next.id})
            self.assertEqual(lead.date_last_interaction, T0)
            # A scheduled action runs with its progress in the context.
            lead.with_context(ir_cron_progress_id=1).write({"stage_id": self.stage_new.id})
            self.assertEqual(lead.date_last_interaction, T0)

    def test_note_and_message_by_a_person_are_interactions(self):
        customer = self.env["res.partner"].create({"name": "Pilot Customer"})
        with freeze_time(T0):
            lead = self._opportunity("Discussed")
            lead2 = self._opportunity("Emailed")
        with freeze_time(day(1)):
            lead.with_user(self.salesman).message_post(
                body="Called the customer", message_type="comment", subtype_xmlid="mail.mt_note"
            )
        self.assertEqual(lead.date_last_interaction, day(1))
        with freeze_time(day(2)):
            lead2.with_user(self.salesman).message_post(
                body="Sent the quote", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        self.assertEqual(lead2.date_last_interaction, day(2))
        with freeze_time(day(3)):
            # An email received from the customer (fetched by a scheduled action).
            lead.with_context(ir_cron_progress_id=1).message_post(
                body="Here is our answer", message_type="email", author_id=customer.id
            )
        self.assertEqual(lead.date_last_interaction, day(3))

    def test_automated_messages_are_not_interactions(self):
        with freeze_time(T0):
            lead = self._opportunity("Quiet")
            self.env.cr.precommit.run()
        with freeze_time(day(1)):
            # System notification (e.g. tracking, automated log).
            lead.message_post(body="Automatic log", message_type="notification")
            # Note posted by automated code or by a scheduled action.
            lead.with_context(pilot_automated=True).message_post(
                body="Imported note", message_type="comment"
            )
            lead.with_context(ir_cron_progress_id=1).message_post(
                body="Cron note", message_type="comment"
            )
            # Tracked field changed: a tracking message.
            lead.write({"urgency": "3"})
            self.env.cr.precommit.run()
        self.assertTrue(lead.message_ids.tracking_value_ids)
        self.assertEqual(lead.date_last_interaction, T0)

    def test_activity_done_is_an_interaction(self):
        with freeze_time(T0):
            lead = self._opportunity("With a call")
            lead2 = self._opportunity("With an automated call")
            activity, activity2 = (lead | lead2).activity_schedule(
                "mail.mail_activity_data_call", user_id=self.salesman.id
            )
        with freeze_time(day(2)):
            activity.with_user(self.salesman).action_feedback(feedback="Done")
            activity2.with_context(pilot_automated=True).action_feedback(feedback="Done")
        self.assertEqual(lead.date_last_interaction, day(2))
        self.assertEqual(lead2.date_last_interaction, T0)

    def test_import_flagged_as_automated_keeps_the_last_interaction(self):
        with freeze_time(T0):
            lead = self._opportunity("Imported")
        stage_next = self.env["crm.stage"].create({"name": "Pilot Next", "sequence": 2})
        with freeze_time(day(4)):
            result = self.Lead.with_context(pilot_automated=True).load(
                [".id", "stage_id/.id"], [[str(lead.id), str(stage_next.id)]]
            )
        self.assertFalse(result["messages"])
        self.assertEqual(lead.stage_id, stage_next)
        self.assertEqual(lead.date_last_interaction, T0)

    def test_stagnant(self):
        stage_slow = self.env["crm.stage"].create(
            {"name": "Pilot Slow", "sequence": 3, "stagnation_days": 20}
        )
        won_stage = self.env["crm.stage"].create(
            {"name": "Pilot Won", "sequence": 9, "is_won": True}
        )
        self.assertEqual(self.stage_new.stagnation_days, 7)
        with freeze_time(T0):
            quiet = self._opportunity("Quiet deal")
            slow = self._opportunity("Slow-stage deal", stage_id=stage_slow.id)
            won = self._opportunity("Won deal")
            won.write({"stage_id": won_stage.id})
            lost = self._opportunity("Lost deal")
            lost.action_set_lost(lost_reason_id=self.reason.id)
        with freeze_time(day(3)):
            fresh = self._opportunity("Fresh deal")
        leads = quiet | slow | won | lost | fresh
        with freeze_time(day(6)):
            leads.invalidate_recordset(["is_stagnant"])
            self.assertFalse(any(leads.mapped("is_stagnant")))
            self.assertFalse(
                self.Lead.search([("id", "in", leads.ids), ("is_stagnant", "=", True)])
            )
        with freeze_time(day(7)):
            leads.invalidate_recordset(["is_stagnant", "inactivity_days"])
            self.assertEqual(leads.filtered("is_stagnant"), quiet)
            self.assertEqual(quiet.inactivity_days, 7)
            domain = [("id", "in", leads.ids)]
            self.assertEqual(self.Lead.search([*domain, ("is_stagnant", "=", True)]), quiet)
            self.assertEqual(
                self.Lead.search([*domain, ("is_stagnant", "!=", True)]), slow | won | fresh
            )
            self.assertEqual(
                self.Lead.with_context(active_test=False).search(
                    [*domain, ("is_stagnant", "=", False)]
                ),
                slow | won | lost | fresh,
            )
            # The "Stagnant" group-by of the pipeline.
            groups = self.Lead.with_user(self.salesman)._read_group(
                domain, ["is_stagnant"], ["__count"]
            )
            self.assertEqual(sorted(groups), [(False, 3), (True, 1)])
        with freeze_time(day(20)):
            self.assertEqual(
                self.Lead.search([*domain, ("is_stagnant", "=", True)]), quiet | slow | fresh
            )

    def test_stagnation_days_validated(self):
        with self.assertRaisesMessage(ValidationError, "must be at least one day"):
            self.stage_new.stagnation_days = 0
        self.env.company.pilot_stagnation_days = 12
        self.assertEqual(self.env["crm.stage"].create({"name": "Pilot Later"}).stagnation_days, 12)


@tagged("post_install", "-at_install")
class TestFollowUpRun(FollowUpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_alone = cls.env["crm.team"].create(
            {"name": "Pilot Team Without Leader", "member_ids": [(6, 0, [cls.salesman.id])]}
        )
        cls.won_stage = cls.env["crm.stage"].create(
            {"name": "Pilot Won", "sequence": 9, "is_won": True}
        )

    def test_time_travelled_runs(self):
        with freeze_time(T0):
            deal = self._opportunity("Deal")
            deal_alone = self._opportunity("Deal without leader", team_id=self.team_alone.id)
            won = self._opportunity("Won deal")
            won.write({"stage_id": self.won_stage.id})
            lost = self._opportunity("Lost deal")
            lost.action_set_lost(lost_reason_id=self.reason.id)
            planned = self._opportunity("Planned deal")
            planned.activity_schedule(
                "mail.mail_activity_data_call",
                date_deadline=date(2026, 4, 1),
                user_id=self.salesman.id,
            )
            plain_lead = self._opportunity("Plain lead", type="lead")
        followed = deal | deal_alone
        others = won | lost | planned | plain_lead
        all_leads = followed | others
        first, second, escalation = self.step_first, self.step_second, self.step_escalation

        self.assertEqual(self._run(day(4)), 0)
        self.assertFalse(self._follow_ups(all_leads))

        self.assertEqual(self._run(day(5)), 2)
        expected = [
            ("Deal", first, "pilot_salesman", date(2026, 3, 9)),
            ("Deal without leader", first, "pilot_salesman", date(2026, 3, 9)),
        ]
        self.assertEqual(self._summary(all_leads), expected)
        activity = self._follow_ups(deal)
        self.assertEqual(activity.summary, "Follow up: no interaction for a while")
        self.assertIn("Contact the customer", activity.note)
        self.assertTrue(activity.automated)
        # The run itself is not an interaction.
        self.assertEqual(deal.date_last_interaction, T0)

        # Re-runs the same day or the next days create nothing more.
        self.assertEqual(self._run(day(5)), 0)
        self.assertEqual(self._run(day(9)), 0)
        self.assertEqual(self._summary(all_leads), expected)

        self.assertEqual(self._run(day(10)), 2)
        expected += [
            ("Deal", second, "pilot_salesman", date(2026, 3, 13)),
            ("Deal without leader", second, "pilot_salesman", date(2026, 3, 13)),
        ]
        self.assertEqual(self._summary(all_leads), sorted(expected))

        self.assertEqual(self._run(day(15)), 2)
        expected += [
            ("Deal", escalation, "pilot_manager", date(2026, 3, 18)),
            ("Deal without leader", escalation, "pilot_salesman", date(2026, 3, 18)),
        ]
        self.assertEqual(self._summary(all_leads), sorted(expected))
        self.assertEqual(self._run(day(15)), 0)
        self.assertEqual(self._run(day(30)), 0)
        self.assertEqual(len(self._follow_ups(all_leads)), 6)
        self.assertFalse(self._follow_ups(others))
        self.assertEqual(
            self.env["crm.lead.follow.up.log"].search_count([("lead_id", "in", others.ids)]), 0
        )

    def test_latest_due_step_only(self):
        """An opportunity found inactive for 20 days is escalated, not
        reminded three times at once; earlier steps do not follow."""
        with freeze_time(T0):
            deal = self._opportunity("Long forgotten")
        self.assertEqual(self._run(day(20)), 1)
        self.assertEqual(
            self._summary(deal),
            [("Long forgotten", self.step_escalation, "pilot_manager", date(2026, 3, 23))],
        )
        self.assertEqual(self._run(day(25)), 0)

    def test_completing_a_follow_up_restarts_the_cycle(self):
        with freeze_time(T0):
            deal = self._opportunity("Deal")
        self._run(day(5))
        activity = self._follow_ups(deal)
        with freeze_time(day(6)):
            activity.with_user(self.salesman).action_feedback(feedback="Customer called back")
        self.assertEqual(deal.date_last_interaction, day(6))
        self.assertFalse(self._follow_ups(deal))
        # 4 days after the interaction: nothing (the second step does not run).
        self.assertEqual(self._run(day(10)), 0)
        # 5 days after it: a new cycle starts with the first step.
        self.assertEqual(self._run(day(11)), 1)
        self.assertEqual(
            self._summary(deal), [("Deal", self.step_first, "pilot_salesman", date(2026, 3, 15))]
        )

    def test_no_second_open_follow_up_for_the_same_step(self):
        """A note starts a new cycle, but the step whose activity is still
        open does not run again."""
        with freeze_time(T0):
            deal = self._opportunity("Deal")
        self._run(day(5))
        with freeze_time(day(6)):
            deal.with_user(self.salesman).message_post(
                body="Left a voicemail", message_type="comment"
            )
        self.assertEqual(self._run(day(11)), 0)
        self.assertEqual(self._run(day(16)), 1)
        self.assertEqual(
            [step for __, step, __, __ in self._summary(deal)], [self.step_first, self.step_second]
        )

    def test_step_claimed_by_another_run_is_skipped(self):
        """The claim (log row of the lead, step and cycle) is what another
        worker leaves behind: the lead is not followed up twice."""
        with freeze_time(T0):
            deal, other = self._opportunity("Claimed"), self._opportunity("Free")
        self.env["crm.lead.follow.up.log"].create(
            {"lead_id": deal.id, "automation_id": self.step_first.id, "interaction_date": T0}
        )
        self.assertEqual(self._run(day(5)), 1)
        self.assertFalse(self._follow_ups(deal))
        self.assertEqual(len(self._follow_ups(other)), 1)

    def test_rules_are_what_runs(self):
        """Days, summary, note, deadline and assignee come from the automation
        rules and their actions, as edited by an integrator; the settings edit
        the days of the rules."""
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(
            (
                settings.pilot_follow_up_first_days,
                settings.pilot_follow_up_second_days,
                settings.pilot_follow_up_escalation_days,
            ),
            (5, 10, 15),
        )
        settings.pilot_follow_up_first_days = 3
        settings.execute()
        self.assertEqual(self.step_first.trg_date_range, 3)
        self.step_first.action_server_ids.write(
            {
                "activity_summary": "Call them",
                "activity_note": "<p>Now</p>",
                "activity_date_deadline_range": 0,
                "activity_user_type": "specific",
                "activity_user_id": self.manager.id,
            }
        )
        with freeze_time(T0):
            deal = self._opportunity("Deal")
        self.assertEqual(self._run(day(2)), 0)
        self.assertEqual(self._run(day(3)), 1)
        activity = self._follow_ups(deal)
        self.assertEqual(
            (activity.summary, activity.note, activity.user_id, activity.date_deadline),
            (
                "Call them",
                # The next best action of the deal is suggested after the note
                "<p>Now</p><p>Suggested next action: Plan the next step with the customer "
                "(No planned activity with a deadline.)</p>",
                self.manager,
                date(2026, 3, 5),
            ),
        )
        # An archived rule does not run.
        self.step_second.active = False
        self.assertEqual(self._run(day(10)), 0)

    def test_settings_refuse_bad_delays(self):
        # Out of the bounds of a delay: refused as soon as typed.
        for value in (0, 3651):
            with self.assertRaisesMessage(ValidationError, "must be a number between 1 and 3,650"):
                self.env["res.config.settings"].create({"pilot_follow_up_first_days": value})
        for values in (
            {"pilot_follow_up_first_days": 12},
            {"pilot_follow_up_second_days": 20},
            {"pilot_follow_up_escalation_days": 10},
        ):
            with self.subTest(values=values):
                settings = self.env["res.config.settings"].create(values)
                with self.assertRaisesMessage(ValidationError, "must be positive and increasing"):
                    settings.execute()
                self.assertEqual(
                    (self.step_first | self.step_second | self.step_escalation).mapped(
                        "trg_date_range"
                    ),
                    [5, 10, 15],
                )

    def test_follow_up_step_must_create_activities(self):
        with self.assertRaisesMessage(ValidationError, "must apply to opportunities"):
            self.env["base.automation"].create(
                {
                    "name": "Broken step",
                    "model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "trigger": "on_time",
                    "trg_date_id": self.step_first.trg_date_id.id,
                    "trg_date_range": 3,
                    "trg_date_range_type": "day",
                    "pilot_follow_up_step": True,
                    "action_server_ids": [
                        (
                            0,
                            0,
                            {
                                "name": "Code",
                                "model_id": self.env["ir.model"]._get_id("crm.lead"),
                                "state": "code",
                                "code": "pass",
                            },
                        )
                    ],
                }
            )

    def test_generic_time_check_skips_follow_up_steps(self):
        """Odoo's time-based automation check does not run the steps."""
        with freeze_time(T0):
            deal = self._opportunity("Deal")
        with freeze_time(day(20)):
            self.env["base.automation"]._check()
        self.assertFalse(self._follow_ups(deal))
        self.assertEqual(self._run(day(20)), 1)

    def test_query_count_does_not_grow_with_leads(self):
        """A run costs a fixed number of queries per batch, whatever the
        number of opportunities in the batch: no query per lead."""

        def measured_run(count, batch_size):
            leads = self.Lead.create(
                [
                    {
                        "name": f"Bulk {count} {index}",
                        "type": "opportunity",
                        "user_id": self.salesman.id,
                        "team_id": self.team.id,
                        "stage_id": self.stage_new.id,
                    }
                    for index in range(count)
                ]
            )
            self._set_last_interaction(leads, ANCIENT)
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            created = self.Lead._cron_pilot_follow_ups(batch_size=batch_size)
            self.env.flush_all()
            queries = self.env.cr.sql_log_count - before
            self.assertEqual(created, count)
            self.assertEqual(len(self._follow_ups(leads)), count)
            return queries

        measured_run(3, 1000)  # warm the caches
        # One batch: the same queries for 50 or 90 opportunities.
        self.assertEqual(measured_run(50, 1000), measured_run(90, 1000))
        # Several batches of 50 (Odoo's ORM itself inserts by 100 rows): the
        # count grows by a constant per batch, smaller than the batch size.
        queries_100, queries_200, queries_500 = (
            measured_run(100, 50),
            measured_run(200, 50),
            measured_run(500, 50),
        )
        per_batch = (queries_200 - queries_100) / 2
        self.assertEqual(queries_500 - queries_100, 8 * per_batch)
        self.assertLess(per_batch, 25)
