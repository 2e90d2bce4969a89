# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import PilotCommon, new_pilot_user


class PipelineKpiCommon(PilotCommon):
    """Every KPI of the design's table, computed on a constructed dataset and
    compared with the value computed by hand.

    Week 1 is 2026-03-02 .. 2026-03-08, week 2 is 2026-03-09 .. 2026-03-15.
    Team A (Sam): 10 opportunities reach the proposal stage, 2 are won (10,000
    and 20,000, margins 4,000 and 5,000) and 8 lost in week 1, each 31 days
    after creation; in week 2 a deal created 28 days earlier is won (5,000,
    margin 2,500) and one without proposal is lost.
    Team B (Sally): in week 1 one proposal won (8,000, margin 6,000, 14 days)
    and one lost without proposal; three open opportunities.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Stage = cls.env["crm.stage"]
        cls.stage_prop = Stage.create(
            {"name": "Pilot Proposal", "sequence": 2, "is_proposal_stage": True}
        )
        cls.stage_won = Stage.create({"name": "Pilot Won", "sequence": 3, "is_won": True})
        cls.sally = new_pilot_user(
            cls.env, "pilot_sally", name="Sally Seller", email="sally@example.com"
        )
        cls.team_b = cls.env["crm.team"].create(
            {"name": "Pilot Team B", "member_ids": [(6, 0, [cls.sally.id])]}
        )
        cls.team_c = cls.env["crm.team"].create({"name": "Pilot Team C"})
        cls.teams = cls.team | cls.team_b
        Partner = cls.env["res.partner"]
        cls.p1, cls.p2, cls.p3 = Partner.create(
            [
                {"name": "Pilot Customer 1"},
                {"name": "Pilot Customer 2"},
                {"name": "Pilot Customer 3"},
            ]
        )

        # Team A: 10 opportunities through the proposal stage
        with freeze_time("2026-02-01 09:00:00"):
            revenues = [10000, 20000] + [1000] * 8
            costs = [6000, 15000] + [0] * 8
            cls.proposals = cls.env["crm.lead"].concat(
                *[
                    cls._opportunity(f"Proposal {i}", expected_revenue=rev, estimated_cost=cost)
                    for i, (rev, cost) in enumerate(zip(revenues, costs, strict=True))
                ]
            )
        cls._set_create_date(cls.proposals, "2026-02-01 09:00:00")
        with freeze_time("2026-02-10 09:00:00"):
            cls.proposals.write({"stage_id": cls.stage_prop.id})
        with freeze_time("2026-03-04 09:00:00"):
            cls.proposals[:2].write({"stage_id": cls.stage_won.id})
            cls.proposals[2:].action_set_lost(lost_reason_id=cls.reason.id)

        # Team A, week 2: a deal won 28 days after its creation, one lost
        cls.deal_28 = cls._opportunity(
            "Deal 28", expected_revenue=5000, estimated_cost=2500, partner_id=cls.p3.id
        )
        cls._set_create_date(cls.deal_28, "2026-02-10 10:00:00")
        cls.lost_w2 = cls._opportunity("Lost W2", expected_revenue=3000)
        with freeze_time("2026-03-10 10:00:00"):
            cls.deal_28.write({"stage_id": cls.stage_won.id})
        with freeze_time("2026-03-11 10:00:00"):
            cls.lost_w2.action_set_lost(lost_reason_id=cls.reason.id)

        # Team B, week 1
        b_values = {"user_id": cls.sally.id, "team_id": cls.team_b.id}
        cls.won_b = cls._opportunity(
            "Won B", expected_revenue=8000, estimated_cost=2000, **b_values
        )
        cls.lost_b = cls._opportunity("Lost B", expected_revenue=2000, **b_values)
        cls._set_create_date(cls.won_b | cls.lost_b, "2026-02-20 09:00:00")
        with freeze_time("2026-03-01 09:00:00"):
            cls.won_b.write({"stage_id": cls.stage_prop.id})
        with freeze_time("2026-03-06 09:00:00"):
            cls.won_b.write({"stage_id": cls.stage_won.id})
            cls.lost_b.action_set_lost(lost_reason_id=cls.reason.id)

        # Team B: open pipeline
        cls.open_1 = cls._opportunity(
            "Open 1",
            stage_id=cls.stage_prop.id,
            expected_revenue=4000,
            estimated_cost=1000,
            probability=50,
            date_deadline="2026-04-15",
            **b_values,
        )
        cls.open_2 = cls._opportunity(
            "Open 2",
            stage_id=cls.stage_prop.id,
            expected_revenue=6000,
            probability=40,
            date_deadline="2026-05-10",
            **b_values,
        )
        cls.open_3 = cls._opportunity(
            "Open 3",
            expected_revenue=9000,
            estimated_cost=3000,
            probability=20,
            date_deadline="2026-04-20",
            **b_values,
        )

        # Team C: customers for the attrition
        c_values = {"user_id": cls.manager.id, "team_id": cls.team_c.id}
        for partner, day in (
            (cls.p1, "2025-03-10"),
            (cls.p2, "2025-06-01"),
            (cls.p3, "2025-04-01"),
            (cls.p3, "2026-03-10"),
        ):
            with freeze_time(f"{day} 12:00:00"):
                lead = cls._opportunity(
                    f"Repeat {partner.name} {day}",
                    partner_id=partner.id,
                    expected_revenue=1000,
                    **c_values,
                )
                lead.write({"stage_id": cls.stage_won.id})
        cls.env.flush_all()

    @classmethod
    def _set_create_date(cls, leads, value):
        leads.flush_recordset()
        cls.env.cr.execute(
            "UPDATE crm_lead SET create_date = %s WHERE id = ANY(%s)", [value, leads.ids]
        )
        leads.invalidate_recordset(["create_date"])

    def _kpis(self, start, end, domain):
        return self.env["crm.pipeline.report"]._pilot_kpi_values(
            datetime.fromisoformat(start), datetime.fromisoformat(end), domain
        )

    def _group(self, groupby, domain=()):
        report = self.env["crm.pipeline.report"]
        domain = [
            ("team_id", "in", self.teams.ids),
            ("date_closed", ">=", "2026-03-02"),
            ("date_closed", "<", "2026-03-16"),
            *domain,
        ]
        return {
            key: values
            for key, *values in report._read_group(
                domain,
                [groupby],
                ["win_rate:avg", "conversion_rate:avg", "won_revenue:avg", "cycle_days:avg"],
            )
        }

    def _review(self):
        self.env["crm.pipeline.target"].create(
            {"team_id": self.team.id, "month": "2026-03-01", "revenue_target": 10000}
        )
        return (
            self.env["crm.pipeline.review"]
            .with_user(self.manager)
            .create({"date": "2026-03-05", "team_ids": [(6, 0, self.teams.ids)]})
        )


@tagged("post_install", "-at_install")
class TestPipelineKpi(PipelineKpiCommon):
    """Every KPI of the design's table, and the forecast."""

    # ------------------------------------------------------------------
    # KPIs
    # ------------------------------------------------------------------

    def test_kpis_team_a_week_1(self):
        kpis = self._kpis("2026-03-02", "2026-03-09", [("team_id", "=", self.team.id)])
        self.assertEqual(kpis["conversion_rate"], 20.0)  # 2 won of 10 proposals
        self.assertEqual(kpis["win_rate"], 20.0)
        self.assertEqual(kpis["deal_size"], 15000.0)  # (10,000 + 20,000) / 2
        self.assertEqual(kpis["cycle_days"], 31.0)
        self.assertEqual(kpis["margin_rate"], 30.0)  # 9,000 / 30,000
        self.assertEqual(kpis["pipeline_value"], 0.0)
        self.assertIsNone(kpis["attrition"])  # no customer before

    def test_kpis_team_a_week_2(self):
        kpis = self._kpis("2026-03-09", "2026-03-16", [("team_id", "=", self.team.id)])
        self.assertEqual(kpis["cycle_days"], 28.0)  # created 28 days before winning
        self.assertEqual(kpis["win_rate"], 50.0)
        self.assertIsNone(kpis["conversion_rate"])  # nothing closed reached a proposal
        self.assertEqual(kpis["deal_size"], 5000.0)
        self.assertEqual(kpis["margin_rate"], 50.0)

    def test_kpis_team_b_week_1(self):
        kpis = self._kpis("2026-03-02", "2026-03-09", [("team_id", "=", self.team_b.id)])
        self.assertEqual(kpis["conversion_rate"], 100.0)
        self.assertEqual(kpis["win_rate"], 50.0)
        self.assertEqual(kpis["deal_size"], 8000.0)
        self.assertEqual(kpis["cycle_days"], 14.0)
        self.assertEqual(kpis["margin_rate"], 75.0)  # 6,000 / 8,000
        self.assertEqual(kpis["pipeline_value"], 19000.0)  # 4,000 + 6,000 + 9,000

    def test_kpis_attrition(self):
        team_c = [("team_id", "=", self.team_c.id)]
        # Week 2: customers 1, 2, 3 bought in [2025-03-09, 2026-03-09[; in
        # [2025-03-16, 2026-03-16[ only 2 and 3 did: 1 of 3 lost.
        kpis = self._kpis("2026-03-09", "2026-03-16", team_c)
        self.assertAlmostEqual(kpis["attrition"], 100.0 / 3, places=6)
        # Week 1: all three bought in both windows.
        kpis = self._kpis("2026-03-02", "2026-03-09", team_c)
        self.assertEqual(kpis["attrition"], 0.0)

    def test_report_by_salesperson(self):
        groups = self._group("user_id")
        # Sam: 12 closed, 3 won; 10 proposals closed, 2 won; (10,000 + 20,000
        # + 5,000) / 3; (31 + 31 + 28) / 3
        win, conversion, deal, cycle = groups[self.salesman]
        self.assertEqual(win, 25.0)
        self.assertEqual(conversion, 20.0)
        self.assertAlmostEqual(deal, 35000.0 / 3, places=2)
        self.assertEqual(cycle, 30.0)
        self.assertEqual(groups[self.sally], [50.0, 100.0, 8000.0, 14.0])

    def test_report_by_team(self):
        groups = self._group("team_id")
        self.assertEqual(groups[self.team][:2], [25.0, 20.0])
        self.assertEqual(groups[self.team_b], [50.0, 100.0, 8000.0, 14.0])

    def test_report_by_week(self):
        groups = self._group("date_closed:week")
        week_1, week_2 = sorted(groups)
        # Weeks start on the day of the user's language (Sunday in English).
        week_start = int(self.env["res.lang"]._lang_get(self.env.user.lang).week_start)
        first_day = date(2026, 3, 2) - timedelta(days=(1 - week_start) % 7)
        self.assertEqual(str(week_1)[:10], str(first_day))
        self.assertEqual(str(week_2)[:10], str(first_day + timedelta(days=7)))
        # Week 1: 12 closed, 3 won; 11 proposals, 3 won; (10 + 20 + 8) / 3
        # thousand; (31 + 31 + 14) / 3 days
        win, conversion, deal, cycle = groups[week_1]
        self.assertEqual(win, 25.0)
        self.assertAlmostEqual(conversion, 300.0 / 11, places=6)
        self.assertAlmostEqual(deal, 38000.0 / 3, places=2)
        self.assertAlmostEqual(cycle, 76.0 / 3, places=6)
        win, conversion, deal, cycle = groups[week_2]
        self.assertEqual((win, deal, cycle), (50.0, 5000.0, 28.0))
        self.assertFalse(conversion)  # no closed opportunity reached a proposal

    def test_report_rows_and_sums(self):
        report = self.env["crm.pipeline.report"]
        rows = report.search([("team_id", "=", self.team_b.id)])
        self.assertEqual(len(rows), 5)  # won, lost and the three open ones
        [(expected, prorated, margin, prorated_margin)] = report._read_group(
            [("team_id", "=", self.team_b.id), ("state", "=", "open")],
            [],
            [
                "expected_revenue:sum",
                "prorated_revenue:sum",
                "estimated_margin:sum",
                "prorated_margin:sum",
            ],
        )
        self.assertEqual(expected, 19000.0)
        self.assertEqual(prorated, 2000.0 + 2400.0 + 1800.0)
        # Open 2 has no estimated cost: its margin is unknown (0), not 6,000.
        self.assertEqual(margin, 3000.0 + 0.0 + 6000.0)
        self.assertEqual(prorated_margin, 1500.0 + 0.0 + 1200.0)
        won_row = report.search([("lead_id", "=", self.won_b.id)])
        self.assertEqual(won_row.state, "won")
        self.assertTrue(won_row.reached_proposal)
        lost_row = report.search([("lead_id", "=", self.lost_b.id)])
        self.assertEqual(lost_row.state, "lost")
        self.assertEqual(lost_row.lost_reason_id, self.reason)
        self.assertEqual(lost_row.win_rate, 0.0)
        self.assertFalse(lost_row.reached_proposal)

    # ------------------------------------------------------------------
    # Forecast
    # ------------------------------------------------------------------

    def test_forecast_projection(self):
        """Historical win rates: of the closed leads that stayed in the proposal
        stage, 3 of 11 were won; of those that stayed in the first stage, 8 of
        18 (the 16 of teams A and B and 4 of team C, all won)."""
        forecast = self.env["crm.pipeline.forecast"]
        # The opportunities' rows (the team's in-month business has rows of
        # its own, without an opportunity, from the current month on)
        rows = forecast.search([("team_id", "=", self.team_b.id), ("lead_id", "!=", False)])
        self.assertEqual(len(rows), 3)
        by_lead = {row.lead_id: row for row in rows}
        self.assertAlmostEqual(by_lead[self.open_1].stage_win_rate, 300.0 / 11, places=6)
        self.assertAlmostEqual(by_lead[self.open_3].stage_win_rate, 800.0 / 18, places=6)
        groups = {
            month: values
            for month, *values in forecast._read_group(
                [("team_id", "=", self.team_b.id)],
                ["date_deadline:month"],
                [
                    "expected_revenue:sum",
                    "prorated_revenue:sum",
                    "prorated_margin:sum",
                    "projected_revenue:sum",
                ],
            )
        }
        april, may = groups[date(2026, 4, 1)], groups[date(2026, 5, 1)]
        self.assertEqual(april[:3], [13000.0, 3800.0, 2700.0])
        # 4,000 x 3/11 + 9,000 x 8/18
        self.assertAlmostEqual(april[3], 12000.0 / 11 + 4000.0, places=2)
        self.assertEqual(may[:3], [6000.0, 2400.0, 0.0])  # Open 2: margin unknown
        self.assertAlmostEqual(may[3], 18000.0 / 11, places=2)
