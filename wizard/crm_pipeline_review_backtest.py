# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Forecast back-test in the weekly review: the forecast method recommended
for each team of the review by its latest back-test."""

from odoo import api, fields, models


class CrmPipelineReview(models.TransientModel):
    _inherit = "crm.pipeline.review"

    backtest_recommendation_ids = fields.Many2many(
        "crm.forecast.backtest.result",
        string="Recommended Forecast Methods",
        compute="_compute_backtest_recommendation_ids",
        help="For each team of the review, the forecast method with the lowest error "
        "in its latest back-test.",
    )

    @api.depends("team_ids")
    def _compute_backtest_recommendation_ids(self):
        Result = self.env["crm.forecast.backtest.result"]
        for review in self:
            latest = review.team_ids._pilot_recommended_results()
            # Within the user's visibility (record rules of the results).
            review.backtest_recommendation_ids = Result.search(
                [("id", "in", [result.id for result in latest.values()])]
            )
