# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, time, timedelta

from odoo import api, fields, models


class CrmPipelineReview(models.Model):
    """Close-date discipline in the weekly review: the deals whose expected
    closing date was pushed during the week."""

    _inherit = "crm.pipeline.review"

    pushed_change_ids = fields.Many2many(
        "crm.lead.close.date.change",
        string="Deals Pushed This Week",
        compute="_compute_pushed_change_ids",
        help="Changes of the week that pushed an expected closing date later, "
        "for the teams of the review.",
    )

    @api.depends("week_start", "team_ids")
    def _compute_pushed_change_ids(self):
        Change = self.env["crm.lead.close.date.change"]
        for review in self:
            if not review.week_start or not review.team_ids:
                review.pushed_change_ids = False
                continue
            date_from = datetime.combine(review.week_start, time.min)
            # Within the user's visibility (record rules of the ledger).
            review.pushed_change_ids = Change.search(
                [
                    ("pushed", "=", True),
                    ("date_changed", ">=", date_from),
                    ("date_changed", "<", date_from + timedelta(days=7)),
                    ("team_id", "in", review.team_ids.ids),
                ]
            )
