# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The team's in-month business in the back-test and the pipeline forecast, on
the hand-built history of forecast_backtest_common."""

from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo.tests import tagged

from .forecast_backtest_common import BacktestCommon


@tagged("post_install", "-at_install")
class TestForecastInMonth(BacktestCommon):
    def test_in_month_business_window_and_no_look_ahead(self):
        """The in-month business of a day averages the complete months before
        it, at most the last six, from the team's first month on: with A10
        (6,000, created and won in M-3, which becomes team A's first month)
        and A9 (1,200, created and won in M3), day 1 averages M-3..M0 (6,000 /
        4), day 2 M-3..M1 (8,000 / 5), day 3 M-3..M2 (8,000 / 6), day 4 the six
        months M-2..M3 (A10 is out: 3,200 / 6). A9 counts from day 4 only,
        A8 (M4) never."""
        first = datetime.combine(self.months[0] - relativedelta(months=4), time.min)
        self._deal(
            "A10",
            self.team,
            6000,
            [(self.bt3, first + timedelta(days=2))],
            won=first + timedelta(days=9),
        )
        self._deal(
            "A9",
            self.team,
            1200,
            [(self.bt3, self.day(3, 2))],
            deadline=self.day(3, 20),
            won=self.day(3, 20),
        )
        run = self._run(team_ids=[(6, 0, self.team.ids)])
        m1, m2, m3, m4 = self.months
        self.assertEqual(
            {
                d.month: round(d.in_month, 2)
                for d in run.detail_ids
                if d.method == "history_in_month"
            },
            {m1: 1500.0, m2: 1600.0, m3: 1333.33, m4: 533.33},
        )
        # Added to the base method's forecast, month by month
        forecasts = {
            (d.method, d.month): round(d.forecast, 2)
            for d in run.detail_ids
            if d.method in ("commit", "commit_in_month")
        }
        for month in self.months:
            in_month = run.detail_ids.filtered(
                lambda d, m=month: d.method == "commit_in_month" and d.month == m
            ).in_month
            self.assertAlmostEqual(
                forecasts["commit_in_month", month], forecasts["commit", month] + in_month, 2
            )

    def test_history_projection_unknown_without_win_rates(self):
        """Team D's first deal, D1 (5,000, created in M1, won in M2), is in the
        pipeline of day 2 in a stage through which no opportunity had closed
        yet: the history-based projection of M2 is unknown, not 0 (no row,
        the month is not measured for it); the other methods have their
        figure. An empty pipeline is a forecast of 0 (M1, M3, M4)."""
        team_d = self.env["crm.team"].create({"name": "BT Team D"})
        fresh = self.env["crm.stage"].create(
            {"name": "BT Fresh", "sequence": 305, "pilot_forecast_category": "commit"}
        )
        self._deal(
            "D1",
            team_d,
            5000,
            [(fresh, self.day(1, 5))],
            deadline=self.day(2, 10),
            won=self.day(2, 10),
        )
        run = self._run(team_ids=[(6, 0, team_d.ids)])
        m1, m2, m3, m4 = self.months
        details, results = self._figures(run)
        d = team_d.id
        self.assertEqual(
            {key: value for key, value in details.items() if key[1] in ("history", "commit")},
            {
                (d, "history", m1): (0.0, 0.0),
                (d, "history", m3): (0.0, 0.0),
                (d, "history", m4): (0.0, 0.0),
                (d, "commit", m1): (0.0, 0.0),
                (d, "commit", m2): (5000.0, 5000.0),
                (d, "commit", m3): (0.0, 0.0),
                (d, "commit", m4): (0.0, 0.0),
            },
        )
        self.assertNotIn((d, "history_in_month", m2), details)
        self.assertNotIn((d, "history"), results)
        self.assertEqual(results[d, "commit"], (0.0, 0.0, 100.0, 1, False))

    def test_pipeline_forecast_in_month_rows(self):
        """The pipeline forecast shows each team's in-month business as of
        today (over the six complete months M-1..M4: 5,000 / 6 for team A, 0
        for team B) on rows without an opportunity nor a salesperson, for the
        current month (the share of its days still to come) and the next two;
        the recommended forecast counts it when the team's recommended method
        adds it, and then counts for each opportunity what the base method
        counts."""
        teams = self.team | self.team_b
        run = self._run(team_ids=[(6, 0, teams.ids)])
        Forecast = self.env["crm.pipeline.forecast"]
        self.env.cr.execute("SELECT (now() AT TIME ZONE 'UTC')::date")
        [today] = self.env.cr.fetchone()
        current = today.replace(day=1)
        following = current + relativedelta(months=1)
        share = (following - today).days / (following - current).days
        a, b = self.team.id, self.team_b.id

        def in_month_rows():
            Forecast.invalidate_model()
            rows = Forecast.search([("team_id", "in", teams.ids), ("lead_id", "=", False)])
            self.assertFalse(rows.user_id | rows.lead_id.user_id)
            self.assertFalse(rows.lead_id)
            return {
                (row.team_id.id, row.date_deadline): (
                    round(row.in_month_revenue, 2),
                    row.recommended_method,
                    round(row.recommended_revenue, 2),
                )
                for row in rows
            }

        months = [current + relativedelta(months=n) for n in range(3)]
        team_a = round(5000 / 6 * share, 2)
        self.assertEqual(
            in_month_rows(),
            {
                (a, months[0]): (team_a, "commit", 0.0),
                (a, months[1]): (833.33, "commit", 0.0),
                (a, months[2]): (833.33, "commit", 0.0),
                (b, months[0]): (0.0, "commit", 0.0),
                (b, months[1]): (0.0, "commit", 0.0),
                (b, months[2]): (0.0, "commit", 0.0),
            },
        )
        # Team A's recommended method becomes Commit + in-month business
        self.assertEqual(self.team.pilot_forecast_method, "commit")
        results = run.result_ids.filtered(lambda r: r.team_id == self.team)
        results.filtered("recommended").recommended = False
        results.filtered(lambda r: r.method == "commit_in_month").recommended = True
        self.team.invalidate_recordset(["pilot_forecast_method"])
        self.assertEqual(self.team.pilot_forecast_method, "commit_in_month")
        rows = in_month_rows()
        self.assertEqual(rows[a, months[0]], (team_a, "commit_in_month", team_a))
        self.assertEqual(rows[a, months[1]], (833.33, "commit_in_month", 833.33))
        self.assertEqual(rows[b, months[1]], (0.0, "commit", 0.0))
        a7 = Forecast.search([("lead_id", "=", self.a7.id)])
        self.assertEqual(
            (a7.recommended_method, a7.recommended_revenue, a7.in_month_revenue),
            ("commit_in_month", 6000.0, 0.0),
        )

    def test_in_month_rows_are_a_team_figure(self):
        """The rows of the in-month business are a figure of the whole team
        (everybody's wins): a salesperson limited to their own opportunities
        does not see them, and still sees their opportunities; the sales
        manager sees both."""
        self._run(team_ids=[(6, 0, self.team.ids)])
        Forecast = self.env["crm.pipeline.forecast"]
        in_month = [("team_id", "=", self.team.id), ("lead_id", "=", False)]
        self.assertEqual(Forecast.with_user(self.salesman).search_count(in_month), 0)
        self.assertEqual(Forecast.with_user(self.manager).search_count(in_month), 3)
        for user in (self.salesman, self.manager):
            self.assertEqual(
                Forecast.with_user(user).search([("lead_id", "=", self.a7.id)]).lead_id, self.a7
            )
