from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    pilot_min_margin_rate = fields.Float(
        string="Default Minimum Margin Rate (%)",
        default=30.0,
        help="Minimum margin rate given to new sales teams: opportunities "
        "below their team's minimum are flagged as low-margin.",
    )
    pilot_allow_lead_archive_without_reason = fields.Boolean(
        string="Archive Junk Leads Without Reason",
        default=True,
        help="When set, leads (not opportunities) may be archived as junk without a loss reason.",
    )
    pilot_stagnation_days = fields.Integer(
        string="Default Stagnation (days)",
        default=7,
        help="Stagnation delay given to new pipeline stages: an open "
        "opportunity without interaction for that long is stagnant.",
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
