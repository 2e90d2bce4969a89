# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import PilotCommon


@tagged("post_install", "-at_install")
class TestInputValidation(PilotCommon):
    """Amounts, delays, dates and rates are validated with a clear message,
    and a refused write changes nothing."""

    def test_target_amounts_and_rates(self):
        target = self.env["crm.pipeline.target"].create(
            {"team_id": self.team.id, "month": "2026-03-01", "revenue_target": 10000}
        )
        fnames = [
            "revenue_target",
            "coverage_ratio",
            "deal_size_target",
            "cycle_days_target",
            "conversion_rate_target",
            "win_rate_target",
            "attrition_target",
            "margin_rate_target",
        ]
        before = target.read(fnames)[0]
        cases = [
            ("revenue_target", -1, "The revenue target of Pilot Team / 2026-03 cannot be negative"),
            ("coverage_ratio", -0.5, "The pipeline coverage target of"),
            ("deal_size_target", -10, "The average deal size target of"),
            ("cycle_days_target", -1, "The sales cycle target of"),
            ("conversion_rate_target", -1, "The conversion rate target of"),
            ("conversion_rate_target", 100.5, "must be between 0 and 100 %"),
            ("win_rate_target", 101, "The win rate target of"),
            ("attrition_target", -5, "The attrition target of"),
            ("margin_rate_target", 150, "The margin rate target of Pilot Team / 2026-03 must be"),
        ]
        for fname, value, message in cases:
            with self.subTest(field=fname, value=value):
                # Together with a valid value, which is not written either.
                other = "attrition_target" if fname == "win_rate_target" else "win_rate_target"
                with self.assertRaisesMessage(ValidationError, message):
                    target.write({other: 40, fname: value})
                target.invalidate_recordset()
                self.assertEqual(target.read(fnames)[0], before)
        with self.assertRaisesMessage(ValidationError, "cannot be negative"):
            self.env["crm.pipeline.target"].create(
                {"team_id": self.team.id, "month": "2026-04-01", "revenue_target": -5}
            )
        self.assertFalse(
            self.env["crm.pipeline.target"].search(
                [("team_id", "=", self.team.id), ("month", "=", "2026-04-01")]
            )
        )
        # The edges are valid.
        target.write(
            {
                "revenue_target": 0,
                "coverage_ratio": 0,
                "conversion_rate_target": 100,
                "win_rate_target": 0,
                "margin_rate_target": 100,
            }
        )
        self.assertEqual(target.pipeline_target, 0.0)

    def test_company_defaults(self):
        company = self.company
        before = (company.pilot_min_margin_rate, company.pilot_stagnation_days)
        for fname, value, message in (
            ("pilot_min_margin_rate", -1, "must be between 0 and 100 %"),
            ("pilot_min_margin_rate", 100.01, "The default minimum margin rate of"),
            ("pilot_stagnation_days", 0, "The default stagnation delay of"),
            ("pilot_stagnation_days", -3, "must be at least one day"),
        ):
            with self.subTest(field=fname, value=value):
                with self.assertRaisesMessage(ValidationError, message):
                    company.write({fname: value})
                company.invalidate_recordset()
                self.assertEqual(
                    (company.pilot_min_margin_rate, company.pilot_stagnation_days), before
                )
        # Through the settings too.
        with self.assertRaisesMessage(ValidationError, "The default minimum margin rate of"):
            self.env["res.config.settings"].create({"pilot_min_margin_rate": 120}).execute()
        company.invalidate_recordset()
        self.assertEqual(company.pilot_min_margin_rate, before[0])

    def test_team_minimum_margin_rate_not_negative(self):
        with self.assertRaisesMessage(
            ValidationError, "The minimum margin rate of the sales team Pilot Team"
        ):
            self.team.pilot_min_margin_rate = -0.5
        self.team.invalidate_recordset()
        self.assertEqual(self.team.pilot_min_margin_rate, 30.0)

    def test_stage_stagnation_days_not_negative(self):
        with self.assertRaisesMessage(ValidationError, "must be at least one day"):
            self.stage_new.stagnation_days = -2
        self.stage_new.invalidate_recordset()
        self.assertEqual(self.stage_new.stagnation_days, 7)

    def test_follow_up_step_delay_positive(self):
        step = self.env.ref("crm_pipeline_pilot.automation_follow_up_first")
        for value in (0, -5):
            with self.subTest(days=value):
                with self.assertRaisesMessage(ValidationError, "with a positive delay"):
                    step.trg_date_range = value
                step.invalidate_recordset()
                self.assertEqual(step.trg_date_range, 5)

    def test_review_week_must_have_started(self):
        Review = self.env["crm.pipeline.review"].with_user(self.manager)
        today = fields.Date.context_today(Review)  # in the manager's time zone
        next_week = today + timedelta(days=7 - today.weekday())
        with self.assertRaisesMessage(ValidationError, "has not started yet"):
            Review.create({"date": next_week, "team_ids": [(6, 0, self.team.ids)]})
        review = Review.create({"date": today, "team_ids": [(6, 0, self.team.ids)]})
        with self.assertRaisesMessage(ValidationError, "has not started yet"):
            review.date = next_week + timedelta(days=30)
        review.invalidate_recordset()
        self.assertEqual(review.date, today)
        # The last day of the current week is within a week that has started.
        review.date = today + timedelta(days=6 - today.weekday())
        self.assertEqual(review.week_start, today - timedelta(days=today.weekday()))
