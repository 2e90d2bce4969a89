# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Weekly forecast submissions: prefill, freezing, accuracy after the
month, the team leader's figure, visibility."""

from datetime import date

from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from ..models.forecast_category.crm_forecast_submission_accuracy import forecast_accuracy
from .common import MODULE
from .forecast_common import ForecastCommon


@tagged("post_install", "-at_install")
class TestForecastSubmissions(ForecastCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # History of the negotiation stage: one won, one lost -> win rate 50 %
        with freeze_time("2025-06-01 10:00:00"):
            history_values = {"user_id": cls.salesman_2.id, "stage_id": cls.s_commit.id}
            cls.hist_won = cls._opportunity("FC hist won", expected_revenue=1, **history_values)
            cls.hist_lost = cls._opportunity("FC hist lost", expected_revenue=1, **history_values)
            cls.hist_won.stage_id = cls.s_won
            cls.hist_lost.action_set_lost(lost_reason_id=cls.reason.id)
        with freeze_time("2026-03-10 10:00:00"):
            month = {"date_deadline": "2026-03-25"}
            cls.commit = cls._opportunity(
                "FC commit",
                stage_id=cls.s_commit.id,
                expected_revenue=10000,
                probability=50,
                **month,
            )
            cls.best = cls._opportunity(
                "FC best", stage_id=cls.s_best.id, expected_revenue=5000, probability=20, **month
            )
            cls.pipe = cls._opportunity(
                "FC pipe",
                stage_id=cls.s_pipeline.id,
                expected_revenue=3000,
                probability=10,
                **month,
            )
            cls.omitted = cls._opportunity(
                "FC omit",
                stage_id=cls.s_commit.id,
                expected_revenue=7000,
                probability=90,
                forecast_category="omitted",
                **month,
            )
            cls.next_month = cls._opportunity(
                "FC next month",
                stage_id=cls.s_commit.id,
                expected_revenue=9999,
                date_deadline="2026-04-02",
            )
            cls.other = cls._opportunity(
                "FC other",
                stage_id=cls.s_commit.id,
                expected_revenue=8000,
                user_id=cls.salesman_2.id,
                **month,
            )
            cls.won_march = cls._won("FC won March", 4000, "2026-03-05")
            cls.won_february = cls._won("FC won February", 6000, "2026-02-27")

    def _submit(self, user, **values):
        values.setdefault("team_id", self.team.id)
        submission = self.env["crm.forecast.submission"].with_user(user).create(values)
        submission.action_submit()
        return submission

    @freeze_time("2026-03-18 10:00:00")
    def test_prefilled_amounts(self):
        submission = self._submit(self.salesman)
        self.assertEqual(submission.month, date(2026, 3, 1))
        self.assertEqual(submission.week, date(2026, 3, 16))
        self.assertEqual(submission.state, "submitted")
        # commit = Commit + Closed this month; best case = commit + Best case
        self.assertEqual(submission.commit_deals_amount, 10000)
        self.assertEqual(submission.closed_amount, 4000)
        self.assertEqual(submission.commit_amount, 14000)
        self.assertEqual(submission.best_case_deals_amount, 5000)
        self.assertEqual(submission.best_case_amount, 19000)
        self.assertEqual(submission.pipeline_amount, 3000)
        # Forecast report: weighted 5,000 + 1,000 + 300; history-based: the
        # negotiation stage wins 1 of 2 (10,000 x 50 %), the others never.
        self.assertEqual(submission.weighted_amount, 6300)
        self.assertEqual(submission.projected_amount, 5000)
        self.assertFalse(submission.month_closed)

    @freeze_time("2026-03-18 10:00:00")
    def test_form_prefills_a_new_forecast(self):
        """The salesperson who opens a new forecast sees the commit and the
        best case of their deals before saving, and saves them."""
        with Form(self.env["crm.forecast.submission"].with_user(self.salesman)) as form:
            form.team_id = self.team
            self.assertEqual((form.commit_amount, form.best_case_amount), (14000, 19000))
            self.assertEqual((form.commit_deals_amount, form.closed_amount), (10000, 4000))
        submission = form.record
        self.assertEqual((submission.commit_amount, submission.best_case_amount), (14000, 19000))
        self.assertEqual(submission.pipeline_amount, 3000)
        # What the salesperson types instead is kept.
        with Form(self.env["crm.forecast.submission"].with_user(self.salesman_2)) as form:
            form.team_id = self.team
            self.assertEqual(form.commit_amount, 8000)
            form.commit_amount = 6000
        self.assertEqual(form.record.commit_amount, 6000)

    @freeze_time("2026-03-18 10:00:00")
    def test_a_deal_counts_in_its_own_team(self):
        """Sue sells in two teams: each submission counts the deals of its
        own team only, open and won."""
        self._opportunity(
            "FC led commit",
            stage_id=self.s_commit.id,
            expected_revenue=2500,
            user_id=self.salesman_2.id,
            team_id=self.team_led.id,
            date_deadline="2026-03-28",
        )
        self._won(
            "FC led won", 1500, "2026-03-09", user_id=self.salesman_2.id, team_id=self.team_led.id
        )
        in_team = self._submit(self.salesman_2)
        in_led = self._submit(self.salesman_2, team_id=self.team_led.id)
        self.assertEqual(
            (in_team.commit_deals_amount, in_team.closed_amount, in_team.commit_amount),
            (8000, 0, 8000),
        )
        self.assertEqual(
            (in_led.commit_deals_amount, in_led.closed_amount, in_led.commit_amount),
            (2500, 1500, 4000),
        )
        with freeze_time("2026-04-02 06:00:00"):
            self.env["crm.forecast.submission"]._cron_forecast_actuals()
        self.assertEqual((in_team.won_amount, in_led.won_amount), (0, 1500))

    def test_no_total_across_weeks_months_or_teams(self):
        """The amounts have no aggregate (a list grouped by salesperson does
        not add the forecasts of several weeks); the accuracy is averaged
        over the months that are over only, and its column is empty for the
        month still running."""
        Submission = self.env["crm.forecast.submission"]
        fields_info = Submission.fields_get(attributes=["aggregator"])
        amounts = [name for name, field in Submission._fields.items() if field.type == "monetary"]
        self.assertEqual(len(amounts), 10)
        for name in amounts:
            self.assertNotIn("aggregator", fields_info[name], name)
        self.assertEqual(fields_info["accuracy"]["aggregator"], "avg")
        arch = etree.fromstring(
            Submission.get_view(self.env.ref(f"{MODULE}.crm_forecast_submission_view_list").id)[
                "arch"
            ]
        )
        self.assertFalse(arch.xpath("//field[@sum or @avg]"))
        self.assertEqual(arch.xpath("//field[@name='accuracy']/@invisible"), ["not month_closed"])
        with freeze_time("2026-03-18 10:00:00"):
            running = self._submit(self.salesman, commit_amount=12000)
        with freeze_time("2026-02-18 10:00:00"):
            february = self._submit(self.salesman, commit_amount=5000)
        with freeze_time("2026-03-18 10:00:00"):
            self.env["crm.forecast.submission"]._cron_forecast_actuals()
        self.assertEqual((february.month_closed, february.won_amount), (True, 6000))
        self.assertFalse(running.month_closed)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT id, accuracy FROM crm_forecast_submission WHERE id IN %s ORDER BY id",
            [tuple((running | february).ids)],
        )
        self.assertEqual(self.env.cr.fetchall(), [(running.id, None), (february.id, 83.3)])
        [(accuracy,)] = Submission._read_group(
            [("id", "in", (running | february).ids)], aggregates=["accuracy:avg"]
        )
        self.assertAlmostEqual(accuracy, 83.3, places=6)

    @freeze_time("2026-03-18 10:00:00")
    def test_given_amounts_are_kept_and_locked_once_submitted(self):
        submission = self._submit(self.salesman, commit_amount=12000, best_case_amount=15000)
        self.assertEqual((submission.commit_amount, submission.best_case_amount), (12000, 15000))
        self.assertEqual(submission.commit_deals_amount, 10000)
        with self.assertRaisesMessage(UserError, "submitted"):
            submission.commit_amount = 1
        # Frozen: the comment too
        with self.assertRaisesMessage(UserError, "nothing can change until a sales manager"):
            submission.comment = "Signed on Friday"
        with self.assertRaises(UserError):
            submission.action_reset_to_draft()
        submission.with_user(self.manager).action_reset_to_draft()
        self.assertEqual(submission.state, "draft")

    def test_accuracy_formula(self):
        self.assertEqual(forecast_accuracy(12000, 10000), 80.0)
        self.assertEqual(forecast_accuracy(8000, 10000), 80.0)
        self.assertEqual(forecast_accuracy(25000, 10000), 0.0)
        self.assertEqual(forecast_accuracy(0, 0), 100.0)
        self.assertEqual(forecast_accuracy(500, 0), 0.0)

    def test_accuracy_after_the_month(self):
        with freeze_time("2026-03-18 10:00:00"):
            exact = self._submit(self.salesman, commit_amount=12000)
            over = self._submit(self.salesman_2, commit_amount=500)
            # Won in March by the salesperson: 4,000 + 6,000; archived won and
            # April deals do not count.
            self._won("FC won late March", 6000, "2026-03-31")
            self._won("FC won April", 5000, "2026-04-01")
            self._won("FC archived", 7000, "2026-03-20").write(
                {"active": False, "lost_reason_id": self.reason.id}
            )
            (exact | over)._pilot_update_actuals()
        self.assertEqual(exact.won_amount, 10000)
        self.assertFalse(exact.month_closed)
        self.assertFalse(exact.accuracy)
        with freeze_time("2026-04-02 06:00:00"):
            self.env["crm.forecast.submission"]._cron_forecast_actuals()
        self.assertTrue(exact.month_closed)
        self.assertEqual(exact.won_amount, 10000)
        self.assertEqual(exact.accuracy, 80.0)
        self.assertEqual(over.won_amount, 0)
        self.assertEqual(over.accuracy, 0.0)
        self.env.flush_all()
        [(accuracy, won)] = self.env["crm.forecast.submission"]._read_group(
            [("id", "in", (exact | over).ids)], aggregates=["accuracy:avg", "won_amount:sum"]
        )
        self.assertEqual((accuracy, won), (40.0, 10000))

    def test_weekly_review_shows_latest_submissions(self):
        with freeze_time("2026-03-11 10:00:00"):
            first = self._submit(self.salesman, commit_amount=1)
        with freeze_time("2026-03-18 10:00:00"):
            latest = self._submit(self.salesman, commit_amount=2)
            other = self._submit(self.salesman_2, commit_amount=3)
            self._submit(self.salesman_2, team_id=self.team_led.id, commit_amount=4)
            review = (
                self.env["crm.pipeline.review"]
                .with_user(self.manager)
                .create({"date": "2026-03-18", "team_ids": [(6, 0, self.team.ids)]})
            )
            self.assertEqual(review.forecast_submission_ids, latest | other)
            review_before = (
                self.env["crm.pipeline.review"]
                .with_user(self.manager)
                .create({"date": "2026-03-12", "team_ids": [(6, 0, self.team.ids)]})
            )
            self.assertEqual(review_before.forecast_submission_ids, first)

    @freeze_time("2026-03-18 10:00:00")
    def test_team_adjusted_amount_on_leader_submission(self):
        with self.assertRaisesMessage(UserError, "team leader only"):
            self._submit(self.salesman, team_adjusted_amount=50000)
        mine = self._submit(self.leader, team_id=self.team_led.id, team_adjusted_amount=42000)
        self.assertTrue(mine.is_team_leader)
        self.assertEqual(mine.team_adjusted_amount, 42000)
        # Frozen once submitted, the leader's figure too
        with self.assertRaisesMessage(UserError, "nothing can change until a sales manager"):
            mine.with_user(self.leader).team_adjusted_amount = 50000

    @freeze_time("2026-03-18 10:00:00")
    def test_visibility(self):
        own = self._submit(self.salesman)
        colleague = self._submit(self.salesman_2)
        led = self._submit(self.salesman_2, team_id=self.team_led.id)
        Submission = self.env["crm.forecast.submission"]
        ids = (own | colleague | led).ids
        self.assertEqual(Submission.with_user(self.salesman).search([("id", "in", ids)]), own)
        # The leader reads the team's submissions, but does not write them
        self.assertEqual(Submission.with_user(self.leader).search([("id", "in", ids)]), led)
        with self.assertRaises(AccessError):
            led.with_user(self.leader).comment = "Not mine"
        self.assertEqual(
            set(Submission.with_user(self.manager).search([("id", "in", ids)]).ids), set(ids)
        )
        with self.assertRaises(AccessError):
            Submission.with_user(self.salesman).create(
                {"team_id": self.team.id, "user_id": self.salesman_2.id, "week": "2026-03-09"}
            )
        with self.assertRaises(AccessError):
            own.with_user(self.salesman).user_id = self.salesman_2
        # The figures from the deals are not typed, not even on a draft
        own.with_user(self.manager).action_reset_to_draft()
        self.assertEqual(own.state, "draft")
        for vals in ({"won_amount": 1}, {"accuracy": 100}, {"commit_deals_amount": 5}):
            with self.assertRaisesMessage(AccessError, "maintained by the application"):
                own.with_user(self.salesman).write(vals)
            with self.assertRaisesMessage(AccessError, "maintained by the application"):
                Submission.with_user(self.salesman).create(
                    dict(vals, team_id=self.team.id, week="2026-03-02")
                )
