# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Stage probabilities: teams whose probabilities come from stages instead
of predictive lead scoring."""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero, formatLang

from ..crm_lead import bounded_lines
from .crm_team import STAGE_PROBABILITY_MODES


class CrmLead(models.Model):
    _inherit = "crm.lead"

    pilot_probability_mode = fields.Selection(
        related="team_id.pilot_probability_mode",
        string="Probability Mode",
    )
    pilot_probability_band = fields.Float(
        related="team_id.pilot_probability_band",
        string="Probability Band",
    )

    # Teams in the "fixed" or "adjustable" mode take probabilities from
    # stages instead of predictive lead scoring (PLS). Their leads are left
    # out of PLS (field recomputations, the nightly cron), get their stage's
    # probability when they are created, change stage, join such a team or
    # are restored (Odoo asks PLS), and manual edits are checked against the
    # team's mode.

    def _pilot_stage_mode_leads(self):
        """The leads of self whose sales team takes probabilities from stages."""
        return self.filtered(
            lambda lead: lead.team_id.pilot_probability_mode in STAGE_PROBABILITY_MODES
        )

    @api.model
    def _pilot_stage_target_probability(self, stage):
        """The probability a stage gives: 100 in won stages."""
        return 100.0 if stage.is_won else stage.pilot_probability

    def _pls_get_naive_bayes_probabilities(self, batch_mode=False):
        # Leave leads of stage-probability teams out of PLS: neither the
        # recomputation on field changes nor the PLS cron touch them.
        others = self - self._pilot_stage_mode_leads()
        return super(CrmLead, others)._pls_get_naive_bayes_probabilities(batch_mode=batch_mode)

    def _compute_probabilities(self):
        res = super()._compute_probabilities()
        # New leads being edited in a form show their stage's probability;
        # stored leads get it in create/write.
        for lead in self._pilot_stage_mode_leads():
            if not lead._origin and lead.stage_id:
                lead.probability = self._pilot_stage_target_probability(lead.stage_id)
        return res

    def _pilot_write_vals(self, vals, state):
        vals = super()._pilot_write_vals(vals, state)
        # The leads to give their stage's probability after the write
        state["stage_probability_leads"] = self._pilot_check_and_select_stage_probability(vals)
        return vals

    def _pilot_after_create(self, vals_list):
        result = super()._pilot_after_create(vals_list)
        self._pilot_set_stage_probability_on_create(vals_list)
        return result

    def _pilot_after_write(self, vals, state):
        result = super()._pilot_after_write(vals, state)
        state["stage_probability_leads"]._pilot_write_stage_probability()
        return result

    def _pilot_check_and_select_stage_probability(self, vals):
        """Stage probabilities for a write of ``vals`` on self, called before it.

        An explicit probability is checked against the stage (the new one when
        the write changes it) and the mode of the team. Without one, returns
        the leads of stage-probability teams that change stage, join such a
        team or are restored: the caller gives them their stage's probability
        after the write. Won stages (100) and archiving (lost, 0) are left to
        Odoo.
        """
        no_lead = self.browse()
        if not self or not vals.keys() & {"probability", "stage_id", "team_id", "active"}:
            return no_lead
        if "active" in vals and not vals["active"]:
            return no_lead
        stage = self.env["crm.stage"].browse(vals["stage_id"]) if vals.get("stage_id") else None
        team = self.env["crm.team"].browse(vals["team_id"]) if "team_id" in vals else None
        if team is None:
            leads = self._pilot_stage_mode_leads()
        elif team.pilot_probability_mode in STAGE_PROBABILITY_MODES:
            leads = self
        else:
            return no_lead
        restoring = bool(vals.get("active"))
        if not restoring:
            leads = leads.filtered("active")
        if "probability" in vals:
            leads._pilot_check_probability(vals["probability"], stage=stage, team=team)
            return no_lead
        if stage is not None and stage.is_won:
            return no_lead
        return leads.filtered(
            lambda lead: (
                (stage is not None and lead.stage_id != stage)
                or (team is not None and lead.team_id != team)
                or (restoring and not lead.active)
            )
        )

    def _pilot_set_stage_probability_on_create(self, vals_list):
        """New leads of stage-probability teams get their stage's probability;
        an explicit one is checked like a manual edit."""
        given = self.browse(
            [lead.id for lead, vals in zip(self, vals_list, strict=True) if "probability" in vals]
        )
        leads = self._pilot_stage_mode_leads().filtered("active")
        (leads & given)._pilot_check_probability()
        (leads - given)._pilot_write_stage_probability()

    def _pilot_write_stage_probability(self):
        """Give the active leads of self their stage's probability, one write
        per distinct value. The caller selects leads of stage-probability
        teams; the value written passes the manual-edit check."""
        by_probability = {}
        for lead in self.filtered(lambda lead: lead.active and lead.stage_id):
            probability = self._pilot_stage_target_probability(lead.stage_id)
            if float_compare(lead.probability, probability, precision_digits=2):
                by_probability.setdefault(probability, []).append(lead.id)
        for probability, lead_ids in by_probability.items():
            self.browse(lead_ids).write({"probability": probability})

    def _pilot_probability_range(self, stage, team):
        """(lowest, highest) probability allowed for self in ``stage`` of ``team``."""
        if not stage or team.pilot_probability_mode not in STAGE_PROBABILITY_MODES:
            return 0.0, 100.0
        probability = self._pilot_stage_target_probability(stage)
        if stage.is_won or team.pilot_probability_mode == "fixed":
            return probability, probability
        band = team.pilot_probability_band
        return max(0.0, probability - band), min(100.0, probability + band)

    def _pilot_check_probability(self, probability=None, stage=None, team=None):
        """Refuse probabilities the lead's team mode does not allow.

        ``probability``, ``stage`` and ``team`` are the values being written;
        by default each lead's own.
        """
        errors = []
        for lead in self:
            lead_stage = stage if stage is not None else lead.stage_id
            lead_team = team if team is not None else lead.team_id
            value = lead.probability if probability is None else probability
            low, high = lead._pilot_probability_range(lead_stage, lead_team)
            if (
                float_compare(value, low, precision_digits=2) >= 0
                and float_compare(value, high, precision_digits=2) <= 0
            ):
                continue
            values = {
                "lead": lead.display_name,
                "stage": lead_stage.display_name,
                "team": lead_team.display_name,
                "probability": self._pilot_format_percent(
                    self._pilot_stage_target_probability(lead_stage)
                ),
                "min": self._pilot_format_percent(low),
                "max": self._pilot_format_percent(high),
                "band": self._pilot_format_percent(lead_team.pilot_probability_band),
            }
            if lead_stage.is_won:
                errors.append(
                    self.env._(
                        "%(lead)s is in the won stage %(stage)s: its probability stays 100 %%.",
                        **values,
                    )
                )
            elif lead_team.pilot_probability_mode == "fixed":
                errors.append(
                    self.env._(
                        "%(lead)s: the sales team %(team)s fixes probabilities by stage; "
                        "in the stage %(stage)s it is %(probability)s %% and cannot be changed.",
                        **values,
                    )
                )
            else:
                errors.append(
                    self.env._(
                        "%(lead)s: the probability must be between %(min)s %% and "
                        "%(max)s %% (stage %(stage)s: %(probability)s %%, ± %(band)s "
                        "points in the sales team %(team)s).",
                        **values,
                    )
                )
        if errors:
            raise UserError(
                self.env._(
                    "This probability is not allowed:\n%(errors)s",
                    errors="\n".join(bounded_lines(self.env, errors)),
                )
            )

    def _pilot_format_percent(self, value):
        """A percentage in the user's language, without useless decimals."""
        digits = 0 if float_is_zero(value % 1, precision_digits=2) else 2
        return formatLang(self.env, value, digits=digits)
