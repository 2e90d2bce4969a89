# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Scheduled work that cannot wedge: follow-up assignees, a failing batch,
bounded delays, one snapshot per key, and an upgrade that keeps the
administrator's decisions."""

import threading
from datetime import date

from psycopg2.errors import UniqueViolation

from odoo import SUPERUSER_ID, api
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, freeze_time, tagged
from odoo.tools import file_path
from odoo.tools.convert import convert_file

from .common import new_pilot_user
from .test_follow_up import T0, FollowUpCommon, day

FOLLOW_UP_LOGGER = "odoo.addons.crm_pipeline_pilot.models.follow_up.crm_lead_follow_up_run"


@tagged("post_install", "-at_install")
class TestFollowUpAssignee(FollowUpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gone = new_pilot_user(cls.env, "pilot_gone", name="Gary Gone", email="gary@example.com")
        cls.gone.active = False
        cls.team_alone = cls.env["crm.team"].create({"name": "Pilot Team Without Leader"})
        cls.follow_up_type.default_user_id = False

    def test_valid_assignees(self):
        portal = new_pilot_user(
            self.env, "pilot_portal", name="Pat Portal", groups="base.group_portal"
        )
        Lead = self.Lead
        self.assertTrue(Lead._pilot_is_valid_assignee(self.salesman))
        self.assertFalse(Lead._pilot_is_valid_assignee(self.gone))
        self.assertFalse(Lead._pilot_is_valid_assignee(portal))
        self.assertFalse(Lead._pilot_is_valid_assignee(self.env["res.users"].browse(SUPERUSER_ID)))
        self.assertFalse(Lead._pilot_is_valid_assignee(self.env["res.users"]))

    def test_lead_without_valid_assignee_is_skipped(self):
        """Archived salesperson, team without leader, activity type without
        default user: no follow-up for that lead (reported in the log), the
        others get theirs, and the lead is followed up once reassigned."""
        with freeze_time(T0):
            orphan = self._opportunity(
                "Orphan deal", user_id=self.gone.id, team_id=self.team_alone.id
            )
            portal_deal = self._opportunity(
                "Portal deal",
                user_id=new_pilot_user(
                    self.env, "pilot_portal2", name="Paula", groups="base.group_portal"
                ).id,
                team_id=self.team_alone.id,
            )
            deal = self._opportunity("Deal")
        with self.assertLogs(FOLLOW_UP_LOGGER, level="WARNING") as logs:
            self.assertEqual(self._run(day(5)), 1)
        self.assertEqual(
            self._summary(orphan | portal_deal | deal),
            [("Deal", self.step_first, "pilot_salesman", date(2026, 3, 9))],
        )
        self.assertIn("2 leads skipped", "\n".join(logs.output))
        self.assertIn(str(orphan.id), "\n".join(logs.output))
        # Not claimed: followed up at a later run once reassigned.
        self.assertFalse(self.env["crm.lead.follow.up.log"].search([("lead_id", "in", orphan.ids)]))
        orphan.with_context(pilot_automated=True).user_id = self.salesman
        self.assertEqual(self._run(day(6)), 1)
        self.assertEqual(
            self._summary(orphan),
            [("Orphan deal", self.step_first, "pilot_salesman", date(2026, 3, 10))],
        )

    def test_inactive_salesperson_goes_to_the_team_leader(self):
        with freeze_time(T0):
            deal = self._opportunity("Deal of a leaver", user_id=self.gone.id)
        self.assertEqual(self._run(day(5)), 1)
        self.assertEqual(
            self._summary(deal),
            [("Deal of a leaver", self.step_first, "pilot_manager", date(2026, 3, 9))],
        )

    def test_default_user_of_the_activity_type(self):
        self.follow_up_type.default_user_id = self.manager
        with freeze_time(T0):
            deal = self._opportunity(
                "Deal of nobody", user_id=self.gone.id, team_id=self.team_alone.id
            )
        self.assertEqual(self._run(day(15)), 1)
        self.assertEqual(
            self._summary(deal),
            [("Deal of nobody", self.step_escalation, "pilot_manager", date(2026, 3, 18))],
        )

    def test_never_the_user_running_the_scheduled_action(self):
        with freeze_time(T0):
            deal = self._opportunity("Deal of nobody", user_id=False, team_id=self.team_alone.id)
        with freeze_time(day(5)), self.assertLogs(FOLLOW_UP_LOGGER, level="WARNING"):
            self.assertEqual(self.Lead.with_user(self.manager)._cron_pilot_follow_ups(), 0)
        self.assertFalse(self._follow_ups(deal))


@tagged("post_install", "-at_install")
class TestFollowUpFailingBatch(FollowUpCommon):
    def test_failing_lead_is_set_aside(self):
        """One lead whose activity cannot be created: the others of its batch
        get their follow-up, the failing one is not claimed, and the next run
        follows it up once the cause is gone."""
        with freeze_time(T0):
            leads = [self._opportunity(f"Deal {index}") for index in range(5)]
        bad = leads[2]
        MailActivity = type(self.env["mail.activity"])
        create = MailActivity.create

        def failing_create(records, vals_list):
            vals_list = vals_list if isinstance(vals_list, list) else [vals_list]
            if any(vals.get("res_id") == bad.id for vals in vals_list):
                raise RuntimeError("Activity refused by a broken integration")
            return create(records, vals_list)

        all_leads = self.Lead.concat(*leads)
        with self.assertLogs(FOLLOW_UP_LOGGER, level="WARNING") as logs:
            self.patch(MailActivity, "create", failing_create)
            self.assertEqual(self._run(day(5), batch_size=3), 4)
            self.patch(MailActivity, "create", create)
        self.assertIn(f"lead {bad.id} set aside", "\n".join(logs.output))
        self.assertEqual(self._follow_ups(all_leads).mapped("res_id"), (all_leads - bad).ids)
        self.assertFalse(self.env["crm.lead.follow.up.log"].search([("lead_id", "=", bad.id)]))
        # The second run succeeds for the lead set aside, and only for it.
        self.assertEqual(self._run(day(5), batch_size=3), 1)
        self.assertEqual(
            self._summary(bad), [("Deal 2", self.step_first, "pilot_salesman", date(2026, 3, 9))]
        )
        self.assertEqual(len(self._follow_ups(all_leads)), 5)


@tagged("post_install", "-at_install")
class TestDelayBounds(FollowUpCommon):
    def test_stagnation_days_at_most_ten_years(self):
        with self.assertRaisesMessage(
            ValidationError, "The stagnation delay of the stage Pilot New cannot exceed 3650 days"
        ):
            self.stage_new.stagnation_days = 3651
        self.stage_new.invalidate_recordset()
        self.assertEqual(self.stage_new.stagnation_days, 7)
        self.stage_new.stagnation_days = 3650
        self.assertEqual(self.stage_new.stagnation_days, 3650)

    def test_company_default_at_most_ten_years(self):
        with self.assertRaisesMessage(ValidationError, "cannot exceed 3650 days"):
            self.company.pilot_stagnation_days = 3651
        self.company.invalidate_recordset()
        self.assertEqual(self.company.pilot_stagnation_days, 7)

    def test_follow_up_step_delay_at_most_ten_years(self):
        for values in (
            {"trg_date_range": 3651},
            {"trg_date_range": 122, "trg_date_range_type": "month"},
        ):
            with self.subTest(values=values):
                with self.assertRaisesMessage(
                    ValidationError,
                    'The delay of the follow-up step "Follow-up: first reminder to the '
                    'salesperson" cannot exceed 3650 days',
                ):
                    self.step_first.write(values)
                self.step_first.invalidate_recordset()
                self.assertEqual(
                    (self.step_first.trg_date_range, self.step_first.trg_date_range_type),
                    (5, "day"),
                )

    def test_settings_refuse_delays_over_ten_years(self):
        with self.assertRaisesMessage(ValidationError, "must be a number between 1 and 3,650"):
            self.env["res.config.settings"].create(
                {"pilot_follow_up_escalation_days": 3651, "pilot_stagnation_days": 9}
            )
        with self.assertRaisesMessage(ValidationError, "cannot exceed 3650 days"):
            self.env["res.config.settings"].create({"pilot_stagnation_days": 3651})
        self.company.invalidate_recordset()
        self.assertEqual(self.company.pilot_stagnation_days, 7)
        self.assertEqual(
            (self.step_first | self.step_second | self.step_escalation).mapped("trg_date_range"),
            [5, 10, 15],
        )


@tagged("post_install", "-at_install")
class TestSnapshotKey(FollowUpCommon):
    def test_one_row_per_key_in_the_database(self):
        """A concurrent run cannot store a week twice: the database refuses a
        second row for the same week, company, team, salesperson and stage,
        empty ones included, and the insert of a run skips it."""
        self._opportunity("Nobody's deal", user_id=False, team_id=False)
        self._opportunity("Team deal")
        Snapshot = self.env["crm.pipeline.snapshot"]
        rows = Snapshot._take_snapshot(date(2026, 3, 4))
        no_team = rows.filtered(lambda row: not row.team_id and not row.user_id)[:1]
        team_row = rows.filtered(
            lambda row: row.team_id == self.team and row.stage_id == self.stage_new
        )
        self.assertEqual(len(team_row), 1)
        self.assertEqual(team_row.user_id, self.salesman)
        self.env.flush_all()
        for row in (no_team, team_row):
            with self.subTest(team=row.team_id.name):
                self.assertTrue(row)
                with self.assertRaises(UniqueViolation), self.env.cr.savepoint():
                    self.env.cr.execute(
                        """INSERT INTO crm_pipeline_snapshot
                                  (date, company_id, team_id, user_id, stage_id, lead_count)
                           VALUES (%s, %s, %s, %s, %s, 1)""",
                        [
                            row.date,
                            row.company_id.id or None,
                            row.team_id.id or None,
                            row.user_id.id or None,
                            row.stage_id.id or None,
                        ],
                    )
        # What a concurrent run inserting the same week does: nothing, no error.
        self.assertEqual(Snapshot._insert_snapshot_rows(date(2026, 3, 2)), [])
        self.assertEqual(Snapshot.search_count([("date", "=", date(2026, 3, 2))]), len(rows))


@tagged("post_install", "-at_install")
class TestSnapshotConcurrency(TransactionCase):
    """Two workers taking the week's snapshot at the same time, each in its
    own transaction, on data committed to the database."""

    WEEK = date(2031, 1, 6)

    def setUp(self):
        super().setUp()
        self.addCleanup(self._delete_week)

    def _delete_week(self):
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM crm_pipeline_snapshot WHERE date = %s", [self.WEEK])

    def test_two_concurrent_runs(self):
        barrier = threading.Barrier(2)
        results, errors = [None, None], []

        def target(index):
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    barrier.wait(timeout=30)
                    results[index] = len(env["crm.pipeline.snapshot"]._take_snapshot(self.WEEK))
            except Exception as error:  # reported by the assertion below
                errors.append(error)

        threads = [threading.Thread(target=target, args=(index,)) for index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertFalse(errors)
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT count(*), count(DISTINCT (company_id, team_id, user_id, stage_id))
                     FROM crm_pipeline_snapshot WHERE date = %s""",
                [self.WEEK],
            )
            count, distinct = cr.fetchone()
        self.assertTrue(count)
        self.assertEqual(count, distinct)
        # The rows of the run that ran last stand (the first one's were
        # replaced, or the second one left them).
        self.assertIn(count, results)


@tagged("post_install", "-at_install")
class TestUpgradeKeepsDecisions(TransactionCase):
    def test_removed_bypass_implication_stays_removed(self):
        """An administrator removed the bypass from the sales managers: loading
        the add-on's security data again as an upgrade does (mode "update")
        does not give it back; an installation (mode "init") links it."""
        manager_group = self.env.ref("sales_team.group_sale_manager")
        bypass = self.env.ref("crm_pipeline_pilot.group_exit_criteria_bypass")
        self.assertIn(bypass, manager_group.implied_ids)
        manager_group.implied_ids = [(3, bypass.id)]
        filename = "security/crm_pipeline_pilot_security.xml"
        pathname = file_path(f"crm_pipeline_pilot/{filename}")
        convert_file(self.env, "crm_pipeline_pilot", filename, {}, "update", pathname=pathname)
        manager_group.invalidate_recordset()
        self.assertNotIn(bypass, manager_group.implied_ids)
        convert_file(self.env, "crm_pipeline_pilot", filename, {}, "init", pathname=pathname)
        manager_group.invalidate_recordset()
        self.assertIn(bypass, manager_group.implied_ids)
