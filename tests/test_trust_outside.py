# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What an outside probe with only an RPC client found, each refusal paired
with the allowed call: sums that overflow the managers' screens (expected
revenues of 1.7e306), dates that break every grouping by month (a closing
date on 31 December 9999), negative forecast amounts accepted within a
tolerance meant for rounding, and a forecast submitted by a manager of
another company for a salesperson who does not work there."""

from odoo.tests import HttpCase, tagged

from .common import SALES_MANAGER, PilotRpcMixin, new_pilot_user


@tagged("post_install", "-at_install")
class TestOutsideProbe(PilotRpcMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sam = new_pilot_user(cls.env, "pilot_out_sam", name="Sam Out", email="so@example.com")
        cls.team = cls.env["crm.team"].create(
            {"name": "Outside Team", "member_ids": [(6, 0, [cls.sam.id])]}
        )
        cls.company_b = cls.env["res.company"].create({"name": "Outside Company B"})
        cls.bob = new_pilot_user(
            cls.env,
            "pilot_out_bob",
            name="Bob Out",
            email="bo@example.com",
            groups=SALES_MANAGER,
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )
        cls.deal = cls.env["crm.lead"].create(
            {
                "name": "Outside deal",
                "type": "opportunity",
                "team_id": cls.team.id,
                "user_id": cls.sam.id,
                "expected_revenue": 1000,
            }
        )

    def test_expected_revenue_is_bounded(self):
        self.authenticate(self.sam.login, self.sam.login)
        for value in (1.7e306, -1e16, 1e15 * 1.01):
            message = self._refused(
                "write", [self.deal.ids, {"expected_revenue": value}], error="ValidationError"
            )
            self.assertEqual(
                message,
                '"Expected Revenue" (Lead/Opportunity) must be a number between '
                "-1,000,000,000,000,000 and 1,000,000,000,000,000.",
            )
        self.assertEqual(self.deal.expected_revenue, 1000)
        self._refused(
            "create",
            [[{"name": "Huge", "type": "opportunity", "expected_revenue": 1.7e306}]],
            error="ValidationError",
        )
        self.assertTrue(self._ok("write", [self.deal.ids, {"expected_revenue": 2.5e6}]))
        self.assertEqual(self.deal.expected_revenue, 2.5e6)

    def test_dates_are_bounded(self):
        self.authenticate(self.sam.login, self.sam.login)
        for value in ("9999-12-31", "0001-01-01", "2200-01-01"):
            message = self._refused(
                "write", [self.deal.ids, {"date_deadline": value}], error="ValidationError"
            )
            self.assertEqual(
                message,
                '"Expected Closing" (Lead/Opportunity) must be a date between 1900-01-01 '
                "and 2199-12-31.",
            )
        self.assertFalse(self.deal.date_deadline)
        # A week of a review in year 9999 or 1 is no week either
        for value in ("9999-12-27", "0001-01-03"):
            self._refused(
                "create",
                [[{"date": value, "team_ids": [(6, 0, self.team.ids)]}]],
                model="crm.pipeline.review",
                error="ValidationError",
            )
        # The slip dialog's date too
        self._refused(
            "create",
            [[{"lead_ids": [(6, 0, self.deal.ids)], "date_deadline": "9999-12-31"}]],
            model="crm.lead.slip",
            error="ValidationError",
        )
        self.assertTrue(self._ok("write", [self.deal.ids, {"date_deadline": "2027-06-30"}]))
        self.assertEqual(str(self.deal.date_deadline), "2027-06-30")

    def test_negative_forecast_amounts_refused(self):
        self.authenticate(self.sam.login, self.sam.login)
        submission_id = self._ok(
            "create", [[{"team_id": self.team.id}]], model="crm.forecast.submission"
        )[0]
        for value in (-1, -1000, -1e9):
            message = self._refused(
                "write",
                [[submission_id], {"commit_amount": value}],
                model="crm.forecast.submission",
                error="ValidationError",
            )
            self.assertIn('"Commit" (Forecast Submission) must be a number between 0', message)
        self.assertTrue(
            self._ok(
                "write", [[submission_id], {"commit_amount": 700}], model="crm.forecast.submission"
            )
        )
        submission = self.env["crm.forecast.submission"].browse(submission_id)
        self.assertEqual(submission.commit_amount, 700)

    def test_manager_of_another_company_cannot_submit_for_a_salesperson(self):
        self.authenticate(self.bob.login, self.bob.login)
        message = self._refused(
            "create",
            [[{"team_id": self.team.id, "user_id": self.sam.id}]],
            model="crm.forecast.submission",
        )
        self.assertEqual(
            message,
            "Sam Out does not work for the company Outside Company B: a forecast is "
            "submitted in one of the salesperson's companies.",
        )
        Submission = self.env["crm.forecast.submission"]
        self.assertFalse(Submission.search([("user_id", "=", self.sam.id)]))
        # Sam submits his own
        self.authenticate(self.sam.login, self.sam.login)
        self._ok("create", [[{"team_id": self.team.id}]], model="crm.forecast.submission")
        self.assertEqual(len(Submission.search([("user_id", "=", self.sam.id)])), 1)
