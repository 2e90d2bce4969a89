# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Forecast categories in the weekly review: the latest forecast submission
of each salesperson of the reviewed teams, with its accuracy."""

from datetime import timedelta

from odoo import api, fields, models


class CrmPipelineReview(models.Model):
    _inherit = "crm.pipeline.review"

    forecast_submission_ids = fields.Many2many(
        "crm.forecast.submission",
        string="Forecast Submissions",
        compute="_compute_forecast_submission_ids",
        help="The latest forecast of each salesperson of the teams, submitted "
        "until the reviewed week (those the user may see).",
    )

    @api.depends("team_ids", "date")
    def _compute_forecast_submission_ids(self):
        Submission = self.env["crm.forecast.submission"]
        for review in self:
            if not review.team_ids or not review.week_start:
                review.forecast_submission_ids = Submission
                continue
            submissions = Submission.search(
                [
                    ("team_id", "in", review.team_ids.ids),
                    ("state", "=", "submitted"),
                    ("week", "<=", review.week_start),
                    # The latest of each salesperson: a quarter back is enough.
                    ("week", ">", review.week_start - timedelta(weeks=13)),
                ],
                order="week desc, id desc",
            )
            latest = {}
            for submission in submissions:
                latest.setdefault((submission.team_id, submission.user_id), submission)
            review.forecast_submission_ids = Submission.union(*latest.values())
