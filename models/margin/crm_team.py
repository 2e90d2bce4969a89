# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Estimated margin: the minimum margin rate of a sales team."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..trust.base import PERCENT_BOUNDS


class CrmTeam(models.Model):
    _inherit = "crm.team"

    pilot_min_margin_rate = fields.Float(
        pilot_bounds=PERCENT_BOUNDS,
        string="Minimum Margin Rate (%)",
        default=30.0,
        help="Opportunities of this team whose estimated margin rate is below "
        "this value are flagged as low-margin.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        # New teams start from their company's default minimum margin rate.
        for vals in vals_list:
            if "pilot_min_margin_rate" not in vals:
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals["pilot_min_margin_rate"] = company.pilot_min_margin_rate
        return super().create(vals_list)

    @api.constrains("pilot_min_margin_rate")
    def _check_pilot_min_margin_rate(self):
        for team in self:
            if not 0 <= team.pilot_min_margin_rate <= 100:
                raise ValidationError(
                    self.env._(
                        "The minimum margin rate of the sales team %(team)s must be "
                        "between 0 and 100 %%.",
                        team=team.display_name,
                    )
                )
