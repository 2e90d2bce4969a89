# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The XLSX export of the weekly review writes what users typed as text:
never a formula, and sheet names valid and distinct for any team names."""

import base64
import io
import re
import zipfile

import openpyxl

from odoo.tests import tagged

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
        line.sudo().write({"action": "-2+3", "off_target": True, "has_value": True})
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
            ],
        )
        # The titles name the teams as they are.
        self.assertEqual(
            [sheet["A1"].value for sheet in book.worksheets],
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
        self.assertEqual(len(sheets), len(self.teams))
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
        self.assertEqual((kpi_row[4].value, kpi_row[4].data_type), ("-2+3", "s"))
        # Figures are numbers; a missing one is an empty cell.
        for row in rows.values():
            for cell in row[1:4]:
                self.assertEqual(cell.data_type, "n")
                self.assertTrue(cell.value is None or isinstance(cell.value, int | float))
        self.assertEqual(
            [cell.value for cell in sheet[3]][:5],
            ["KPI", "Current", "Target", "Gap", "Action when off target"],
        )
        # Every text of every sheet is a string cell.
        for sheet in book.worksheets:
            cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
            texts = [cell for cell in cells if isinstance(cell.value, str)]
            self.assertTrue(all(cell.data_type == "s" for cell in texts))
            self.assertIn("+SUM(A1:A2)", [cell.value for cell in texts])

    def test_sheet_name_terminates(self):
        used = set()
        names = [sheet_name("Sales", used) for _index in range(50)]
        self.assertEqual(len({name.lower() for name in names}), 50)
        self.assertEqual(names[:3], ["Sales", "Sales (2)", "Sales (3)"])
        self.assertEqual(sheet_name("x" * 40, used), "x" * 31)
        self.assertEqual(sheet_name("x" * 40, used), "x" * 27 + " (2)")
        self.assertEqual(sheet_name("", used, fallback="Team"), "Team")
        self.assertEqual(sheet_name("'''", used, fallback="Team"), "Team (2)")
