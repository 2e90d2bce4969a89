# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A French sales manager's Monday in the browser: last week's review
computed by the scheduled action (in English) read in French, the trend of a
KPI with the weeks without deals as gaps, the forecast submissions
(prefilled, no totals across weeks, no accuracy for the month still
running), the pipeline forecast with its undated deals as a risk, and the
win rates of an exit criterion beside their sample sizes."""

from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import MODULE, SALES_MANAGER, load_french, new_pilot_user


@tagged("post_install", "-at_install")
class TestManagerMondayTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_french(cls.env, ["crm", MODULE])
        cls.manager = new_pilot_user(
            cls.env,
            "pilot_monday_manager",
            name="Hélène Lundi",
            email="helene.lundi@example.com",
            lang="fr_FR",
            groups=SALES_MANAGER,
        )
        cls.salesman = new_pilot_user(
            cls.env, "pilot_monday_salesman", name="Sam Lundi", email="sam.lundi@example.com"
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Équipe du lundi",
                "user_id": cls.manager.id,
                "member_ids": [(6, 0, [cls.manager.id, cls.salesman.id])],
                "pilot_own_stages_only": True,
            }
        )
        Stage = cls.env["crm.stage"]
        cls.stage_open = Stage.create(
            {"name": "Lundi ouvert", "sequence": 1, "team_id": cls.team.id}
        )
        cls.stage_won = Stage.create(
            {"name": "Lundi gagné", "sequence": 2, "team_id": cls.team.id, "is_won": True}
        )
        Lead = cls.env["crm.lead"]
        today = fields.Date.today()
        this_week = cls.env["crm.pipeline.snapshot"]._week_start(today)
        # Won by the salesperson on Tuesday last week, 40 days after its creation.
        won = Lead.create(
            {
                "name": "Affaire gagnée mardi",
                "type": "opportunity",
                "team_id": cls.team.id,
                "user_id": cls.salesman.id,
                "stage_id": cls.stage_open.id,
                "expected_revenue": 7000,
            }
        )
        won.write({"stage_id": cls.stage_won.id})
        closed = datetime.combine(this_week - timedelta(days=6), time(10, 0))
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE crm_lead SET date_closed = %s, create_date = %s WHERE id = %s",
            [closed, closed - timedelta(days=40), won.id],
        )
        won.invalidate_recordset()
        # The manager's own deal in Commit, expected this month.
        deal = Lead.create(
            {
                "name": "Affaire engagée",
                "type": "opportunity",
                "team_id": cls.team.id,
                "user_id": cls.manager.id,
                "stage_id": cls.stage_open.id,
                "expected_revenue": 12000,
                "date_deadline": today,
            }
        )
        deal.pilot_forecast_choice = "commit"
        # The scheduled action stores last week's reviews, in English.
        cls.env["crm.pipeline.review"].with_context(lang="en_US")._pilot_store_past_week()
        # The salesperson's submissions: last month (over) and this month.
        Submission = cls.env["crm.forecast.submission"]
        month = today.replace(day=1)
        last = Submission.create(
            {
                "user_id": cls.salesman.id,
                "team_id": cls.team.id,
                "month": month - relativedelta(months=1),
                "week": month - relativedelta(months=1),
                "commit_amount": 5000,
                "best_case_amount": 5000,
                "state": "submitted",
            }
        )
        last.sudo().write({"won_amount": 6250, "month_closed": True})
        Submission.create(
            {
                "user_id": cls.salesman.id,
                "team_id": cls.team.id,
                "month": month,
                "week": this_week,
                "commit_amount": 12000,
                "best_case_amount": 15000,
                "state": "submitted",
            }
        )

        # Closed this week, after last week's review: an exit criterion of
        # the open stage met on three closed deals (two won), not met on two
        # (the deal won last week and one lost).
        cls.criterion = cls.env["crm.stage.exit.criterion"].create(
            {"name": "Besoin du lundi", "stage_id": cls.stage_open.id, "criterion_type": "manual"}
        )
        reason = cls.env["crm.lost.reason"].create({"name": "Motif du lundi"})
        closed = Lead.browse()
        for index, (met, won_deal) in enumerate(
            ((True, True), (True, True), (True, False), (False, False)), start=1
        ):
            lead = Lead.create(
                {
                    "name": f"Affaire close {index}",
                    "type": "opportunity",
                    "team_id": cls.team.id,
                    "user_id": cls.salesman.id,
                    "stage_id": cls.stage_open.id,
                    "expected_revenue": 1000 * index,
                    "confirmed_criterion_ids": [(6, 0, cls.criterion.ids if met else [])],
                }
            )
            if won_deal:
                lead.write({"stage_id": cls.stage_won.id})
            else:
                lead.action_set_lost(lost_reason_id=reason.id)
            closed |= lead
        # The two deals won (1 000 and 2 000) were created five months ago
        # and won four months ago (before the trend's twelve weeks).
        cls.history_month = month - relativedelta(months=5)
        cls.won_month = month - relativedelta(months=4)
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE crm_lead SET create_date = %s, date_closed = %s WHERE id IN %s",
            [
                datetime.combine(cls.history_month, time(9, 0)),
                datetime.combine(cls.won_month + timedelta(days=14), time(10, 0)),
                tuple(closed.filtered(lambda lead: lead.stage_id == cls.stage_won).ids),
            ],
        )
        closed.invalidate_recordset()
        cls.env["crm.stage.exit.criterion.stat"]._pilot_refresh()
        # The team's back-test of those two months, run twice.
        Backtest = cls.env["crm.forecast.backtest"]
        cls.backtests = Backtest.browse()
        for _run in range(2):
            cls.backtests |= Backtest.create(
                {
                    "date": month - relativedelta(months=3),
                    "months": 2,
                    "team_ids": [(6, 0, cls.team.ids)],
                }
            )
            cls.backtests[-1:].action_run()
        # The manager's deal without an expected closing date: a risk.
        Lead.create(
            {
                "name": "Affaire sans date",
                "type": "opportunity",
                "team_id": cls.team.id,
                "user_id": cls.manager.id,
                "stage_id": cls.stage_open.id,
                "expected_revenue": 3000,
            }
        )

    def test_review_of_last_week_in_french(self):
        review = self.env["crm.pipeline.review"].search([("team_ids", "=", self.team.id)])
        self.assertEqual(len(review), 1)
        self.assertEqual(review.computed_by_id, self.env.user)
        self.start_tour(
            f"/odoo/action-{MODULE}.crm_pipeline_review_action_list",
            "crm_pipeline_pilot_manager_monday",
            login=self.manager.login,
        )

    def test_forecast_submissions_in_french(self):
        self.assertEqual(
            self.env["crm.forecast.submission"]
            .search([("team_id", "=", self.team.id)])
            .mapped("accuracy"),
            [False, 80.0],
        )
        self.start_tour(
            f"/odoo/action-{MODULE}.crm_forecast_submission_action",
            "crm_pipeline_pilot_manager_monday_forecast",
            login=self.manager.login,
        )

    def test_trend_with_gaps_in_french(self):
        """The sales cycle over twelve weeks: one week with a deal won (40
        days), the eleven others without data are gaps (empty), not 0."""
        review = self.env["crm.pipeline.review"].search([("team_ids", "=", self.team.id)])
        line = review.line_ids.filtered(lambda line: line.kpi_id.code == "cycle_days")
        action = line.with_user(self.manager).action_open_trend()
        values = self.env["crm.pipeline.kpi.value"].search(action["domain"])
        figures = [value.amount for value in values if value.series == "value"]
        self.assertEqual(len(figures), 12)
        # No figure is False (an empty cell), not 0.
        self.assertEqual(sum(1 for amount in figures if amount is False), 11)
        self.assertEqual([amount for amount in figures if amount is not False], [40.0])
        self.assertEqual({value.amount for value in values if value.series == "target"}, {30.0})
        self.start_tour(
            f"/odoo/action-{MODULE}.crm_pipeline_review_action_list",
            "crm_pipeline_pilot_manager_monday_trend",
            login=self.manager.login,
        )

    def test_pipeline_forecast_in_french(self):
        """The manager's own forecast: this month's deal and the undated one
        shown as a risk, on a row of its own."""
        self.start_tour(
            f"/odoo/action-{MODULE}.crm_pipeline_forecast_action",
            "crm_pipeline_pilot_manager_monday_pipeline_forecast",
            login=self.manager.login,
        )

    def test_win_rates_in_french(self):
        """The exit criterion's win rates beside their sample sizes; no lift
        below the minimum sample (10)."""
        stat = self.env["crm.stage.exit.criterion.stat"].search(
            [("criterion_id", "=", self.criterion.id)]
        )
        self.assertEqual(
            (
                stat.met_count,
                stat.met_won_count,
                stat.not_met_count,
                stat.not_met_won_count,
                stat.verdict,
                stat.min_sample,
            ),
            (3, 2, 2, 1, "insufficient", 10),
        )
        self.start_tour(
            f"/odoo/action-{MODULE}.crm_stage_exit_criterion_stat_action",
            "crm_pipeline_pilot_manager_monday_win_rates",
            login=self.manager.login,
        )

    def test_backtest_months_in_french(self):
        """The team's back-test run twice: the months of the latest run only,
        from the month its history starts in, each method against the same
        revenue won (0 then 3 000), never added across runs or methods."""
        details = self.env["crm.forecast.backtest.detail"].search(
            [("team_id", "=", self.team.id), ("is_latest", "=", True)]
        )
        self.assertEqual(details.backtest_id, self.backtests[-1])
        self.assertEqual(set(details.mapped("month")), {self.history_month, self.won_month})
        self.assertEqual(
            {(detail.month, detail.actual) for detail in details},
            {(self.history_month, 0.0), (self.won_month, 3000.0)},
        )
        pairs = [(detail.method, detail.month) for detail in details]
        self.assertEqual(len(pairs), len(set(pairs)))
        self.start_tour(
            f"/odoo/action-{MODULE}.crm_forecast_backtest_detail_action",
            "crm_pipeline_pilot_manager_monday_backtest",
            login=self.manager.login,
        )

    def test_backtest_months_graph_in_french(self):
        """The back-test's months as the menu opens them: a line per method
        and one for the revenue won (0 then 3 000), from the latest run."""
        points = self.env["crm.forecast.backtest.month"].search(
            [("team_id", "=", self.team.id), ("is_latest", "=", True), ("series", "=", "won")]
        )
        self.assertEqual(
            [(point.month, point.amount) for point in points.sorted("month")],
            [(self.history_month, 0.0), (self.won_month, 3000.0)],
        )
        self.start_tour(
            f"/odoo/action-{MODULE}.crm_forecast_backtest_month_action",
            "crm_pipeline_pilot_manager_monday_backtest_graph",
            login=self.manager.login,
        )
