# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class CrmLeadFollowUpLog(models.Model):
    """One row per follow-up step done on an opportunity in an inactivity cycle.

    An inactivity cycle is identified by the opportunity's last interaction
    date: a new interaction starts a new cycle, in which every step may run
    again. The unique constraint is what makes follow-up runs idempotent and
    safe with several cron workers: a run claims its leads with
    ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` before creating any
    activity, so a lead claimed by another run (even not yet committed) is
    skipped.
    """

    _name = "crm.lead.follow.up.log"
    _description = "Follow-up Step Done on an Opportunity"
    _order = "id desc"
    _rec_name = "lead_id"

    lead_id = fields.Many2one(
        "crm.lead", string="Opportunity", required=True, ondelete="cascade", index=True
    )
    automation_id = fields.Many2one(
        "base.automation", string="Follow-up Step", required=True, ondelete="cascade"
    )
    interaction_date = fields.Datetime(
        string="Last Interaction",
        required=True,
        help="Last interaction date of the opportunity when the step ran: it "
        "identifies the inactivity cycle.",
    )

    _sql_constraints = [
        (
            "lead_step_cycle_uniq",
            "UNIQUE(lead_id, automation_id, interaction_date)",
            "A follow-up step runs only once per opportunity and inactivity cycle.",
        ),
    ]
