# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..trust.base import COUNT_BOUNDS, LIFT_BOUNDS, MONTHS_BOUNDS


class ResCompany(models.Model):
    _inherit = "res.company"

    pilot_factor_months = fields.Integer(
        pilot_bounds=MONTHS_BOUNDS,
        string="Win Rates of Exit Criteria: Months of History",
        default=12,
        help="The win rates of the exit criteria are computed on the opportunities "
        "closed in this many last months.",
    )
    pilot_factor_min_sample = fields.Integer(
        pilot_bounds=COUNT_BOUNDS,
        string="Win Rates of Exit Criteria: Minimum Sample",
        default=10,
        help="Below this number of closed opportunities meeting a criterion, or not "
        "meeting it, nothing is claimed about the criterion.",
    )
    pilot_factor_min_lift = fields.Float(
        pilot_bounds=LIFT_BOUNDS,
        string="Win Rates of Exit Criteria: Minimum Lift (points)",
        default=10.0,
        help="A criterion predicts wins when the win rate of the opportunities meeting "
        "it is higher by at least this many percentage points; a smaller difference "
        "makes it paperwork.",
    )

    @api.constrains("pilot_factor_months", "pilot_factor_min_sample", "pilot_factor_min_lift")
    def _check_pilot_factor_settings(self):
        for company in self:
            if company.pilot_factor_months < 1 or company.pilot_factor_min_sample < 1:
                raise ValidationError(
                    self.env._(
                        "The months of history and the minimum sample of the win rates of "
                        "the exit criteria of %(company)s must be at least 1.",
                        company=company.display_name,
                    )
                )
            if not 0 < company.pilot_factor_min_lift <= 100:
                raise ValidationError(
                    self.env._(
                        "The minimum lift of the win rates of the exit criteria of "
                        "%(company)s must be more than 0 and at most 100 points.",
                        company=company.display_name,
                    )
                )
