# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Demo data: the weekly reviews of the last weeks (see crm_lead.py)."""

from datetime import datetime, time, timedelta

from odoo import api, models

from ..crm_lead import TRUSTED


class CrmPipelineReview(models.Model):
    _inherit = "crm.pipeline.review"

    @api.model
    def _pilot_demo_reviews(self, teams, now, weeks):
        """The reviews the weekly scheduled action would have stored: one per
        demo team for each of the last ``weeks`` weeks, computed on the
        Monday after the week."""
        Review = self.sudo()
        this_week = self.env["crm.pipeline.snapshot"]._week_start(now.date())
        for back in range(weeks, 0, -1):
            week = this_week - timedelta(weeks=back)
            for team in teams:
                review = Review._pilot_get_or_create(week, team, self.env["res.users"])
                review.with_context(pilot_review_compute=TRUSTED).write(
                    {"computed_on": datetime.combine(week + timedelta(days=7), time(6, 0))}
                )
