# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The KPIs of the weekly review: snapshots and targets, who sees them, the
weekly review, its XLSX export, the digest, and what the manager reads on
the review's screen."""

import base64
import io
import zipfile
from datetime import date, datetime

import openpyxl
from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import load_french
from .test_kpi import PipelineKpiCommon


@tagged("post_install", "-at_install")
class TestPipelineKpiReview(PipelineKpiCommon):
    """Snapshots, targets, visibility, the weekly review, its export and the
    digest, on the dataset of PipelineKpiCommon."""

    # ------------------------------------------------------------------
    # Snapshots and targets
    # ------------------------------------------------------------------

    def test_snapshot_idempotent_per_week(self):
        Snapshot = self.env["crm.pipeline.snapshot"]
        # Only the weeks of this test: the demo data has snapshots of its own.
        weeks = [("date", "in", [date(2026, 3, 9), date(2026, 3, 16)])]
        first = Snapshot._take_snapshot(date(2026, 3, 11))
        count = Snapshot.search_count(weeks)
        second = Snapshot._take_snapshot(date(2026, 3, 13))
        self.assertFalse(first.exists())
        self.assertEqual(len(second), len(first))
        self.assertEqual(Snapshot.search_count(weeks), count)
        rows = Snapshot.search([("team_id", "=", self.team_b.id)])
        self.assertEqual(set(rows.mapped("date")), {date(2026, 3, 9)})
        by_stage = {row.stage_id: row for row in rows}
        self.assertEqual(by_stage[self.stage_prop].lead_count, 2)
        self.assertEqual(by_stage[self.stage_prop].expected_revenue, 10000.0)
        self.assertEqual(by_stage[self.stage_prop].prorated_revenue, 4400.0)
        # Open 2 has no estimated cost: its margin is unknown and counts 0.
        self.assertEqual(by_stage[self.stage_prop].estimated_margin, 3000.0)
        self.assertEqual(by_stage[self.stage_prop].prorated_margin, 1500.0)
        self.assertEqual(by_stage[self.stage_new].lead_count, 1)
        self.assertEqual(by_stage[self.stage_new].user_id, self.sally)
        # Another week adds its own rows.
        Snapshot._take_snapshot(date(2026, 3, 16))
        self.assertEqual(Snapshot.search_count(weeks), 2 * count)

    def test_target_defaults(self):
        target = self.env["crm.pipeline.target"].create(
            {"team_id": self.team.id, "month": "2026-03-01", "revenue_target": 10000}
        )
        self.assertEqual(target.pipeline_target, 30000.0)
        self.assertEqual(target.conversion_rate_target, 25.0)
        self.assertEqual(target.cycle_days_target, 30.0)
        self.assertEqual(target.margin_rate_target, 30.0)
        with self.assertRaisesMessage(ValidationError, "first day"):
            self.env["crm.pipeline.target"].create({"team_id": self.team.id, "month": "2026-03-02"})

    # ------------------------------------------------------------------
    # Visibility
    # ------------------------------------------------------------------

    def test_visibility_own_documents(self):
        """A salesperson limited to own documents sees only own rows."""
        for model in ("crm.pipeline.report", "crm.pipeline.forecast", "crm.lead.stage.history"):
            rows = self.env[model].with_user(self.sally).search([("team_id", "in", self.teams.ids)])
            self.assertTrue(rows, model)
            self.assertEqual(rows.user_id, self.sally, model)
        kpis = (
            self.env["crm.pipeline.report"]
            .with_user(self.sally)
            ._pilot_kpi_values(
                datetime(2026, 3, 2), datetime(2026, 3, 9), [("team_id", "in", self.teams.ids)]
            )
        )
        self.assertEqual(kpis["win_rate"], 50.0)
        self.assertEqual(kpis["pipeline_value"], 19000.0)

    def test_visibility_other_company(self):
        other = self.env["res.company"].create({"name": "Pilot Other Company"})
        lead = self.env["crm.lead"].create(
            {
                "name": "Other company deal",
                "type": "opportunity",
                "company_id": other.id,
                "user_id": False,
                "team_id": False,
                "expected_revenue": 777,
            }
        )
        report = self.env["crm.pipeline.report"]
        self.assertTrue(report.search([("lead_id", "=", lead.id)]))
        for user in (self.manager, self.salesman):
            with self.subTest(user=user.login):
                self.assertFalse(report.with_user(user).search([("lead_id", "=", lead.id)]))
                self.assertFalse(
                    self.env["crm.pipeline.forecast"]
                    .with_user(user)
                    .search([("lead_id", "=", lead.id)])
                )

    # ------------------------------------------------------------------
    # Weekly review, XLSX export, digest
    # ------------------------------------------------------------------

    def test_weekly_review(self):
        review = self._review()
        self.assertEqual(review.week_start, date(2026, 3, 2))
        self.assertEqual(review.week_end, date(2026, 3, 8))
        self.assertEqual(review.display_name, "Weekly Review 03/02/2026 - 03/08/2026")
        self.assertEqual(len(review.line_ids), 14)
        lines = {(line.team_id, line.kpi_id.code): line for line in review.line_ids}
        expected = {
            # code: (current, target, gap, off target)
            "pipeline_value": (0.0, 30000.0, -30000.0, True),
            "conversion_rate": (20.0, 25.0, -5.0, True),
            "win_rate": (20.0, 30.0, -10.0, True),
            "deal_size": (15000.0, 0.0, 0.0, False),
            "cycle_days": (31.0, 30.0, 1.0, True),
            "margin_rate": (30.0, 30.0, 0.0, False),
        }
        for code, (current, target, gap, off) in expected.items():
            with self.subTest(code=code):
                line = lines[self.team, code]
                self.assertTrue(line.has_value)
                self.assertEqual(
                    (line.current, line.target, line.gap, line.off_target),
                    (current, target, gap, off),
                )
                kpi = self.env.ref(f"crm_pipeline_pilot.crm_pipeline_kpi_{code}")
                self.assertEqual(line.action, kpi.action if off else False)
        self.assertFalse(lines[self.team, "attrition"].has_value)
        self.assertFalse(lines[self.team, "attrition"].off_target)
        # Team B has no target record: the defaults apply.
        line_b = lines[self.team_b, "conversion_rate"]
        self.assertEqual((line_b.current, line_b.target, line_b.off_target), (100.0, 25.0, False))
        # The suggested action is the administrator's.
        kpi = self.env.ref("crm_pipeline_pilot.crm_pipeline_kpi_win_rate")
        kpi.action = "Call every lost customer"
        # Refreshed in place: the form reloads, no new breadcrumb.
        self.assertEqual(
            review.action_refresh(), {"type": "ir.actions.client", "tag": "soft_reload"}
        )
        line = review.line_ids.filtered(
            lambda line: line.team_id == self.team and line.kpi_id == kpi
        )
        self.assertEqual(line.action, "Call every lost customer")

    def test_weekly_review_xlsx(self):
        review = self._review()
        action = review.action_export_xlsx()
        self.assertEqual(action["type"], "ir.actions.act_url")
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(review.xlsx_file)))
        # One sheet per team, then the forecast of the month (test_kpi_xlsx.py).
        self.assertEqual(book.sheetnames, ["Pilot Team", "Pilot Team B", "Forecast"])
        for team in self.teams:
            sheet = book[team.name]
            self.assertEqual(
                [cell.value for cell in sheet[3]][:7],
                ["KPI", "Current", "Target", "Gap", "Status", "Trend", "Action when off target"],
            )
            rows = {
                row[0]: (*row[1:4], row[6]) for row in sheet.iter_rows(min_row=4, values_only=True)
            }
            statuses = {row[0]: row[4:6] for row in sheet.iter_rows(min_row=4, values_only=True)}
            lines = review.line_ids.filtered(lambda line, team=team: line.team_id == team)
            self.assertEqual(len(rows), 7)
            for line in lines:
                current, target, gap, action = rows[line.kpi_id.name]
                self.assertEqual(current, line.current if line.has_value else None)
                self.assertEqual(target, line.target if line.has_target else None)
                if line.has_value and line.has_target:
                    self.assertEqual(gap, line.gap)
                self.assertEqual(action or False, line.action or False)
                status = dict(line._fields["status"].selection)[line.status]
                trend = dict(line._fields["trend"].selection).get(line.trend)
                self.assertEqual(statuses[line.kpi_id.name], (status, trend))
        with zipfile.ZipFile(io.BytesIO(base64.b64decode(review.xlsx_file))) as archive:
            charts = [name for name in archive.namelist() if name.startswith("xl/charts/chart")]
        # One chart per unit (amounts, rates, days) and team.
        self.assertEqual(len(charts), 6)
        sheet = book["Pilot Team"]
        rows = {row[0]: row[1:4] for row in sheet.iter_rows(min_row=4, values_only=True)}
        self.assertEqual(rows["Conversion Rate"], (20.0, 25.0, -5.0))
        self.assertEqual(sheet["A1"].value, "Weekly review Pilot Team, 03/02/2026 to 03/08/2026")
        formats = {row[0].value: row[1].number_format for row in sheet.iter_rows(min_row=4)}
        self.assertEqual(
            formats,
            {
                "Pipeline Value": '"$" #,##0.00',
                "Average Deal Size": '"$" #,##0.00',
                "Conversion Rate": '0.0" %"',
                "Win Rate": '0.0" %"',
                "Attrition": '0.0" %"',
                "Margin Rate": '0.0" %"',
                "Sales Cycle (days)": '0.0" days"',
            },
        )

    def test_weekly_review_xlsx_logs_nothing(self):
        review = self._review()
        with self.assertNoLogs(level="WARNING"):
            review.action_export_xlsx()

    def test_digest_kpis(self):
        digest = self.env["digest.digest"].create(
            {"name": "Pilot digest", "company_id": self.company.id}
        )
        digest = digest.with_context(
            start_datetime=datetime(2026, 3, 2), end_datetime=datetime(2026, 3, 9)
        )
        # Week 1 in the company: 12 closed, 3 won; 11 proposals, 3 won.
        self.assertEqual(digest.kpi_crm_pipeline_win_rate_value, 25.0)
        self.assertAlmostEqual(digest.kpi_crm_pipeline_conversion_rate_value, 300.0 / 11, places=6)
        open_total = sum(
            self.env["crm.lead"]
            .search(
                [
                    ("type", "=", "opportunity"),
                    ("stage_id.is_won", "=", False),
                    ("company_id", "=", self.company.id),
                ]
            )
            .mapped("expected_revenue")
        )
        self.assertEqual(digest.kpi_crm_pipeline_value_value, open_total)
        self.assertTrue(self.env.ref("digest.digest_digest_default").kpi_crm_pipeline_value)


@tagged("post_install", "-at_install")
class TestWeeklyReviewScreen(PipelineKpiCommon):
    """What the manager reads in the weekly review: units, status against the
    target (direction-aware), trend, and the review computed when it opens."""

    def test_units_and_status(self):
        review = self._review()
        lines = {line.kpi_id.code: line for line in review.line_ids if line.team_id == self.team}
        nbsp = "\N{NO-BREAK SPACE}"
        expected = {
            # code: (current, target, gap, status)
            "pipeline_value": (
                f"${nbsp}0.00",
                f"${nbsp}30,000.00",
                f"${nbsp}-30,000.00",
                "off_target",
            ),
            "conversion_rate": ("20.0 %", "25.0 %", "-5.0 %", "off_target"),
            "win_rate": ("20.0 %", "30.0 %", "-10.0 %", "off_target"),
            "deal_size": (f"${nbsp}15,000.00", False, False, "no_target"),
            "cycle_days": ("31.0 days", "30.0 days", "+1.0 days", "off_target"),
            "attrition": (False, "10.0 %", False, "no_value"),
            "margin_rate": ("30.0 %", "30.0 %", "0.0 %", "on_target"),
        }
        for code, values in expected.items():
            with self.subTest(code=code):
                line = lines[code]
                self.assertEqual(
                    (line.current_display, line.target_display, line.gap_display, line.status),
                    values,
                )

    def test_gap_sign_where_the_language_puts_the_minus(self):
        """A gap above the target carries its "+" where the reader's language
        and the currency put the minus sign of a negative amount: after the
        symbol of the dollar, in French as in English."""
        load_french(self.env)
        self.env["crm.pipeline.target"].create(
            {"team_id": self.team.id, "month": "2026-03-01", "revenue_target": 10000}
        )
        review = (
            self.env["crm.pipeline.review"]
            .with_user(self.manager)
            .create({"date": "2026-03-05", "team_ids": [(6, 0, self.team.ids)]})
        )
        nbsp = "\N{NO-BREAK SPACE}"
        kpi = self.env.ref("crm_pipeline_pilot.crm_pipeline_kpi_pipeline_value")
        french = review.with_context(lang="fr_FR")
        self.assertEqual(french._format_gap(self.team, kpi, -80900.0), f"${nbsp}-80{nbsp}900,00")
        self.assertEqual(french._format_gap(self.team, kpi, 80900.0), f"${nbsp}+80{nbsp}900,00")
        self.assertEqual(review._format_gap(self.team, kpi, 80900.0), f"${nbsp}+80,900.00")
        self.assertEqual(review._format_gap(self.team, kpi, 0.0), f"${nbsp}0.00")
        cycle = self.env.ref("crm_pipeline_pilot.crm_pipeline_kpi_cycle_days")
        self.assertEqual(french._format_gap(self.team, cycle, 1.0), "+1,0 jours")
        lines = {
            line.kpi_id.code: line.gap_display
            for line in review.with_context(lang="fr_FR").line_ids
        }
        self.assertEqual(lines["pipeline_value"], f"${nbsp}-30{nbsp}000,00")
        self.assertEqual(lines["cycle_days"], "+1,0 jours")

    def test_salesperson_review_holds_no_team_volume_target(self):
        """The review of one salesperson compares their own pipeline with their
        own target (a salesperson's target kept from earlier versions), else
        with none: the whole team's pipeline target is not theirs. Rates and
        averages keep the team's targets."""
        self._review()
        Review = self.env["crm.pipeline.review"].with_user(self.salesman)
        mine = Review.create({"date": "2026-03-05", "team_ids": [(6, 0, self.team.ids)]})
        self.assertEqual(mine.scope_user_id, self.salesman)
        lines = {line.kpi_id.code: line for line in mine.line_ids}
        pipeline = lines["pipeline_value"]
        self.assertEqual(
            (pipeline.target, pipeline.has_target, pipeline.gap, pipeline.gap_display),
            (0.0, False, 0.0, False),
        )
        self.assertEqual(pipeline.status, "no_target")
        self.assertEqual((lines["win_rate"].target, lines["win_rate"].has_target), (30.0, True))
        # A salesperson's own target (kept from an earlier version): theirs.
        own = self.env["crm.pipeline.target"].create(
            {"team_id": self.team.id, "month": "2026-04-01", "revenue_target": 2000}
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_pipeline_target SET user_id = %s, month = '2026-03-01' WHERE id = %s",
            (self.salesman.id, own.id),
        )
        self.env.invalidate_all()
        mine.action_refresh()
        lines = {line.kpi_id.code: line for line in mine.line_ids}
        self.assertEqual(
            (lines["pipeline_value"].target, lines["pipeline_value"].has_target), (6000.0, True)
        )
        # The team's review keeps the team's target.
        team_review = (
            self.env["crm.pipeline.review"]
            .with_user(self.manager)
            .create({"date": "2026-03-05", "team_ids": [(6, 0, self.team.ids)]})
        )
        line = team_review.line_ids.filtered(lambda line: line.kpi_id.code == "pipeline_value")
        self.assertEqual(line.target, 30000.0)

    def test_target_of_a_week_across_two_months(self):
        Target = self.env["crm.pipeline.target"]
        Target.create(
            {"team_id": self.team.id, "month": "2026-09-01", "conversion_rate_target": 20.0}
        )
        Target.create(
            {"team_id": self.team.id, "month": "2026-10-01", "conversion_rate_target": 34.0}
        )
        # Monday 28 September to Sunday 4 October: 3 days of September, 4 of October.
        values = Target._get_week_target_values(self.team, date(2026, 9, 28))
        self.assertAlmostEqual(values["conversion_rate"], 28.0, places=6)
        with freeze_time("2026-10-05"):
            review = self.env["crm.pipeline.review"].create(
                {"date": "2026-09-30", "team_ids": [(6, 0, self.team.ids)]}
            )
        line = review.line_ids.filtered(lambda line: line.kpi_id.code == "conversion_rate")
        self.assertEqual((line.target, line.target_display), (28.0, "28.0 %"))

    def test_review_computed_when_opened_from_the_menu(self):
        Review = self.env["crm.pipeline.review"].with_user(self.manager)
        action = Review.action_open_current_week()
        review = Review.browse(action["res_id"])
        self.assertEqual(action["res_model"], "crm.pipeline.review")
        self.assertEqual(review.date, date.today())
        self.assertEqual(len(review.line_ids), 7 * len(review.team_ids))
        self.assertTrue(review.line_ids.filtered("status"))
        menu = self.env.ref("crm_pipeline_pilot.crm_pipeline_review_menu")
        self.assertEqual(
            menu.action, self.env.ref("crm_pipeline_pilot.crm_pipeline_review_action_open")
        )
