# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, datetime

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..models.crm_lead import TRUSTED
from .common import PilotCommon, new_pilot_user


@tagged("post_install", "-at_install")
class TestMultiCompany(PilotCommon):
    """Two companies, A and B, each with a sales team, a salesperson and a
    manager, and a manager allowed in both companies but working in A only
    (B not active): nothing of B reaches a user working in A."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Only the criteria of this test: none of the demo stages.
        cls.env["crm.stage.exit.criterion"].search([]).active = False
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Pilot Company B"})

        def user(login, groups, companies):
            return new_pilot_user(
                cls.env,
                login,
                name=login,
                email=f"{login}@example.com",
                company_id=companies[0].id,
                company_ids=[(6, 0, [company.id for company in companies])],
                groups=groups,
            )

        manager = "sales_team.group_sale_manager"
        cls.sales_a = user("pilot_mc_sales_a", "sales_team.group_sale_salesman", [cls.company_a])
        cls.manager_a = user("pilot_mc_manager_a", manager, [cls.company_a])
        cls.manager_b = user("pilot_mc_manager_b", manager, [cls.company_b])
        cls.both = user("pilot_mc_both", manager, [cls.company_a, cls.company_b])
        cls.team_a = cls.env["crm.team"].create(
            {"name": "MC Team A", "company_id": cls.company_a.id}
        )
        cls.team_b = cls.env["crm.team"].create(
            {"name": "MC Team B", "company_id": cls.company_b.id}
        )
        Stage = cls.env["crm.stage"]
        cls.s1 = Stage.create({"name": "MC Shared 1", "sequence": 1})
        cls.s2 = Stage.create({"name": "MC Shared 2", "sequence": 2})
        # A stage of team B only, between the shared ones, with a criterion.
        cls.stage_b = Stage.create({"name": "MC B only", "sequence": 2, "team_id": cls.team_b.id})
        cls.s3 = Stage.create({"name": "MC Shared 3", "sequence": 3})
        cls.won = Stage.create({"name": "MC Won", "sequence": 4, "is_won": True})
        cls.criterion_b = cls.env["crm.stage.exit.criterion"].create(
            {"name": "B approval", "stage_id": cls.stage_b.id, "criterion_type": "manual"}
        )
        cls.lead_a = cls._mc_lead("MC deal A", cls.company_a, cls.team_a, 1000)
        cls.lead_b = cls._mc_lead("MC deal B", cls.company_b, cls.team_b, 7000)

    @classmethod
    def _mc_lead(cls, name, company, team, revenue, stage=None):
        return cls.env["crm.lead"].create(
            {
                "name": name,
                "type": "opportunity",
                "company_id": company.id,
                "team_id": team.id,
                "user_id": False,
                "stage_id": (stage or cls.s1).id,
                "expected_revenue": revenue,
            }
        )

    def _in(self, user, model, *companies):
        """``model`` as ``user`` with these companies active (by default the
        user's main company only, as the web client sends it after login)."""
        companies = companies or (user.company_id,)
        return (
            self.env[model]
            .with_user(user)
            .with_context(allowed_company_ids=[company.id for company in companies])
        )

    # ------------------------------------------------------------------
    # Exit criteria
    # ------------------------------------------------------------------

    def test_criteria_of_another_company_are_not_readable(self):
        domain = [("stage_id", "=", self.stage_b.id)]
        self.assertEqual(
            self._in(self.manager_b, "crm.stage.exit.criterion").search(domain), self.criterion_b
        )
        for user in (self.sales_a, self.manager_a, self.both):
            with self.subTest(user=user.login):
                Criterion = self._in(user, "crm.stage.exit.criterion")
                self.assertFalse(Criterion.search(domain))
                with self.assertRaises(AccessError):
                    Criterion.browse(self.criterion_b.id).read(["name"])
        with self.assertRaises(AccessError):
            self.criterion_b.with_user(self.manager_a).write({"name": "Hijacked"})
        with self.assertRaises(AccessError):
            self._in(self.manager_a, "crm.stage.exit.criterion").create(
                {"name": "Planted", "stage_id": self.stage_b.id}
            )
        self.assertEqual(self.criterion_b.name, "B approval")
        # With both companies active, the manager allowed in B sees it.
        self.assertEqual(
            self._in(self.both, "crm.stage.exit.criterion", self.company_a, self.company_b).search(
                domain
            ),
            self.criterion_b,
        )

    def test_criteria_of_another_company_do_not_apply(self):
        """Team B's criterion gates team B's leads only: a lead of company A
        moves past B's stage freely."""
        self.lead_a.with_user(self.manager_a).write({"stage_id": self.s3.id})
        self.assertEqual(self.lead_a.stage_id, self.s3)
        with self.assertRaisesMessage(UserError, "MC B only: B approval"):
            self.lead_b.with_user(self.manager_b).write({"stage_id": self.s3.id})
        self.assertEqual(self.lead_b.stage_id, self.s1)
        # Nor at creation in a later stage.
        created = self._in(self.manager_a, "crm.lead").create(
            {
                "name": "MC new A",
                "type": "opportunity",
                "team_id": self.team_a.id,
                "stage_id": self.s3.id,
            }
        )
        self.assertEqual(created.stage_id, self.s3)

    # ------------------------------------------------------------------
    # Targets
    # ------------------------------------------------------------------

    def test_targets(self):
        Target = self.env["crm.pipeline.target"]
        target_a = Target.create({"team_id": self.team_a.id, "month": "2026-03-01"})
        target_b = Target.create(
            {"team_id": self.team_b.id, "month": "2026-03-01", "revenue_target": 99000}
        )
        self.assertEqual(
            (target_a.company_id, target_b.company_id), (self.company_a, self.company_b)
        )
        domain = [("team_id", "in", (self.team_a | self.team_b).ids)]
        for user in (self.sales_a, self.manager_a, self.both):
            with self.subTest(user=user.login):
                self.assertEqual(self._in(user, "crm.pipeline.target").search(domain), target_a)
        self.assertEqual(self._in(self.manager_b, "crm.pipeline.target").search(domain), target_b)
        with self.assertRaises(AccessError):
            target_b.with_user(self.manager_a).write({"revenue_target": 1})
        with self.assertRaises(AccessError):
            self._in(self.manager_a, "crm.pipeline.target").create(
                {"team_id": self.team_b.id, "month": "2026-04-01"}
            )
        self.assertEqual(target_b.revenue_target, 99000)
        self.assertEqual(
            self._in(self.both, "crm.pipeline.target", self.company_a, self.company_b).search(
                domain
            ),
            target_a | target_b,
        )

    # ------------------------------------------------------------------
    # Snapshots (one scheduled action for all companies, rows per company)
    # ------------------------------------------------------------------

    def test_snapshots(self):
        self.env["crm.pipeline.snapshot"]._take_snapshot(date(2026, 3, 4))
        domain = [("stage_id", "=", self.s1.id)]
        Snapshot = self.env["crm.pipeline.snapshot"]
        rows = Snapshot.search(domain)
        self.assertEqual(
            {(row.company_id, row.team_id): row.expected_revenue for row in rows},
            {(self.company_a, self.team_a): 1000.0, (self.company_b, self.team_b): 7000.0},
        )
        row_a = rows.filtered(lambda row: row.company_id == self.company_a)
        row_b = rows - row_a
        for user in (self.sales_a, self.manager_a, self.both):
            with self.subTest(user=user.login):
                self.assertEqual(self._in(user, "crm.pipeline.snapshot").search(domain), row_a)
                with self.assertRaises(AccessError):
                    self._in(user, "crm.pipeline.snapshot").browse(row_b.id).read(["lead_count"])
        self.assertEqual(self._in(self.manager_b, "crm.pipeline.snapshot").search(domain), row_b)
        self.assertEqual(
            self._in(self.both, "crm.pipeline.snapshot", self.company_a, self.company_b).search(
                domain
            ),
            rows,
        )

    # ------------------------------------------------------------------
    # Pipeline analysis, forecast, stage history, follow-up log
    # ------------------------------------------------------------------

    def test_reports_and_history(self):
        leads = self.lead_a | self.lead_b
        for model in ("crm.pipeline.report", "crm.pipeline.forecast", "crm.lead.stage.history"):
            domain = [("lead_id", "in", leads.ids)]
            for user in (self.sales_a, self.manager_a, self.both):
                with self.subTest(model=model, user=user.login):
                    rows = self._in(user, model).search(domain)
                    self.assertEqual(rows.lead_id, self.lead_a)
                    [(total,)] = self._in(user, model)._read_group(
                        [("lead_id", "in", leads.ids)], [], ["__count"]
                    )
                    self.assertEqual(total, len(rows))
            with self.subTest(model=model, user="manager_b"):
                self.assertEqual(
                    self._in(self.manager_b, model).search(domain).lead_id, self.lead_b
                )
        # The KPIs of the weekly review and the digest read the same rows.
        teams = [("team_id", "in", (self.team_a | self.team_b).ids)]
        period = (datetime(2026, 1, 1), datetime(2026, 1, 8))
        for companies, expected in (
            ((), 1000.0),
            ((self.company_a, self.company_b), 8000.0),
        ):
            with self.subTest(companies=companies):
                Report = self._in(self.both, "crm.pipeline.report", *companies)
                kpis = Report._pilot_kpi_values(*period, teams)
                self.assertEqual(kpis["pipeline_value"], expected)

    def test_forecast_projection_per_company(self):
        """The historical win rate of a stage is that of the lead's company."""
        skip = {"pilot_skip_exit_criteria": TRUSTED}
        won_b = self._mc_lead("MC won B", self.company_b, self.team_b, 500)
        won_b.with_context(**skip).write({"stage_id": self.won.id})
        lost_a = self._mc_lead("MC lost A", self.company_a, self.team_a, 500)
        lost_a.action_set_lost(lost_reason_id=self.reason.id)
        Forecast = self.env["crm.pipeline.forecast"]
        rates = {
            row.lead_id: row.stage_win_rate
            for row in Forecast.search([("lead_id", "in", (self.lead_a | self.lead_b).ids)])
        }
        self.assertEqual(rates, {self.lead_a: 0.0, self.lead_b: 100.0})
        row_b = Forecast.search([("lead_id", "=", self.lead_b.id)])
        self.assertEqual(row_b.projected_revenue, 7000.0)

    def test_follow_up_log(self):
        step = self.env.ref("crm_pipeline_pilot.automation_follow_up_first")
        Log = self.env["crm.lead.follow.up.log"]
        logs = Log.create(
            [
                {"lead_id": lead.id, "automation_id": step.id, "interaction_date": "2026-03-01"}
                for lead in (self.lead_a | self.lead_b)
            ]
        )
        domain = [("id", "in", logs.ids)]
        self.assertEqual(
            self._in(self.manager_a, "crm.lead.follow.up.log").search(domain).lead_id, self.lead_a
        )
        self.assertEqual(
            self._in(self.both, "crm.lead.follow.up.log").search(domain).lead_id, self.lead_a
        )
        self.assertEqual(
            self._in(self.manager_b, "crm.lead.follow.up.log").search(domain).lead_id, self.lead_b
        )

    # ------------------------------------------------------------------
    # Weekly review
    # ------------------------------------------------------------------

    def test_weekly_review(self):
        Review = self._in(self.manager_a, "crm.pipeline.review")
        with self.assertRaises(AccessError):
            Review.create({"date": "2026-03-05", "team_ids": [(6, 0, [self.team_b.id])]})
        with self.assertRaises(AccessError):
            self._in(self.both, "crm.pipeline.review").create(
                {"date": "2026-03-05", "team_ids": [(6, 0, [self.team_b.id])]}
            )
        review = Review.create({"date": "2026-03-05", "team_ids": [(6, 0, [self.team_a.id])]})
        value = review.line_ids.filtered(lambda line: line.kpi_id.code == "pipeline_value")
        self.assertEqual(value.current, 1000.0)
        # With B active, the manager of both companies reviews team B.
        review_b = self._in(
            self.both, "crm.pipeline.review", self.company_a, self.company_b
        ).create({"date": "2026-03-05", "team_ids": [(6, 0, [self.team_b.id])]})
        value = review_b.line_ids.filtered(lambda line: line.kpi_id.code == "pipeline_value")
        self.assertEqual(value.current, 7000.0)
        # Another company's manager cannot read either review.
        with self.assertRaises(AccessError):
            review.with_user(self.manager_b).read(["date"])
