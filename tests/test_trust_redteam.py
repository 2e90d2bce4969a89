# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Breaks found by an outside probe of the running demo over RPC, each tried
again over JSON-RPC as the prober did and paired with the allowed call:
numbers that overflowed, follow-up markers a salesperson rewrote, forecasts
forged by a manager or deleted with their trace, blank justifications and
closing notes."""

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import SALES_MANAGER, PilotRpcMixin, new_pilot_user

SUBMISSION = "crm.forecast.submission"


@tagged("post_install", "-at_install")
class TestOutsideProbeRound2(PilotRpcMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["crm.stage.exit.criterion"].search([]).active = False
        cls.sam = new_pilot_user(cls.env, "pilot_rt_sam", name="Rita Sam", email="rs@example.com")
        cls.mia = new_pilot_user(
            cls.env, "pilot_rt_mia", groups=SALES_MANAGER, name="Rita Mia", email="rm@example.com"
        )
        cls.team = cls.env["crm.team"].create(
            {"name": "Probe Team", "member_ids": [(6, 0, cls.sam.ids)]}
        )
        cls.stage = cls.env["crm.stage"].create({"name": "Probe Stage", "sequence": -40})
        cls.deal = cls.env["crm.lead"].create(
            {
                "name": "Probe deal",
                "type": "opportunity",
                "user_id": cls.sam.id,
                "team_id": cls.team.id,
                "stage_id": cls.stage.id,
                "expected_revenue": 1000,
            }
        )

    def test_numbers_that_overflowed(self):
        self._login(self.sam)
        message = self._refused(
            "write", [self.deal.ids, {"estimated_margin_rate": 1e308}], error="ValidationError"
        )
        self.assertEqual(
            message,
            '"Margin Rate (%)" (Lead/Opportunity) must be a number between -1,000 and 99.99.',
        )
        message = self._refused(
            "write", [self.deal.ids, {"probability": float("nan")}], error="ValidationError"
        )
        self.assertEqual(
            message, '"Probability" (Lead/Opportunity) must be a number between 0 and 100.'
        )
        self._refused("write", [self.deal.ids, {"probability": 101}], error="ValidationError")
        # Allowed: numbers within their bounds
        self._ok("write", [self.deal.ids, {"estimated_margin_rate": 40, "probability": 35}])
        self.assertEqual((self.deal.estimated_cost, self.deal.probability), (600.0, 35.0))

    def test_follow_up_markers_are_the_applications(self):
        step = self.env.ref("crm_pipeline_pilot.automation_follow_up_first")
        todo = self.env.ref("mail.mail_activity_data_todo")
        base = {
            "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
            "res_id": self.deal.id,
            "activity_type_id": todo.id,
            "user_id": self.sam.id,
            "date_deadline": str(fields.Date.today()),
        }
        follow_up = self.env["mail.activity"].create(
            {**base, "summary": "Follow-up", "automated": True, "pilot_follow_up_step_id": step.id}
        )
        self._login(self.sam)
        for vals in ({"pilot_follow_up_step_id": False}, {"automated": False}):
            self._refused(
                "write", [follow_up.ids, vals], model="mail.activity", error="AccessError"
            )
        self._refused(
            "create",
            [{**base, "summary": "Forged", "pilot_follow_up_step_id": step.id}],
            model="mail.activity",
            error="AccessError",
        )
        self.assertEqual((follow_up.pilot_follow_up_step_id, follow_up.automated), (step, True))
        self.assertFalse(self.deal.has_dated_next_action)
        # Allowed: their own activity, and the follow-up's summary
        self._ok("write", [follow_up.ids, {"summary": "Called"}], model="mail.activity")
        self._ok("create", [{**base, "summary": "Call back"}], model="mail.activity")
        self.deal.invalidate_recordset()
        self.assertTrue(self.deal.has_dated_next_action)

    def test_forecasts_a_manager_cannot_forge(self):
        self._login(self.mia)
        message = self._refused(
            "create",
            [{"user_id": self.sam.id, "team_id": self.team.id, "state": "submitted"}],
            model=SUBMISSION,
        )
        self.assertEqual(
            message,
            "A forecast is created as a draft: its salesperson submits it with the Submit button.",
        )
        draft_id = self._ok(
            "create",
            [{"user_id": self.sam.id, "team_id": self.team.id, "commit_amount": 10}],
            model=SUBMISSION,
        )
        message = self._refused("action_submit", [[draft_id]], model=SUBMISSION)
        self.assertEqual(
            message,
            "Only Rita Sam submits their forecast; a sales manager submits it again after "
            "reopening it.",
        )
        # Allowed: the salesperson submits it; the manager reopens, edits, submits again
        self._login(self.sam)
        self._ok("write", [[draft_id], {"commit_amount": 900}], model=SUBMISSION)
        self._ok("action_submit", [[draft_id]], model=SUBMISSION)
        self._login(self.mia)
        self._ok("action_reset_to_draft", [[draft_id]], model=SUBMISSION)
        self._ok("write", [[draft_id], {"commit_amount": 800}], model=SUBMISSION)
        self._ok("action_submit", [[draft_id]], model=SUBMISSION)
        submission = self.env[SUBMISSION].browse(draft_id)
        self.assertEqual((submission.state, submission.commit_amount), ("submitted", 800))

    def test_reopened_forecast_keeps_its_trace(self):
        self._login(self.sam)
        submission_id = self._ok("create", [{"team_id": self.team.id}], model=SUBMISSION)
        self._ok("action_submit", [[submission_id]], model=SUBMISSION)
        self._login(self.mia)
        self._ok("action_reset_to_draft", [[submission_id]], model=SUBMISSION)
        self._login(self.sam)
        self._ok("write", [[submission_id], {"commit_amount": 5}], model=SUBMISSION)
        message = self._refused("unlink", [[submission_id]], model=SUBMISSION)
        self.assertEqual(
            message,
            "This forecast was reopened by a sales manager and its changes are traced: only a "
            "sales manager deletes it.",
        )
        submission = self.env[SUBMISSION].browse(submission_id)
        self.assertTrue(submission.change_ids)
        # Allowed: a sales manager deletes the reopened one, and a draft never
        # reopened is the salesperson's to delete
        self._login(self.mia)
        self._ok("unlink", [[submission_id]], model=SUBMISSION)
        self.assertFalse(submission.exists())
        self._login(self.sam)
        other_id = self._ok("create", [{"team_id": self.team.id}], model=SUBMISSION)
        self._ok("unlink", [[other_id]], model=SUBMISSION)
        self.assertFalse(self.env[SUBMISSION].browse(other_id).exists())

    def test_blank_justification_and_closing_note(self):
        self._login(self.mia)
        bypass = "crm.stage.exit.bypass"
        values = {"lead_ids": [(6, 0, self.deal.ids)], "stage_id": self.stage.id}
        for blank in ("\u200b", " \u00a0 ", "\ufeff\u200d"):
            wizard_id = self._ok("create", [{**values, "justification": blank}], model=bypass)
            message = self._refused("action_confirm", [[wizard_id]], model=bypass)
            self.assertEqual(message, "A justification is required to bypass exit criteria.")
        wizard_id = self._ok("create", [{**values, "justification": "Signed"}], model=bypass)
        self._ok("action_confirm", [[wizard_id]], model=bypass)
        reason = self.env["crm.lost.reason"].create(
            {"name": "Probe competitor", "require_feedback": True}
        )
        lost = "crm.lead.lost"
        values = {"lead_ids": [(6, 0, self.deal.ids)], "lost_reason_id": reason.id}
        for blank in ("<p>&nbsp;</p>", "<p>\u200b</p>", "&#8203;"):
            wizard_id = self._ok("create", [{**values, "lost_feedback": blank}], model=lost)
            message = self._refused("action_lost_reason_apply", [[wizard_id]], model=lost)
            self.assertEqual(
                message,
                'The loss reason "Probe competitor" requires a closing note: explain what '
                "happened.",
            )
        self.assertTrue(self.deal.active)
        wizard_id = self._ok(
            "create", [{**values, "lost_feedback": "<p>Lost on price</p>"}], model=lost
        )
        self._ok("action_lost_reason_apply", [[wizard_id]], model=lost)
        self.deal.invalidate_recordset()
        self.assertFalse(self.deal.active)

    def test_digest_figures_read_outside_the_mailing(self):
        digest = self.env.ref("digest.digest_digest_default")
        fnames = [
            "kpi_crm_pipeline_value_value",
            "kpi_crm_pipeline_win_rate_value",
            "kpi_crm_pipeline_conversion_rate_value",
        ]
        for user in (self.sam, self.mia):
            self._login(user)
            rows = self._ok("read", [digest.ids, fnames], model="digest.digest")
            self.assertEqual([rows[0][fname] for fname in fnames], [0.0, 0.0, 0.0])
        # Allowed: the mailing's period gives the figures
        values = digest.with_context(
            start_datetime=fields.Datetime.to_datetime("2020-01-01 00:00:00"),
            end_datetime=fields.Datetime.now(),
        ).read(["kpi_crm_pipeline_value_value"])
        self.assertGreaterEqual(values[0]["kpi_crm_pipeline_value_value"], 1000.0)

    def test_loss_reasons_archived_and_won_while_lost(self):
        archived = self.env["crm.lost.reason"].create({"name": "Probe old reason"})
        archived.active = False
        reason = self.env["crm.lost.reason"].create({"name": "Probe price"})
        won = self.env["crm.stage"].create({"name": "Probe Won", "is_won": True, "sequence": 90})
        self._login(self.sam)
        message = self._refused("action_set_lost", [self.deal.ids], {"lost_reason_id": archived.id})
        self.assertEqual(
            message, "The loss reason Probe old reason is archived: choose another one."
        )
        self._refused("write", [self.deal.ids, {"active": False, "lost_reason_id": archived.id}])
        self.assertTrue(self.deal.active)
        # Allowed: an active reason
        self._ok("action_set_lost", [self.deal.ids], {"lost_reason_id": reason.id})
        self.deal.invalidate_recordset()
        self.assertEqual((self.deal.active, self.deal.lost_reason_id), (False, reason))
        # Lost, then moved to a won stage: refused; restored first, it is won
        message = self._refused("write", [self.deal.ids, {"stage_id": won.id}])
        self.assertEqual(message, "A lost opportunity is restored before it is won: Probe deal.")
        self._ok("write", [self.deal.ids, {"active": True, "stage_id": won.id}])
        self.deal.invalidate_recordset()
        self.assertEqual(
            (self.deal.active, self.deal.stage_id, self.deal.lost_reason_id.id), (True, won, False)
        )

    def test_closing_date_of_won_deals_is_the_applications(self):
        won = self.env["crm.stage"].create({"name": "Probe Won 2", "is_won": True, "sequence": 91})
        self.deal.stage_id = won
        closed = self.deal.date_closed
        self.assertTrue(closed)
        for user in (self.sam, self.mia):
            self._login(user)
            message = self._refused(
                "write",
                [self.deal.ids, {"date_closed": "2026-11-15 10:00:00"}],
                error="AccessError",
            )
            self.assertEqual(
                message,
                "These fields are maintained by the application and cannot be written: "
                "Closed Date.",
            )
            self._refused(
                "create",
                [{"name": "Probe closed", "date_closed": "2020-01-01 00:00:00"}],
                error="AccessError",
            )
            # Allowed: the deal's other fields
            self._ok("write", [self.deal.ids, {"description": f"Checked by {user.name}"}])
        self.deal.invalidate_recordset()
        self.assertEqual(self.deal.date_closed, closed)
