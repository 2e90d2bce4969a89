# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import UserError


class CrmStageProbabilityApply(models.TransientModel):
    _name = "crm.stage.probability.apply"
    _description = "Re-apply a Stage Probability to Open Opportunities"

    stage_id = fields.Many2one("crm.stage", required=True, ondelete="cascade")
    probability = fields.Float(related="stage_id.pilot_probability")
    lead_count = fields.Integer(
        string="Opportunities to Update",
        compute="_compute_lead_count",
        help="Open opportunities of this stage, in sales teams using stage "
        "probabilities, whose probability differs from the stage's.",
    )

    @api.depends("stage_id", "stage_id.pilot_probability")
    def _compute_lead_count(self):
        for wizard in self:
            wizard.lead_count = (
                self.env["crm.lead"].search_count(
                    wizard.stage_id._pilot_probability_outdated_domain()
                )
                if wizard.stage_id
                else 0
            )

    def action_apply(self):
        """Give the stage's probability to the opportunities counted, in one write."""
        self.ensure_one()
        if self.stage_id.is_won:
            raise UserError(
                self.env._(
                    "Opportunities in the won stage %(stage)s always have a probability of 100 %%.",
                    stage=self.stage_id.display_name,
                )
            )
        leads = self.env["crm.lead"].search(self.stage_id._pilot_probability_outdated_domain())
        leads.write({"probability": self.stage_id.pilot_probability})
        return {"type": "ir.actions.act_window_close"}
