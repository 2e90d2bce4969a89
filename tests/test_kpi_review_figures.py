# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Without a bridge add-on, the weekly review shows its KPIs only: no other
figure on the screen nor in the XLSX export (the sales margins bridge adds
the margin erosion of the won deals, see crm.pipeline.review._pilot_review_figures)."""

import base64
import io

import openpyxl

from odoo.tests import tagged

from .common import PilotCommon


@tagged("post_install", "-at_install")
class TestReviewFiguresWithoutBridge(PilotCommon):
    def test_no_margin_erosion_without_the_sales_margins(self):
        Review = self.env["crm.pipeline.review"]
        self.assertNotIn("margin_erosion_row_ids", Review._fields)
        self.assertNotIn("margin_erosion", self.env["crm.lead"]._fields)
        review = Review.create({"date": "2026-03-05", "team_ids": [(6, 0, self.team.ids)]})
        self.assertEqual(review._pilot_review_figures(), {})
        review.action_export_xlsx()
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(review.xlsx_file)))
        first_column = [row[0].value for row in book[self.team.name].iter_rows(max_col=1)]
        self.assertNotIn("Figure", first_column)
        # The KPI table and nothing under it
        self.assertEqual(len([value for value in first_column[3:] if value]), len(review.line_ids))
        self.assertEqual(len(review.line_ids), 7)
