# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from ..trust.base import SEQUENCE_BOUNDS


class CrmSlipReason(models.Model):
    """Why an opportunity's expected closing date is pushed out of the
    current month (close-date discipline)."""

    _name = "crm.slip.reason"
    _description = "Slip Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10, pilot_bounds=SEQUENCE_BOUNDS)
    active = fields.Boolean(default=True)
