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
as without this add-on, also when one write moves deals of both kinds of
teams (a mass stage change): the value is then removed from the write and
given after it to the deals of the other teams, each deal of a stage team
getting this add-on's. A write that also changes the team goes by the team
the deals join."""

from odoo import models
from odoo.tools import float_compare

from ..stage_probability.crm_team import STAGE_PROBABILITY_MODES


class CrmLead(models.Model):
    _inherit = "crm.lead"

    def _pilot_check_and_select_stage_probability(self, vals):
        stage_fields = self.env["crm.stage"]._fields
        others = self.browse()
        if "on_change" in stage_fields and "probability" in vals and vals.get("stage_id") and self:
            stage = self.env["crm.stage"].browse(vals["stage_id"])
            stage_leads = self._pilot_stage_mode_leads()
            if "team_id" in vals:  # the team the deals join decides
                team = self.env["crm.team"].browse(vals["team_id"])
                stage_mode = team.pilot_probability_mode in STAGE_PROBABILITY_MODES
                stage_leads = self if stage_mode else self.browse()
            if (
                stage_leads
                and stage.on_change
                and not stage.is_won
                and not float_compare(vals["probability"], stage.probability, precision_digits=2)
            ):
                # Removed from the write itself: the stage's own probability
                # is written after it, this add-on's or crm_stage_probability's.
                del vals["probability"]
                others = (self - stage_leads).filtered("active")
        return super()._pilot_check_and_select_stage_probability(vals) | others

    def _pilot_write_stage_probability(self):
        stage_leads = self._pilot_stage_mode_leads()
        super(CrmLead, stage_leads)._pilot_write_stage_probability()
        if "on_change" not in self.env["crm.stage"]._fields:
            return
        # Deals of other teams, selected by a write into a stage that sets its
        # probability (crm_stage_probability's on_change): that probability.
        by_probability = {}
        for lead in (self - stage_leads).filtered(lambda lead: lead.active and lead.stage_id):
            probability = lead.stage_id.probability
            if float_compare(lead.probability, probability, precision_digits=2):
                by_probability.setdefault(probability, []).append(lead.id)
        for probability, lead_ids in by_probability.items():
            self.browse(lead_ids).write({"probability": probability})
