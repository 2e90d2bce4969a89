# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..trust.base import PUSH_COUNT_BOUNDS


class ResCompany(models.Model):
    _inherit = "res.company"

    pilot_push_alert_count = fields.Integer(
        pilot_bounds=PUSH_COUNT_BOUNDS,
        string="Pushed Deals Alert",
        default=3,
        help="Opportunities whose expected closing date was pushed at least this "
        "many times are flagged on the pipeline cards and in the filters.",
    )

    @api.constrains("pilot_push_alert_count")
    def _check_pilot_push_alert_count(self):
        for company in self:
            if company.pilot_push_alert_count < 1:
                raise ValidationError(
                    self.env._(
                        "The number of pushes that flags an opportunity of %(company)s "
                        "must be at least 1.",
                        company=company.display_name,
                    )
                )
