# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The forecast back-test over JSON-RPC (who may read and run it) and on the demo."""

from odoo.tests import HttpCase, tagged

from .common import SALES_MANAGER, PilotCommon, PilotRpcMixin, new_pilot_user


@tagged("post_install", "-at_install")
class TestForecastBacktestRpc(PilotRpcMixin, HttpCase):
    """Salespeople read back-tests and their results; only sales managers run
    them and read the monthly amounts; a company's back-tests stay in it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "BT Company B"})
        cls.salesman = new_pilot_user(
            cls.env, "pilot_bt_salesman", name="Bea Salesman", email="bea@example.com"
        )
        cls.manager = new_pilot_user(
            cls.env,
            "pilot_bt_manager",
            name="Max Manager",
            email="max@example.com",
            groups=SALES_MANAGER,
        )
        cls.team = cls.env["crm.team"].create({"name": "BT RPC Team"})
        cls.team_b = cls.env["crm.team"].create(
            {"name": "BT RPC Team B", "company_id": cls.company_b.id}
        )
        cls.bt_run = cls.env["crm.forecast.backtest"].create(
            {"months": 2, "team_ids": [(6, 0, cls.team.ids)]}
        )
        cls.bt_run.action_run()
        cls.bt_run_b = cls.env["crm.forecast.backtest"].create(
            {"months": 2, "company_id": cls.company_b.id, "team_ids": [(6, 0, cls.team_b.ids)]}
        )

    def test_salesperson_reads_but_cannot_run(self):
        self._login(self.salesman)
        found = self._call_kw("crm.forecast.backtest", "search_read", [[]], {"fields": ["months"]})[
            "result"
        ]
        self.assertEqual(
            [row["id"] for row in found if row["id"] == self.bt_run.id], [self.bt_run.id]
        )
        self.assertNotIn(self.bt_run_b.id, [row["id"] for row in found])
        response = self._call_kw(
            "crm.forecast.backtest.result", "search_read", [[]], {"fields": ["mape"]}
        )
        self.assertIn("result", response)
        for method, args in (
            ("action_run", [[self.bt_run.id]]),
            ("create", [{"months": 3}]),
            ("write", [[self.bt_run.id], {"months": 1}]),
            ("unlink", [[self.bt_run.id]]),
        ):
            with self.subTest(method=method):
                self.assertEqual(
                    self._error_name(self._call_kw("crm.forecast.backtest", method, args)),
                    "odoo.exceptions.AccessError",
                )
        self.assertEqual(
            self._error_name(
                self._call_kw("crm.forecast.backtest.detail", "search_read", [[]], {"fields": []})
            ),
            "odoo.exceptions.AccessError",
        )
        self.assertEqual(
            self._error_name(
                self._call_kw(
                    "crm.forecast.backtest.result",
                    "write",
                    [self.bt_run.result_ids.ids or [0], {"recommended": True}],
                )
            ),
            "odoo.exceptions.AccessError",
        )
        self.assertEqual(self.bt_run.months, 2)

    def test_manager_runs_in_their_company(self):
        self._login(self.manager)
        response = self._call_kw("crm.forecast.backtest", "create", [{"months": 3}])
        run = self.env["crm.forecast.backtest"].browse(response["result"])
        self.assertIn("result", self._call_kw("crm.forecast.backtest", "action_run", [run.ids]))
        self.assertEqual(run.state, "done")
        self.assertEqual(run.company_id, self.env.company)
        # Another company's back-test and teams are out of reach
        self.assertEqual(
            self._error_name(
                self._call_kw("crm.forecast.backtest", "action_run", [self.bt_run_b.ids])
            ),
            "odoo.exceptions.AccessError",
        )
        self.assertEqual(self.bt_run_b.state, "draft")
        self.assertIn(
            "error",
            self._call_kw(
                "crm.forecast.backtest",
                "create",
                [{"months": 3, "team_ids": [(6, 0, self.team_b.ids)]}],
            ),
        )


@tagged("post_install", "-at_install")
class TestForecastBacktestDemo(PilotCommon):
    def test_demo_backtest_has_figures_for_every_demo_team(self):
        """The demo's back-test (run at install over six months) measures each
        demo team over months with revenue won, and recommends a method."""
        run = self.env.ref("crm_pipeline_pilot.forecast_backtest_demo")
        self.assertEqual(run.state, "done")
        teams = self.env["crm.lead"]._pilot_demo_teams()
        self.assertEqual(len(teams), 3)
        for team in teams:
            with self.subTest(team=team.name):
                results = run.result_ids.filtered(lambda r, t=team: r.team_id == t)
                history = results.filtered(lambda r: r.method == "history")
                self.assertGreaterEqual(history.months_used, 3)
                self.assertIn(
                    team.pilot_forecast_method, results.filtered("recommended").mapped("method")
                )
                details = run.detail_ids.filtered(lambda d, t=team: d.team_id == t and d.used)
                self.assertTrue(all(d.actual > 0 for d in details))
                for method in ("history", "best_case"):
                    self.assertTrue(
                        any(d.forecast > 0 for d in details if d.method == method), method
                    )
