# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Stage probabilities: the probability a stage gives to the opportunities
of teams whose probabilities come from stages."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression

from ..trust.base import PERCENT_BOUNDS
from .crm_team import STAGE_PROBABILITY_MODES


class CrmStage(models.Model):
    _inherit = "crm.stage"

    pilot_probability = fields.Float(
        pilot_bounds=PERCENT_BOUNDS,
        string="Probability (%)",
        default=10.0,
        digits=(16, 2),
        help="Probability of winning an opportunity in this stage. Sales teams "
        "whose probabilities come from stages give it to their opportunities "
        "when they enter the stage; won stages always give 100 %.",
    )
    pilot_probability_outdated_count = fields.Integer(
        string="Opportunities With Another Probability",
        compute="_compute_pilot_probability_outdated_count",
        help="Open opportunities in this stage, in sales teams whose probabilities "
        "come from stages, whose probability differs from the stage's.",
    )

    @api.constrains("pilot_probability")
    def _check_pilot_probability(self):
        for stage in self:
            if not 0 <= stage.pilot_probability <= 100:
                raise ValidationError(
                    self.env._(
                        "The probability of the stage %(stage)s must be between 0 and 100 %%.",
                        stage=stage.display_name,
                    )
                )

    def _pilot_probability_outdated_domain(self):
        """Open opportunities of this stage, in teams using stage probabilities,
        whose probability differs from the stage's: the leads that re-applying
        the stage's probability changes."""
        self.ensure_one()
        return [
            ("stage_id", "=", self._origin.id),
            ("stage_id.is_won", "=", False),
            ("type", "=", "opportunity"),
            ("active", "=", True),
            ("team_id.pilot_probability_mode", "in", STAGE_PROBABILITY_MODES),
            ("probability", "!=", self.pilot_probability),
        ]

    @api.depends("pilot_probability", "is_won")
    def _compute_pilot_probability_outdated_count(self):
        stages = self.filtered(lambda stage: stage._origin.id and not stage.is_won)
        counts = {}
        if stages:
            domain = expression.OR(stage._pilot_probability_outdated_domain() for stage in stages)
            counts = {
                stage.id: count
                for stage, count in self.env["crm.lead"]._read_group(
                    domain, groupby=["stage_id"], aggregates=["__count"]
                )
            }
        for stage in self:
            stage.pilot_probability_outdated_count = counts.get(stage._origin.id, 0)

    def action_open_probability_apply(self):
        """Offer to re-apply this stage's probability to its open opportunities."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Re-apply the Stage Probability"),
            "res_model": "crm.stage.probability.apply",
            "view_mode": "form",
            "target": "new",
            "context": {"default_stage_id": self.id},
        }
