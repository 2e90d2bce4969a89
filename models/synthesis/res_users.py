# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

# How many hours before a meeting its synthesis can be sent: 0 (none) to a
# week.
SYNTHESIS_HOURS_BOUNDS = (0, 168)
DEFAULT_SYNTHESIS_HOURS = 18


class ResUsers(models.Model):
    _inherit = "res.users"

    pilot_synthesis_hours = fields.Integer(
        string="Meeting Synthesis (hours before)",
        default=DEFAULT_SYNTHESIS_HOURS,
        pilot_bounds=SYNTHESIS_HOURS_BOUNDS,
        help="How many hours before a meeting linked to an opportunity you "
        "organise its synthesis reaches your inbox (18: the evening before a "
        "morning meeting); 0: no synthesis.",
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return [*super().SELF_READABLE_FIELDS, "pilot_synthesis_hours"]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return [*super().SELF_WRITEABLE_FIELDS, "pilot_synthesis_hours"]
