from odoo import fields, models


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
