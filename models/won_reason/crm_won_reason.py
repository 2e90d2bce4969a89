# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from ..trust.base import SEQUENCE_BOUNDS


class CrmWonReason(models.Model):
    _name = "crm.won.reason"
    _description = "Opp. Won Reason"
    _order = "sequence, name, id"

    name = fields.Char(string="Description", required=True, translate=True)
    sequence = fields.Integer(default=10, pilot_bounds=SEQUENCE_BOUNDS)
    active = fields.Boolean(default=True)
