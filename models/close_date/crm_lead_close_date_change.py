# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class CrmLeadCloseDateChange(models.Model):
    """The ledger of the expected closing dates: one row per change of the
    expected closing date (``date_deadline``) of an opportunity.

    Rows are inserted by ``crm.lead`` itself on every write that changes the
    date (one statement for all the leads of the write); creating an
    opportunity is not a change. Users only read them.
    """

    _name = "crm.lead.close.date.change"
    _description = "Expected Closing Date Change"
    _order = "date_changed desc, id desc"
    _rec_name = "lead_id"

    lead_id = fields.Many2one(
        "crm.lead", string="Opportunity", required=True, ondelete="cascade", index=True
    )
    date_old = fields.Date(string="Previous Expected Closing")
    date_new = fields.Date(string="New Expected Closing")
    pushed = fields.Boolean(
        index=True,
        help="The expected closing date was moved later (or removed).",
    )
    days_moved = fields.Integer(
        aggregator="avg",
        help="New date minus previous date, in days (empty when one of them is empty).",
    )
    slip_reason_id = fields.Many2one("crm.slip.reason", ondelete="restrict", index=True)
    date_changed = fields.Datetime(string="Changed On", required=True, index=True)
    changed_by_id = fields.Many2one("res.users", index=True)
    user_id = fields.Many2one("res.users", string="Salesperson", index=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", index=True)
    company_id = fields.Many2one("res.company", index=True)
