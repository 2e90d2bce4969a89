# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class CrmPipelineReview(models.Model):
    """Next best action in the weekly review: each salesperson's open deals
    whose next action is missing (no dated next action) or overdue."""

    _inherit = "crm.pipeline.review"

    next_action_lead_ids = fields.Many2many(
        "crm.lead",
        string="Deals Without a Next Action on Time",
        compute="_compute_next_action_lead_ids",
        help="Open opportunities of the teams of the review without a dated next "
        "action, or whose next action is overdue, by salesperson.",
    )

    @api.depends("team_ids")
    def _compute_next_action_lead_ids(self):
        Lead = self.env["crm.lead"]
        for review in self:
            if not review.team_ids:
                review.next_action_lead_ids = False
                continue
            # Within the user's visibility (record rules of the leads).
            review.next_action_lead_ids = Lead.search(
                [
                    ("type", "=", "opportunity"),
                    ("team_id", "in", review.team_ids.ids),
                    ("stage_id.is_won", "=", False),
                    ("next_action_status", "in", ("missing", "overdue")),
                ],
                order="user_id, date_deadline, id",
                limit=1000,
            )
