# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..trust.base import POSITIVE_DAYS_BOUNDS
from .limits import MAX_DELAY_DAYS


class ResCompany(models.Model):
    _inherit = "res.company"

    pilot_stagnation_days = fields.Integer(
        pilot_bounds=POSITIVE_DAYS_BOUNDS,
        string="Default Stagnation (days)",
        default=7,
        help="Stagnation delay given to new pipeline stages: an open "
        "opportunity without interaction for that long is stagnant.",
    )

    @api.constrains("pilot_stagnation_days")
    def _check_pilot_stagnation_days(self):
        for company in self:
            if company.pilot_stagnation_days < 1:
                raise ValidationError(
                    self.env._(
                        "The default stagnation delay of %(company)s must be at least one day.",
                        company=company.display_name,
                    )
                )
            if company.pilot_stagnation_days > MAX_DELAY_DAYS:
                raise ValidationError(
                    self.env._(
                        "The default stagnation delay of %(company)s cannot exceed %(max)s days.",
                        company=company.display_name,
                        max=MAX_DELAY_DAYS,
                    )
                )
