# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A submission's month as a reader says it ("décembre 2026"), not as the
first day of the month (01/12/2026)."""

from odoo import api, fields, models
from odoo.tools.misc import format_date


class CrmForecastSubmission(models.Model):
    _inherit = "crm.forecast.submission"

    month_label = fields.Char(
        string="Month Name",
        compute="_compute_month_label",
        help="The month forecast, in the reader's language.",
    )

    @api.depends("month")
    @api.depends_context("lang")
    def _compute_month_label(self):
        for submission in self:
            submission.month_label = (
                format_date(self.env, submission.month, date_format="MMMM y")
                if submission.month
                else False
            )
