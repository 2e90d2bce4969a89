# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Paths around the rules of forecast submissions, tried over JSON-RPC as a
salesperson, a team leader and a sales manager; each refusal is paired with
the allowed call that succeeds."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo.tests import tagged

from ..models.forecast_category.crm_forecast_submission import month_start, week_start
from .trust_paths_common import SUBMISSION, TrustPathsCommon


@tagged("post_install", "-at_install")
class TestTrustPathsForecastRpc(TrustPathsCommon):
    # ------------------------------------------------------------------
    # Class 4: forecast submissions
    # ------------------------------------------------------------------

    def test_submission_paths_as_salesperson(self):
        self._login(self.sam)
        last_month = month_start(self.today) - relativedelta(months=1)
        message = self._refused("create", [{"team_id": self.team_other.id}], model=SUBMISSION)
        self.assertIn("neither a member nor the leader of the sales team Trust Other Team", message)
        message = self._refused(
            "create",
            [{"team_id": self.team.id, "month": str(last_month), "week": str(last_month)}],
            model=SUBMISSION,
        )
        self.assertIn("current month and week only", message)
        # Allowed: the current period, in their own team
        submission_id = self._ok("create", [{"team_id": self.team.id}], model=SUBMISSION)
        submission = self.env[SUBMISSION].browse(submission_id)
        self.assertEqual(
            (submission.month, submission.week),
            (month_start(self.today), week_start(self.today)),
        )
        message = self._refused(
            "write",
            [[submission_id], {"week": str(week_start(self.today) - timedelta(7))}],
            model=SUBMISSION,
        )
        self.assertIn("cannot change", message)
        self._ok("write", [[submission_id], {"commit_amount": 1500}], model=SUBMISSION)
        self.assertIs(self._ok("action_submit", [[submission_id]], model=SUBMISSION), True)
        for vals in ({"commit_amount": 1}, {"comment": "late"}, {"best_case_amount": 9}):
            message = self._refused("write", [[submission_id], vals], model=SUBMISSION)
            self.assertIn("nothing can change until a sales manager reopens it", message)
        self._refused("action_reset_to_draft", [[submission_id]], model=SUBMISSION)
        submission.invalidate_recordset()
        self.assertEqual((submission.state, submission.commit_amount), ("submitted", 1500))

    def test_submission_leader_adjusted_figure_is_frozen(self):
        own = self._submission(self.lea, team_adjusted_amount=40000)
        self._login(self.lea)
        self._ok("write", [own.ids, {"team_adjusted_amount": 42000}], model=SUBMISSION)
        self._ok("action_submit", [own.ids], model=SUBMISSION)
        message = self._refused(
            "write", [own.ids, {"team_adjusted_amount": 90000}], model=SUBMISSION
        )
        self.assertIn("nothing can change", message)
        own.invalidate_recordset()
        self.assertEqual(own.team_adjusted_amount, 42000)

    def test_leader_cannot_refresh_a_member_draft(self):
        """The refresh stores the amounts as superuser: a leader who only reads
        the member's draft is refused; its owner refreshes it."""
        draft = self._submission(self.sam, commit_amount=777)
        self._login(self.lea)
        self._ok("read", [draft.ids, ["commit_amount"]], model=SUBMISSION)
        self._refused("action_refresh_amounts", [draft.ids], model=SUBMISSION, error="AccessError")
        draft.invalidate_recordset()
        self.assertEqual(draft.commit_amount, 777)
        self._login(self.sam)
        # True, not None: XML-RPC clients cannot receive None
        self.assertIs(self._ok("action_refresh_amounts", [draft.ids], model=SUBMISSION), True)
        draft.invalidate_recordset()
        self.assertEqual(draft.commit_amount, 0)

    def test_submission_paths_as_manager(self):
        submitted = self._submission(self.sam, commit_amount=1000)
        submitted.with_user(self.sam).action_submit()
        self._login(self.mia)
        message = self._refused("write", [submitted.ids, {"commit_amount": 5}], model=SUBMISSION)
        self.assertIn("nothing can change", message)
        message = self._refused(
            "create", [{"team_id": self.team_other.id, "user_id": self.sam.id}], model=SUBMISSION
        )
        self.assertIn("neither a member nor the leader", message)
        last_week = week_start(self.today) - timedelta(days=7)
        message = self._refused(
            "create",
            [{"team_id": self.team.id, "user_id": self.sam.id, "week": str(last_week)}],
            model=SUBMISSION,
        )
        self.assertIn("current month and week only", message)
        # Allowed: reopen, change; every change is traced with who made it
        self.assertFalse(submitted.change_ids)
        self._ok("action_reset_to_draft", [submitted.ids], model=SUBMISSION)
        self._ok("write", [submitted.ids, {"commit_amount": 2000}], model=SUBMISSION)
        self._ok("write", [submitted.ids, {"comment": "Checked with Sam"}], model=SUBMISSION)
        self._ok("action_submit", [submitted.ids], model=SUBMISSION)
        submitted.invalidate_recordset()
        self.assertTrue(submitted.reopened)
        self.assertEqual(
            sorted(
                (change.field_name, change.old_value, change.new_value, change.changed_by_id)
                for change in submitted.change_ids
            ),
            sorted(
                [
                    ("state", "Submitted", "Draft", self.mia),
                    ("commit_amount", "1000.00", "2000.00", self.mia),
                    ("comment", "", "Checked with Sam", self.mia),
                    ("state", "Draft", "Submitted", self.mia),
                ]
            ),
        )
        # The salesperson reads the trace of their forecast, never writes it
        self._login(self.sam)
        rows = self._ok(
            "search_read",
            [[("submission_id", "=", submitted.id)], ["field_name"]],
            model="crm.forecast.submission.change",
        )
        self.assertEqual(len(rows), 4)
        self._refused(
            "write",
            [[rows[0]["id"]], {"new_value": "forged"}],
            model="crm.forecast.submission.change",
            error="AccessError",
        )
