from odoo import api, fields, models
from odoo.exceptions import ValidationError

PROBABILITY_MODE_SELECTION = [
    ("automatic", "Automatic (predictive lead scoring)"),
    ("fixed", "Fixed by stage"),
    ("adjustable", "Stage default, adjustable"),
]
# Sales team modes in which the probability of a lead comes from its stage.
STAGE_PROBABILITY_MODES = ("fixed", "adjustable")


class CrmTeam(models.Model):
    _inherit = "crm.team"

    pilot_min_margin_rate = fields.Float(
        string="Minimum Margin Rate (%)",
        default=30.0,
        help="Opportunities of this team whose estimated margin rate is below "
        "this value are flagged as low-margin.",
    )
    probability_mode = fields.Selection(
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
    probability_band = fields.Float(
        string="Probability Band (points)",
        default=15.0,
        digits=(16, 2),
        help="In the adjustable mode, how many points above or below the stage's "
        "probability a salesperson may set.",
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

    @api.constrains("probability_band")
    def _check_probability_band(self):
        for team in self:
            if not 0 <= team.probability_band <= 100:
                raise ValidationError(
                    self.env._(
                        "The probability band of the sales team %(team)s must be "
                        "between 0 and 100 points.",
                        team=team.display_name,
                    )
                )
