# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Success factors of the exit criteria over JSON-RPC: what each user may read
and refresh."""

from odoo.tests import HttpCase, tagged

from .common import SALES_MANAGER, PilotRpcMixin, new_pilot_user
from .test_exit_criteria_factors import FactorsCommon, factor_lines


@tagged("post_install", "-at_install")
class TestExitCriteriaFactorsRpc(FactorsCommon, PilotRpcMixin, HttpCase):
    """Through JSON-RPC, as the web client sends it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team = cls.env["crm.team"].create({"name": "Factors RPC Team"})
        cls.reason = cls.env["crm.lost.reason"].create({"name": "Factors reason"})
        cls.salesman = new_pilot_user(
            cls.env, "pilot_factors_sales", email="factors_sales@example.com"
        )
        cls.manager = new_pilot_user(
            cls.env,
            "pilot_factors_manager",
            email="factors_manager@example.com",
            groups=SALES_MANAGER,
        )
        cls._build_history()
        cls.env["crm.stage.exit.criterion.stat"]._pilot_refresh()
        cls.stat = cls.env["crm.stage.exit.criterion.stat"].search(
            [("criterion_id", "=", cls.c_manual.id), ("company_id", "=", cls.company_a.id)]
        )

    def test_salesperson_reads_never_writes(self):
        self._login(self.salesman)
        result = self._call_kw(
            "crm.stage.exit.criterion.stat",
            "search_read",
            [[("stage_id", "=", self.stage_a.id)]],
            {"fields": ["criterion_id", "company_id", "met_win_rate", "verdict"]},
        )["result"]
        # Company A only: the rates of company B are not readable.
        self.assertEqual(
            [(row["criterion_id"][1], row["company_id"][0], row["verdict"]) for row in result],
            [
                ("Decision maker identified", self.company_a.id, "predictive"),
                ("Customer set", self.company_a.id, "paperwork"),
                ("Large deal", self.company_a.id, "insufficient"),
            ],
        )
        for method, args in (
            ("write", [[self.stat.id], {"met_win_rate": 99.0}]),
            ("create", [{"criterion_id": self.c_manual.id, "met_win_rate": 99.0}]),
            ("unlink", [[self.stat.id]]),
            ("action_refresh", [[]]),
            ("_pilot_refresh", []),
        ):
            with self.subTest(method=method):
                response = self._call_kw("crm.stage.exit.criterion.stat", method, args)
                self.assertIn("error", response)
        self.stat.invalidate_recordset()
        self.assertEqual((self.stat.met_win_rate, self.stat.exists()), (60.0, self.stat))
        # The factors on the form, read as the web client reads them.
        lead = self._call_kw(
            "crm.lead",
            "web_read",
            [[self.open_lead.id]],
            {"specification": {"exit_criteria_factors": {}}},
        )["result"][0]
        self.assertEqual(
            factor_lines(lead["exit_criteria_factors"])[0],
            "Decision maker identified: won 60 % of the time vs 20 % when not met "
            "(10 and 10 closed opportunities)",
        )

    def test_manager_refreshes(self):
        self.stat.sudo().write({"met_win_rate": 99.0})
        self._login(self.manager)
        # As the button of the list sends it (the selected rows: none).
        response = self._call_kw("crm.stage.exit.criterion.stat", "action_refresh", [[]])
        self.assertNotIn("error", response)
        self.assertEqual(
            self._call_kw(
                "crm.stage.exit.criterion.stat",
                "search_read",
                [[("stage_id", "=", self.stage_a.id), ("company_id", "=", self.company_a.id)]],
                {"fields": ["met_win_rate", "not_met_win_rate", "lift", "verdict"]},
            )["result"][0]
            | {"id": 0},
            {
                "id": 0,
                "met_win_rate": 60.0,
                "not_met_win_rate": 20.0,
                "lift": 40.0,
                "verdict": "predictive",
            },
        )
        response = self._call_kw(
            "crm.stage.exit.criterion.stat", "write", [[self.stat.id], {"lift": 1.0}]
        )
        self.assertIn("error", response)
