# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..trust.base import PERCENT_BOUNDS


class ResCompany(models.Model):
    _inherit = "res.company"

    pilot_min_margin_rate = fields.Float(
        pilot_bounds=PERCENT_BOUNDS,
        string="Default Minimum Margin Rate (%)",
        default=30.0,
        help="Minimum margin rate given to new sales teams: opportunities "
        "below their team's minimum are flagged as low-margin.",
    )

    @api.constrains("pilot_min_margin_rate")
    def _check_pilot_min_margin_rate(self):
        for company in self:
            if not 0 <= company.pilot_min_margin_rate <= 100:
                raise ValidationError(
                    self.env._(
                        "The default minimum margin rate of %(company)s must be "
                        "between 0 and 100 %%.",
                        company=company.display_name,
                    )
                )
