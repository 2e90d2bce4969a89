# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""After the month: the revenue won against the forecast, and its accuracy."""

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import float_is_zero


def forecast_accuracy(submitted, won):
    """The accuracy of a forecast: 100 - |submitted - won| / won x 100,
    bounded at 0. With nothing won, a forecast of 0 is exact (100) and any
    other is wrong (0)."""
    if float_is_zero(won, precision_digits=2):
        return 100.0 if float_is_zero(submitted, precision_digits=2) else 0.0
    return max(0.0, 100.0 - abs(submitted - won) / abs(won) * 100.0)


class CrmForecastSubmission(models.Model):
    _inherit = "crm.forecast.submission"

    @api.depends("commit_amount", "won_amount", "month_closed")
    def _compute_accuracy(self):
        for submission in self:
            submission.accuracy = (
                forecast_accuracy(submission.commit_amount, submission.won_amount)
                if submission.month_closed
                else False
            )

    def _pilot_update_actuals(self, today=None):
        """Won revenue of each submission's month and, once the month is over,
        the final figures (won revenue and accuracy). One query for all the
        submissions of a month."""
        today = today or fields.Date.context_today(self)
        by_month = {}
        for submission in self.filtered(lambda s: not s.month_closed):
            by_month.setdefault(submission.month, self.browse())
            by_month[submission.month] |= submission
        Lead = self.env["crm.lead"].sudo()
        for month, submissions in by_month.items():
            date_to = month + relativedelta(months=1)
            won = {
                (user.id, team.id, company.id): amount
                for user, team, company, amount in Lead._read_group(
                    [
                        *self._pilot_won_domain(month, date_to),
                        ("user_id", "in", submissions.user_id.ids),
                        ("team_id", "in", submissions.team_id.ids),
                    ],
                    groupby=["user_id", "team_id", "company_id"],
                    aggregates=["expected_revenue:sum"],
                )
            }
            over = date_to <= today
            for submission in submissions:
                # A deal counts in its own team only.
                key = (submission.user_id.id, submission.team_id.id)
                amount = won.get((*key, submission.company_id.id), 0.0) + won.get(
                    (*key, False), 0.0
                )
                submission.sudo().write({"won_amount": amount, "month_closed": over})

    @api.model
    def _cron_forecast_actuals(self):
        """Daily: the won revenue of the submissions whose month is not final
        yet (the current month, and the months that just ended)."""
        today = fields.Date.context_today(self)
        self.search([("month_closed", "=", False), ("month", "<=", today)])._pilot_update_actuals(
            today
        )
