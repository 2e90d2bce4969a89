# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Targets are per team: one per team and month, enforced by the database."""

from psycopg2.errors import UniqueViolation

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged

from .common import PilotCommon, PilotRpcMixin

DUPLICATE = "There is already a target for the sales team Pilot Team and the month 2026-03"


@tagged("post_install", "-at_install")
class TestTeamTargets(PilotCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Target = cls.env["crm.pipeline.target"]
        cls.target = cls.Target.create(
            {"team_id": cls.team.id, "month": "2026-03-01", "revenue_target": 10000}
        )

    def _count(self, month="2026-03-01"):
        return self.Target.search_count([("team_id", "=", self.team.id), ("month", "=", month)])

    def test_one_team_target_per_month(self):
        with self.assertRaisesMessage(ValidationError, DUPLICATE):
            self.Target.create({"team_id": self.team.id, "month": "2026-03-01"})
        self.assertEqual(self._count(), 1)
        # Two at once.
        with self.assertRaisesMessage(ValidationError, "month 2026-04"):
            self.Target.create(
                [
                    {"team_id": self.team.id, "month": "2026-04-01"},
                    {"team_id": self.team.id, "month": "2026-04-01"},
                ]
            )
        self.assertEqual(self._count("2026-04-01"), 0)
        # Moved onto the month of another target.
        april = self.Target.create({"team_id": self.team.id, "month": "2026-04-01"})
        with self.assertRaisesMessage(ValidationError, DUPLICATE):
            april.month = "2026-03-01"
        april.invalidate_recordset()
        self.assertEqual(str(april.month), "2026-04-01")
        # Another team, or another month, is fine.
        other_team = self.env["crm.team"].create({"name": "Pilot Other Team"})
        self.Target.create({"team_id": other_team.id, "month": "2026-03-01"})

    def test_enforced_by_the_database(self):
        self.env.flush_all()
        with self.assertRaises(UniqueViolation), self.env.cr.savepoint():
            self.env.cr.execute(
                """INSERT INTO crm_pipeline_target (team_id, company_id, month)
                        VALUES (%s, %s, '2026-03-01')""",
                [self.team.id, self.team.company_id.id or None],
            )

    def test_targets_and_figures_go_with_their_team(self):
        """A team's targets, weekly KPI values and back-test figures are deleted
        with it: the uninstallation of the demo data deletes the demo teams,
        which the targets and figures the demo computes reference."""
        team = self.env["crm.team"].create({"name": "Pilot Short-lived Team"})
        target = self.Target.create({"team_id": team.id, "month": "2026-05-01"})
        team.unlink()
        self.assertFalse(target.exists())
        self.assertEqual(self.target.team_id, self.team)  # another team's stays
        self.env.cr.execute(
            """
            SELECT conrelid::regclass::text, confdeltype
              FROM pg_constraint
             WHERE confrelid = 'crm_team'::regclass AND contype = 'f'
               AND conrelid::regclass::text IN %s
             ORDER BY 1
            """,
            [
                (
                    "crm_pipeline_target",
                    "crm_pipeline_kpi_value",
                    "crm_forecast_backtest_result",
                    "crm_forecast_backtest_detail",
                )
            ],
        )
        self.assertEqual(
            self.env.cr.fetchall(),
            [
                ("crm_forecast_backtest_detail", "c"),
                ("crm_forecast_backtest_result", "c"),
                ("crm_pipeline_kpi_value", "c"),
                ("crm_pipeline_target", "c"),
            ],
        )

    def test_no_new_salesperson_target(self):
        with self.assertRaisesMessage(ValidationError, "Targets are per sales team"):
            self.Target.create(
                {"team_id": self.team.id, "user_id": self.salesman.id, "month": "2026-05-01"}
            )
        with self.assertRaisesMessage(ValidationError, "Targets are per sales team"):
            self.target.user_id = self.salesman
        self.target.invalidate_recordset()
        self.assertFalse(self.target.user_id)
        self.assertEqual(self._count("2026-05-01"), 0)

    def test_existing_salesperson_targets_stay_readable(self):
        """Targets of one salesperson created by earlier versions are kept,
        readable and editable; the weekly review reads the team's target."""
        self.env.flush_all()
        self.env.cr.execute(
            """INSERT INTO crm_pipeline_target (team_id, user_id, company_id, month,
                                                revenue_target, coverage_ratio)
                    VALUES (%s, %s, %s, '2026-03-01', 999, 3) RETURNING id""",
            [self.team.id, self.salesman.id, self.team.company_id.id or None],
        )
        legacy = self.Target.browse(self.env.cr.fetchone()[0])
        self.assertEqual(legacy.user_id, self.salesman)
        self.assertEqual(legacy.name, "Pilot Team / Sam Salesman / 2026-03")
        legacy.revenue_target = 1500
        self.assertEqual(legacy.pipeline_target, 4500)
        values = self.Target._get_target_values(self.team, "2026-03-18")
        self.assertEqual(values["pipeline_value"], 30000.0)

    def test_salesperson_hidden_in_the_views(self):
        for view_type in ("list", "search"):
            with self.subTest(view_type=view_type):
                arch = self.Target.get_view(view_type=view_type)["arch"]
                self.assertNotIn('name="user_id"', arch)


@tagged("post_install", "-at_install")
class TestTeamTargetsRpc(PilotRpcMixin, PilotCommon, HttpCase):
    def test_duplicate_team_target_refused_by_rpc(self):
        self._login(self.manager)
        values = {"team_id": self.team.id, "month": "2026-03-01", "revenue_target": 5000}
        response = self._call_kw("crm.pipeline.target", "create", [values])
        self.assertNotIn("error", response)
        error = self._call_kw("crm.pipeline.target", "create", [values]).get("error")
        self.assertEqual(error["data"]["name"], "odoo.exceptions.ValidationError")
        self.assertIn(DUPLICATE, error["data"]["message"])
        error = self._call_kw(
            "crm.pipeline.target",
            "create",
            [{"team_id": self.team.id, "user_id": self.salesman.id, "month": "2026-06-01"}],
        ).get("error")
        self.assertEqual(error["data"]["name"], "odoo.exceptions.ValidationError")
        self.assertIn("Targets are per sales team", error["data"]["message"])
        self.assertEqual(
            self.env["crm.pipeline.target"].search_count([("team_id", "=", self.team.id)]), 1
        )
