# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class CrmStageRecommendedPipeline(models.TransientModel):
    _name = "crm.stage.recommended.pipeline"
    _description = "Apply the Recommended Pipeline"

    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        help="Create the stages for this sales team only; leave empty for stages "
        "shared by all the teams.",
    )

    def action_apply(self):
        """Create or complete the five recommended stages and their exit
        criteria; never renames nor deletes an existing stage."""
        self.ensure_one()
        self.env["crm.stage"].action_apply_recommended_pipeline(team_id=self.team_id.id)
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_stage_action")
        action["domain"] = [("team_id", "in", [self.team_id.id, False])]
        return action
