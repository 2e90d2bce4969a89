# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Demo data: the weekly forecast submissions of the demo teams' salespeople
over the weeks of the history (see crm_lead.py)."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

from ..forecast_category.crm_forecast_submission import month_start, week_start
from .crm_lead import SNAPSHOT_WEEKS

# What the salespeople commit each week: the revenue already won in the
# month, and this share of what is still to be won in it (the deals created
# and won within the month are not in sight yet: they under-commit early).
COMMIT_SHARE_OF_REST = 0.5
# The best case on top of the commit.
BEST_CASE_SHARE = 0.25


class CrmForecastSubmission(models.Model):
    _inherit = "crm.forecast.submission"

    @api.model
    def _pilot_demo_submissions(self):
        """A submission every week of the twelve weeks of history and this
        week for each salesperson of each demo team (the users with deals in
        the team; the closed deals go back six months), stored as the
        application stores it (users can only submit for the current week:
        superuser, as the demo), each committing what they had won so far in
        the month and a share of the rest (COMMIT_SHARE_OF_REST). Weeks
        already submitted are left as they are."""
        Lead = self.env["crm.lead"]
        teams = Lead._pilot_demo_teams()
        if not teams:
            return self.browse()
        today = fields.Date.context_today(self)
        this_week = week_start(today)
        first_week = this_week - timedelta(weeks=SNAPSHOT_WEEKS)
        Submission = self.sudo()
        existing = {
            (s.user_id.id, s.team_id.id, s.month, s.week)
            for s in Submission.search([("team_id", "in", teams.ids), ("week", ">=", first_week)])
        }
        vals_list = []
        for team in teams:
            salespeople = (
                Lead.with_context(active_test=False)
                .search([("team_id", "=", team.id), ("type", "=", "opportunity")])
                .user_id.sorted("id")
            )
            for user in salespeople:
                won_by_month = {}
                for back in range(SNAPSHOT_WEEKS, -1, -1):
                    week = this_week - timedelta(weeks=back)
                    # A week that starts in the previous month is that month's.
                    month = month_start(week)
                    if (user.id, team.id, month, week) in existing:
                        continue
                    company = team.company_id or self.env.company
                    if month not in won_by_month:
                        won_by_month[month] = Submission._pilot_won_revenue(
                            user, company, month, month + relativedelta(months=1), team=team
                        )
                    closed = Submission._pilot_won_revenue(user, company, month, week, team=team)
                    rest = max(won_by_month[month] - closed, 0.0)
                    commit = round(closed + rest * COMMIT_SHARE_OF_REST, -2)
                    vals_list.append(
                        {
                            "user_id": user.id,
                            "team_id": team.id,
                            "month": month,
                            "week": week,
                            "commit_amount": commit,
                            "best_case_amount": round(commit * (1 + BEST_CASE_SHARE), -2),
                            "state": "submitted",
                        }
                    )
        submissions = Submission.create(vals_list)
        submissions._pilot_update_actuals(today)
        return submissions
