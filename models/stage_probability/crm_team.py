# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Stage probabilities: the probability mode of a sales team."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..trust.base import PERCENT_BOUNDS

PROBABILITY_MODE_SELECTION = [
    ("automatic", "Automatic (predictive lead scoring)"),
    ("fixed", "Fixed by stage"),
    ("adjustable", "Stage default, adjustable"),
]
# Sales team modes in which the probability of a lead comes from its stage.
STAGE_PROBABILITY_MODES = ("fixed", "adjustable")


class CrmTeam(models.Model):
    _inherit = "crm.team"

    pilot_probability_mode = fields.Selection(
        PROBABILITY_MODE_SELECTION,
        string="Probabilities",
        default="automatic",
        required=True,
        help="Automatic: Odoo's predictive lead scoring computes the probability.\n"
        "Fixed by stage: an opportunity takes its stage's probability, salespeople "
        "cannot change it.\n"
        "Stage default, adjustable: an opportunity takes its stage's probability at "
        "each stage change, salespeople may adjust it within the probability band.",
    )
    pilot_probability_band = fields.Float(
        pilot_bounds=PERCENT_BOUNDS,
        string="Probability Band (points)",
        default=15.0,
        digits=(16, 2),
        help="In the adjustable mode, how many points above or below the stage's "
        "probability a salesperson may set.",
    )

    @api.constrains("pilot_probability_band")
    def _check_pilot_probability_band(self):
        for team in self:
            if not 0 <= team.pilot_probability_band <= 100:
                raise ValidationError(
                    self.env._(
                        "The probability band of the sales team %(team)s must be "
                        "between 0 and 100 points.",
                        team=team.display_name,
                    )
                )
