# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Stage history: proposal stages, whose reach the conversion rate counts."""

from odoo import fields, models


class CrmStage(models.Model):
    _inherit = "crm.stage"

    is_proposal_stage = fields.Boolean(
        string="Proposal Stage",
        help="Proposal stage (quote sent): an opportunity that reached this stage "
        "received a proposal; used by the conversion rate.",
    )

    def write(self, vals):
        result = super().write(vals)
        # The conversion rate counts the leads that reached a proposal stage.
        if "is_proposal_stage" in vals:
            self.env["crm.lead"]._pilot_recompute_reached_proposal()
        return result
