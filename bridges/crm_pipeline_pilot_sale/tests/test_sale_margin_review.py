# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The margin erosion of the week's won deals in the weekly review and its
XLSX export: the estimate at proposal against the confirmed orders (the
quotation sent while nothing is ordered), where both are known."""

import base64
import io

import openpyxl

from odoo import fields
from odoo.tests import tagged

from .test_sale_margin import TestSaleMarginCommon

LABELS = [
    "Margin Erosion of the Won Deals",
    "Their Estimated Margin at Proposal",
    "Their Real Margin",
    "Won Deals with a Known Erosion",
]


@tagged("post_install", "-at_install")
class TestSaleMarginReview(TestSaleMarginCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.won_stage = cls.env["crm.stage"].create(
            {"name": "Review Won", "sequence": 95, "is_won": True}
        )

    def _deal(self, name, revenue, cost, lines, state="sale"):
        lead = self._opportunity(
            name, expected_revenue=revenue, estimated_cost=cost, partner_id=self.partner.id
        )
        self._order(lines, lead=lead, state=state)
        return lead

    def test_erosion_of_the_week_won_deals(self):
        # Won this week: ordered 2,000 against 3,500 estimated; quoted 2,400
        # (nothing ordered) against 3,000.
        self._order([(10000.0, 8000.0)], state="sale")
        quoted = self._deal("Review quoted", 6000.0, 3000.0, [(6000.0, 3600.0)], state="sent")
        # Won this week, erosion unknown (a line without a cost): not counted
        blind = self._deal("Review blind", 4000.0, 2000.0, [(4000.0, 0.0)])
        # Eroded but open: not counted
        self._deal("Review open", 5000.0, 2000.0, [(5000.0, 4000.0)])
        # Won two weeks ago: not counted
        old = self._deal("Review old", 5000.0, 2000.0, [(5000.0, 4000.0)])
        (self.lead | quoted | blind | old).write({"stage_id": self.won_stage.id})
        old.date_closed = fields.Datetime.subtract(fields.Datetime.now(), days=14)
        self.env.flush_all()
        review = self.env["crm.pipeline.review"].create(
            {"date": fields.Date.context_today(self.lead), "team_ids": [(6, 0, self.team.ids)]}
        )
        self.assertEqual(
            review._pilot_review_figures(),
            {
                self.team.id: [
                    ("Margin Erosion of the Won Deals", 1500.0 + 600.0, "currency"),
                    ("Their Estimated Margin at Proposal", 3500.0 + 3000.0, "currency"),
                    ("Their Real Margin", 2000.0 + 2400.0, "currency"),
                    ("Won Deals with a Known Erosion", 2, "count"),
                ]
            },
        )
        self.assertEqual(review.margin_erosion_row_ids.lead_id, self.lead | quoted)
        # The salesperson's own review: within their visibility (all theirs).
        review.action_export_xlsx()
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(review.xlsx_file)))
        sheet = book[self.team.name]
        rows = [
            (row[0].value, row[1].value)
            for row in sheet.iter_rows(min_col=1, max_col=2)
            if row[0].value in ("Figure", *LABELS)
        ]
        self.assertEqual(
            rows,
            [
                ("Figure", "Current"),
                (LABELS[0], 2100.0),
                (LABELS[1], 6500.0),
                (LABELS[2], 4400.0),
                (LABELS[3], 2),
            ],
        )

    def test_week_without_won_deal_shows_no_value(self):
        review = self.env["crm.pipeline.review"].create(
            {"date": "2001-01-03", "team_ids": [(6, 0, self.team.ids)]}
        )
        self.assertEqual(
            review._pilot_review_figures()[self.team.id],
            [
                (LABELS[0], None, "currency"),
                (LABELS[1], None, "currency"),
                (LABELS[2], None, "currency"),
                (LABELS[3], 0, "count"),
            ],
        )
        self.assertFalse(review.margin_erosion_row_ids)
        review.action_export_xlsx()
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(review.xlsx_file)))
        values = {
            row[0].value: row[1].value
            for row in book[self.team.name].iter_rows(min_col=1, max_col=2)
            if row[0].value in LABELS
        }
        self.assertEqual(values, {LABELS[0]: None, LABELS[1]: None, LABELS[2]: None, LABELS[3]: 0})
