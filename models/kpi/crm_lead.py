# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

# The index the KPIs add to Odoo's closing date (dropped by the uninstall hook).
DATE_CLOSED_INDEX = "crm_lead__date_closed_index"


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # The weekly review's KPIs read the opportunities closed in a week (and
    # the won ones of the last twelve months for the attrition) by their
    # closing date: indexed, on the closed opportunities only, so that a
    # review reads those rows instead of every opportunity of its teams.
    date_closed = fields.Datetime(index="btree_not_null")
