# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Opportunities next to OCA's crm_stage_probability.

On a stage change, that add-on writes the stage's probability (its own field
``crm.stage.probability``) with the move when the stage has ``on_change``.
For the teams whose probabilities come from stages in this add-on (fixed or
adjustable, ``pilot_probability_mode``), this add-on's stage probability
(``pilot_probability``) applies instead: the value crm_stage_probability
adds is not taken as a manual edit (which the team's mode could refuse) but
replaced by the stage's own. Other teams get crm_stage_probability's value,
as without this add-on."""

from odoo import models
from odoo.tools import float_compare


class CrmLead(models.Model):
    _inherit = "crm.lead"

    def _pilot_check_and_select_stage_probability(self, vals):
        stage_fields = self.env["crm.stage"]._fields
        if (
            "on_change" in stage_fields
            and "probability" in vals
            and vals.get("stage_id")
            and self
            and self._pilot_stage_mode_leads() == self
        ):
            stage = self.env["crm.stage"].browse(vals["stage_id"])
            if stage.on_change and not float_compare(
                vals["probability"], stage.probability, precision_digits=2
            ):
                # Removed from the write itself: the stage's own probability
                # is written after it.
                del vals["probability"]
        return super()._pilot_check_and_select_stage_probability(vals)
