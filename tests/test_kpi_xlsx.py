# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The XLSX export of the weekly review writes what users typed as text:
never a formula, and sheet names valid and distinct for any team names."""

import base64
import io
import re
import zipfile

import openpyxl
from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import format_date

from ..models.crm_lead import TRUSTED
from ..report.crm_pipeline_review_xlsx import sheet_name
from .common import PilotCommon

FORMULA = '=HYPERLINK("http://x")'
LONG_NAME = "Northern Europe Enterprise Accounts"  # 35 characters
LONG_NAME_40 = LONG_NAME + " Team"  # 40 characters


@tagged("post_install", "-at_install")
class TestKpiXlsx(PilotCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Team = cls.env["crm.team"]
        names = [FORMULA, "Sales", "SALES", "A/B:C*?[x]'", LONG_NAME_40, "History", "'[]'"]
        cls.teams = Team.browse()
        for sequence, name in enumerate(names, start=1):
            cls.teams |= Team.create({"name": name, "sequence": -100 + sequence})
        kpi = cls.env.ref("crm_pipeline_pilot.crm_pipeline_kpi_win_rate")
        kpi.write({"name": "+SUM(A1:A2)", "action": "@cmd|' /C calc'!A0"})
        cls.kpi = kpi

    def _export(self):
        review = self.env["crm.pipeline.review"].create(
            {"date": "2026-03-05", "team_ids": [(6, 0, self.teams.ids)]}
        )
        # An off-target line, so that the action (user text) is written.
        line = review.line_ids.filtered(
            lambda line: line.team_id == self.teams[0] and line.kpi_id == self.kpi
        )
        self.kpi.action = "-2+3"
        line.sudo().write({"off_target": True, "has_value": True})
        review.action_export_xlsx()
        return review, base64.b64decode(review.xlsx_file)

    def test_sheet_names_valid_and_distinct(self):
        self.assertEqual(len(LONG_NAME_40), 40)
        _review, content = self._export()
        book = openpyxl.load_workbook(io.BytesIO(content))
        self.assertEqual(
            book.sheetnames,
            [
                '=HYPERLINK("http x")',
                "Sales",
                "SALES (2)",
                "A B C x",
                "Northern Europe Enterprise Acco",
                "History (2)",
                "Team",
                "Forecast",
            ],
        )
        # The titles name the teams as they are.
        self.assertEqual(
            [sheet["A1"].value for sheet in book.worksheets[:-1]],
            [f"Weekly review {team.name}, 03/02/2026 to 03/08/2026" for team in self.teams],
        )
        lowered = [name.lower() for name in book.sheetnames]
        self.assertEqual(len(set(lowered)), len(lowered))
        for name in book.sheetnames:
            self.assertLessEqual(len(name), 31)
            self.assertFalse(re.search(r"[\[\]:*?/\\]", name))
            self.assertFalse(name.startswith("'") or name.endswith("'"))

    def test_texts_are_strings_never_formulas(self):
        _review, content = self._export()
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            sheets = [
                archive.read(name).decode()
                for name in archive.namelist()
                if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name)
            ]
        self.assertEqual(len(sheets), len(self.teams) + 1)  # and the forecast
        for xml in sheets:
            self.assertNotIn("<f>", xml)
            self.assertNotIn("<f ", xml)
        book = openpyxl.load_workbook(io.BytesIO(content))
        sheet = book.worksheets[0]
        self.assertEqual(sheet["A1"].data_type, "s")
        self.assertEqual(
            sheet["A1"].value,
            f"Weekly review {FORMULA}, 03/02/2026 to 03/08/2026",
        )
        rows = {row[0].value: row for row in sheet.iter_rows(min_row=4)}
        kpi_row = rows["+SUM(A1:A2)"]
        self.assertEqual(kpi_row[0].data_type, "s")
        self.assertEqual((kpi_row[6].value, kpi_row[6].data_type), ("-2+3", "s"))
        # Figures are numbers; a missing one is an empty cell.
        for row in rows.values():
            for cell in row[1:4]:
                self.assertEqual(cell.data_type, "n")
                self.assertTrue(cell.value is None or isinstance(cell.value, int | float))
        self.assertEqual(
            [cell.value for cell in sheet[3]],
            ["KPI", "Current", "Target", "Gap", "Status", "Trend", "Action when off target"],
        )
        # Every text of every sheet is a string cell.
        for sheet in book.worksheets:
            cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
            texts = [cell for cell in cells if isinstance(cell.value, str)]
            self.assertTrue(all(cell.data_type == "s" for cell in texts))
            if sheet.title != "Forecast":
                self.assertIn("+SUM(A1:A2)", [cell.value for cell in texts])
        # The forecast names the teams as they are, as text.
        forecast = book["Forecast"]
        self.assertEqual(forecast["A4"].value, FORMULA)
        self.assertEqual(forecast["A4"].data_type, "s")

    def test_sheet_name_terminates(self):
        used = set()
        names = [sheet_name("Sales", used) for _index in range(50)]
        self.assertEqual(len({name.lower() for name in names}), 50)
        self.assertEqual(names[:3], ["Sales", "Sales (2)", "Sales (3)"])
        self.assertEqual(sheet_name("x" * 40, used), "x" * 31)
        self.assertEqual(sheet_name("x" * 40, used), "x" * 27 + " (2)")
        self.assertEqual(sheet_name("", used, fallback="Team"), "Team")
        self.assertEqual(sheet_name("'''", used, fallback="Team"), "Team (2)")


@tagged("post_install", "-at_install")
class TestKpiXlsxForecast(PilotCommon):
    """The forecast of the month by team in the XLSX export and the digest:
    a history built by hand where every figure is known.

    Company B (euros) has a stage "Forecast Proposal" where 1 deal of another
    team was won and 3 were lost: historical win rate 25 %. Team B's deals
    expected this month: 10,000 at 40 % in Commit, 6,000 at 20 % in Best
    case, 3,000 at 10 % in Pipeline, 50,000 Omitted; 7,000 in Commit next
    month; 5,000 won this month.
    - stage-probability projection: 4,000 + 1,200 + 300 = 5,500
    - history-based projection: (10,000 + 6,000 + 3,000) x 25 % = 4,750
    - Commit: 10,000 + 5,000 won = 15,000; Best case: 15,000 + 6,000 = 21,000
    Team A (company A, dollars): 2,500 at 50 % in Commit this month, no
    history: 1,250, 0, 2,500, 2,500.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company_a = env.company
        cls.company_a.currency_id = env.ref("base.USD")
        euro = env.ref("base.EUR")
        euro.active = True
        euro.write({"symbol": "€", "position": "after"})
        cls.company_b = env["res.company"].create(
            {"name": "Forecast Company B", "currency_id": euro.id}
        )
        env.user.company_ids |= cls.company_b
        cls.team_a = env["crm.team"].create(
            {"name": "Forecast Team A", "company_id": cls.company_a.id}
        )
        cls.team_b = env["crm.team"].create(
            {"name": "Forecast Team B", "company_id": cls.company_b.id}
        )
        team_history = env["crm.team"].create(
            {"name": "Forecast History", "company_id": cls.company_b.id}
        )
        Stage = env["crm.stage"]
        cls.stage = Stage.create({"name": "Forecast Proposal", "sequence": 950})
        other = Stage.create({"name": "Forecast Other", "sequence": 951})
        won = Stage.create({"name": "Forecast Won", "sequence": 952, "is_won": True})
        Lead = env["crm.lead"].sudo().with_context(pilot_skip_exit_criteria=TRUSTED)
        today = fields.Date.context_today(Lead)
        next_month = today.replace(day=1) + relativedelta(months=1)

        def deal(
            name, team, revenue, probability, category, deadline=today, stage=cls.stage, user=None
        ):
            return Lead.create(
                {
                    "name": name,
                    "type": "opportunity",
                    "team_id": team.id,
                    "company_id": team.company_id.id,
                    "user_id": user.id if user else False,
                    "stage_id": stage.id,
                    "expected_revenue": revenue,
                    "probability": probability,
                    "forecast_category": category,
                    "date_deadline": deadline,
                }
            )

        # A loss reason of the history's company: crm_lost_reason_multi_company ties
        # loss reasons to the company they are created in.
        reason_b = (
            env["crm.lost.reason"]
            .with_company(team_history.company_id)
            .create({"name": "Forecast lost (pilot)"})
        )
        for index in range(4):
            history = deal(f"Forecast history {index}", team_history, 1000, 50, "pipeline")
            if index == 0:
                history.stage_id = won
            else:
                history.action_set_lost(lost_reason_id=reason_b.id)
        deal("Forecast commit", cls.team_b, 10000, 40, "commit")
        deal("Forecast best", cls.team_b, 6000, 20, "best_case")
        deal("Forecast pipe", cls.team_b, 3000, 10, "pipeline")
        deal("Forecast omitted", cls.team_b, 50000, 90, "omitted")
        deal("Forecast later", cls.team_b, 7000, 90, "commit", deadline=next_month)
        deal("Forecast won", cls.team_b, 5000, 50, "pipeline", stage=other).stage_id = won
        deal("Forecast A", cls.team_a, 2500, 50, "commit", user=cls.manager)
        cls.today = today

    def test_month_forecast_figures(self):
        teams = self.team_a | self.team_b
        self.assertEqual(
            teams._pilot_month_forecast(self.today),
            {
                self.team_a.id: {
                    "weighted": 1250.0,
                    "projected": 0.0,
                    "commit": 2500.0,
                    "best_case": 2500.0,
                },
                self.team_b.id: {
                    "weighted": 5500.0,
                    "projected": 4750.0,
                    "commit": 15000.0,
                    "best_case": 21000.0,
                },
            },
        )

    def test_xlsx_forecast_sheet(self):
        review = (
            self.env["crm.pipeline.review"]
            .with_context(allowed_company_ids=[self.company_a.id, self.company_b.id])
            .create({"date": self.today, "team_ids": [(6, 0, (self.team_a | self.team_b).ids)]})
        )
        review.action_export_xlsx()
        content = base64.b64decode(review.xlsx_file)
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/"):
                    xml = archive.read(name).decode()
                    self.assertNotIn("<f>", xml)
                    self.assertNotIn("<f ", xml)
        book = openpyxl.load_workbook(io.BytesIO(content))
        self.assertEqual(book.sheetnames, ["Forecast Team A", "Forecast Team B", "Forecast"])
        sheet = book["Forecast"]
        month = format_date(self.env, self.today.replace(day=1), date_format="MMMM y")
        self.assertEqual(sheet["A1"].value, f"Forecast of {month} by team")
        self.assertEqual(
            [cell.value for cell in sheet[3]],
            [
                "Sales Team",
                "Stage-probability projection",
                "History-based projection",
                "Commit",
                "Best case",
            ],
        )
        dollars, euros = '"$" #,##0.00', '#,##0.00 "€"'
        self.assertEqual(
            [
                [(cell.value, cell.number_format) for cell in row]
                for row in sheet.iter_rows(min_row=4)
            ],
            [
                [
                    ("Forecast Team A", "General"),
                    (1250, dollars),
                    (0, dollars),
                    (2500, dollars),
                    (2500, dollars),
                ],
                [
                    ("Forecast Team B", "General"),
                    (5500, euros),
                    (4750, euros),
                    (15000, euros),
                    (21000, euros),
                ],
            ],
        )
        for row in sheet.iter_rows(min_row=4):
            self.assertEqual([cell.data_type for cell in row], ["s", "n", "n", "n", "n"])

    def test_digest_forecast_by_team(self):
        self.team_a.user_id = self.manager
        digest = self.env["digest.digest"].create(
            {"name": "Forecast digest", "company_id": self.company_a.id}
        )
        self.assertTrue(digest.pilot_forecast_by_team)
        forecast = digest._pilot_digest_forecast(self.manager, self.company_a)
        month = format_date(self.env, self.today.replace(day=1), date_format="MMMM y")
        self.assertEqual(forecast["title"], f"Forecast of {month} by team")
        self.assertEqual(
            forecast["labels"],
            ["Stage-probability projection", "History-based projection", "Commit", "Best case"],
        )
        rows = {row["team"]: row["values"] for row in forecast["rows"]}
        self.assertEqual(
            rows["Forecast Team A"],
            ["$\u00a01,250.00", "$\u00a00.00", "$\u00a02,500.00", "$\u00a02,500.00"],
        )
        self.assertNotIn("Forecast Team B", rows)  # another company
        # In the email, after the KPIs.
        digest._action_send_to_user(self.manager)
        mail = self.env["mail.mail"].search([("email_to", "ilike", self.manager.email)], limit=1)
        self.assertIn(f"Forecast of {month} by team", mail.body_html)
        self.assertIn("$\u00a01,250.00", mail.body_html)
        # A salesperson sees the figures of their own deals only (none here);
        # switched off, nothing.
        forecast = digest._pilot_digest_forecast(self.salesman, self.company_a)
        self.assertIsNone(forecast)
        digest.pilot_forecast_by_team = False
        self.assertIsNone(digest._pilot_digest_forecast(self.manager, self.company_a))
