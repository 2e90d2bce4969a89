# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The months of a back-test as the graph draws them: each method's forecast
and the revenue won, one point per month, a gap (no value) where the month has
no figure, never a 0; the latest run only."""

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import fields
from odoo.tests import tagged

from .common import MODULE, load_french
from .forecast_backtest_common import BacktestCommon


@tagged("post_install", "-at_install")
class TestForecastBacktestMonths(BacktestCommon):
    def _points(self, series=None):
        """{series: [amount of each month, None where no figure]} of team A,
        as the graph reads them (grouped by month and series)."""
        Month = self.env["crm.forecast.backtest.month"]
        domain = [("team_id", "=", self.team.id), ("is_latest", "=", True)]
        groups = Month.read_group(domain, ["amount:sum"], ["month:month", "series"], lazy=False)
        points = {}
        for group in groups:
            month = fields.Date.to_date(group["__range"]["month:month"]["from"])
            points.setdefault(group["series"], {})[month] = group["amount"]
        return {
            name: [by_month[month] for month in sorted(by_month)]
            for name, by_month in points.items()
        }

    def test_months_with_gaps_and_revenue_won(self):
        # Seven months: the first is before the team's history (a gap for
        # every series), then the two months of history before M1, M1..M4.
        self._run(team_ids=[(6, 0, (self.team | self.team_b).ids)], months=7)
        latest = self._run(team_ids=[(6, 0, (self.team | self.team_b).ids)], months=7)
        Detail = self.env["crm.forecast.backtest.detail"]
        won_before = [
            Detail.search(
                [
                    ("backtest_id", "=", latest.id),
                    ("team_id", "=", self.team.id),
                    ("method", "=", "commit"),
                    ("month", "=", self.months[0] - relativedelta(months=n)),
                ]
            ).actual
            for n in (2, 1)
        ]
        points = self._points()
        self.assertEqual(
            sorted(points),
            sorted(
                [
                    "stage_probability",
                    "stage_probability_in_month",
                    "history",
                    "history_in_month",
                    "commit",
                    "commit_in_month",
                    "best_case",
                    "best_case_in_month",
                    "submission",
                    "won",
                ]
            ),
        )
        # The revenue won, drawn once (not per method nor per run).
        self.assertEqual(points["won"], [None, *won_before, 12000.0, 20000.0, 9000.0, 3000.0])
        self.assertEqual(
            points["commit"][0:1] + points["commit"][3:],
            [None, 10000.0, 20000.0, 8000.0, 6000.0],
        )
        self.assertEqual(points["stage_probability"][3:], [10000.0, 17000.0, 5000.0, 4800.0])
        # Submitted forecasts: M2 only, a gap elsewhere (not 0).
        self.assertEqual(points["submission"], [None, None, None, None, 18000.0, None, None])
        # Every point is of the latest run: its months, seven per series.
        Month = self.env["crm.forecast.backtest.month"]
        rows = Month.search([("team_id", "=", self.team.id), ("is_latest", "=", True)])
        self.assertEqual(rows.backtest_id, latest)
        self.assertEqual(len(rows), 7 * 10)
        action = self.env.ref("crm_pipeline_pilot.crm_forecast_backtest_month_action")
        self.assertEqual(
            (action.view_mode, action.context), ("graph,list", "{'search_default_latest': 1}")
        )
        menu = self.env.ref("crm_pipeline_pilot.crm_forecast_backtest_detail_menu")
        self.assertEqual(menu.action, action)

    def test_results_pivot_total_column_is_per_method(self):
        """Methods in rows, teams in columns: the Total column (grouped by
        method only) is each method's mean over the teams, never empty."""
        run = self._run(team_ids=[(6, 0, (self.team | self.team_b).ids)])
        Result = self.env["crm.forecast.backtest.result"]
        arch = etree.fromstring(Result.get_view(view_type="pivot")["arch"])
        self.assertEqual(
            [(field.get("name"), field.get("type")) for field in arch.iter("field")],
            [("method", "row"), ("team_id", "col"), ("mape", "measure")],
        )
        results = Result.search([("backtest_id", "=", run.id)])
        groups = Result.read_group(
            [("backtest_id", "=", run.id)], ["mape:avg"], ["method"], lazy=False
        )
        self.assertEqual(len(groups), len(set(results.mapped("method"))))
        for group in groups:
            of_method = results.filtered(lambda result, m=group["method"]: result.method == m)
            with self.subTest(method=group["method"]):
                self.assertAlmostEqual(
                    group["mape"], sum(of_method.mapped("mape")) / len(of_method), places=6
                )
        # The grand total mixes methods: left empty.
        [total] = Result.read_group([("backtest_id", "=", run.id)], ["mape:avg"], [])
        self.assertIs(total["mape"], False)

    def test_months_graph_in_french(self):
        load_french(self.env, ["crm", MODULE])
        Month = self.env["crm.forecast.backtest.month"].with_context(lang="fr_FR")
        series = dict(Month.fields_get(["series"])["series"]["selection"])
        self.assertEqual(
            (series["commit"], series["history"], series["won"]),
            ("Engagement", "Projection sur l'historique", "Revenu gagné"),
        )
        action = self.env.ref(f"{MODULE}.crm_forecast_backtest_month_action")
        self.assertEqual(action.with_context(lang="fr_FR").name, "Mois des tests rétrospectifs")
