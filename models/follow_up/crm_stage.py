# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Follow-ups on inactive deals: the stagnation delay of a stage."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..trust.base import POSITIVE_DAYS_BOUNDS
from .limits import MAX_DELAY_DAYS


class CrmStage(models.Model):
    _inherit = "crm.stage"

    stagnation_days = fields.Integer(
        pilot_bounds=POSITIVE_DAYS_BOUNDS,
        string="Stagnation (days)",
        default=lambda self: self.env.company.pilot_stagnation_days or 7,
        help="An open opportunity of this stage without interaction for at "
        "least this many days is stagnant: its card is marked in the pipeline "
        'and the "Stagnant" filter lists it.',
    )

    @api.constrains("stagnation_days")
    def _check_stagnation_days(self):
        for stage in self:
            if stage.stagnation_days < 1:
                raise ValidationError(
                    self.env._(
                        "The stagnation delay of the stage %(stage)s must be at least one day.",
                        stage=stage.display_name,
                    )
                )
            if stage.stagnation_days > MAX_DELAY_DAYS:
                raise ValidationError(
                    self.env._(
                        "The stagnation delay of the stage %(stage)s cannot exceed %(max)s days.",
                        stage=stage.display_name,
                        max=MAX_DELAY_DAYS,
                    )
                )
