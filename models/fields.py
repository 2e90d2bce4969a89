# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Field types shared by several capabilities."""

from odoo import fields


class NullableFloat(fields.Float):
    """A float that may have no value: stored as NULL and read as False (an
    empty cell in lists and forms), never as 0. An average over a grouping
    leaves out the records without a value instead of counting them as 0: a
    gap is not a zero."""

    def convert_to_cache(self, value, record, validate=True):
        if value is False or value is None:
            return None
        return super().convert_to_cache(value, record, validate=validate)

    def convert_to_record(self, value, record):
        if value is None:
            return False
        return super().convert_to_record(value, record)

    def convert_to_column(self, value, record, values=None, validate=True):
        if value is False or value is None:
            return None
        return super().convert_to_column(value, record, values=values, validate=validate)
