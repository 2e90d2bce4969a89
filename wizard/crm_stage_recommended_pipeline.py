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
        Stage = self.env["crm.stage"].with_context(active_test=False)
        Criterion = self.env["crm.stage.exit.criterion"].with_context(active_test=False)
        last_stage_id = Stage.search([], order="id desc", limit=1).id or 0
        criteria_before = Criterion.search_count([])
        stages = self.env["crm.stage"].action_apply_recommended_pipeline(team_id=self.team_id.id)
        created = len(stages.filtered(lambda stage: stage.id > last_stage_id))
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_stage_action")
        action["domain"] = [("id", "in", stages.ids)]
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Recommended pipeline applied"),
                "message": self.env._(
                    "%(stages)s stages created, %(kept)s existing stages kept, "
                    "%(criteria)s exit criteria added.",
                    stages=created,
                    kept=len(stages) - created,
                    criteria=Criterion.search_count([]) - criteria_before,
                ),
                "next": action,
            },
        }
