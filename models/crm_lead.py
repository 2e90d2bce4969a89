from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare, float_is_zero, formatLang

from .crm_team import STAGE_PROBABILITY_MODES

URGENCY_SELECTION = [
    ("0", "Low"),
    ("1", "Normal"),
    ("2", "High"),
    ("3", "Critical"),
]

# How many lead names an error message lists before "and N more".
MAX_NAMES_IN_MESSAGE = 10


def format_record_names(records, limit=MAX_NAMES_IN_MESSAGE):
    """Readable, bounded list of record names for error messages."""
    names = ", ".join(records[:limit].mapped("display_name"))
    if len(records) > limit:
        names = records.env._(
            "%(names)s and %(count)s more", names=names, count=len(records) - limit
        )
    return names


class CrmLead(models.Model):
    _inherit = "crm.lead"

    urgency = fields.Selection(
        URGENCY_SELECTION,
        default="1",
        required=True,
        tracking=True,
        index=True,
        help="How soon the deal needs attention; distinct from the priority "
        "stars, which tell how important it is.",
    )
    estimated_cost = fields.Monetary(
        currency_field="company_currency",
        tracking=True,
        help="Estimated cost of delivering the deal, in the company currency.",
    )
    estimated_margin = fields.Monetary(
        currency_field="company_currency",
        compute="_compute_estimated_margin",
        store=True,
        help="Expected revenue minus estimated cost.",
    )
    estimated_margin_rate = fields.Float(
        string="Margin Rate (%)",
        compute="_compute_estimated_margin_rate",
        inverse="_inverse_estimated_margin_rate",
        store=True,
        readonly=False,
        digits=(16, 2),
        aggregator="avg",
        help="Estimated margin divided by expected revenue, in percent; 0 "
        "without revenue. Entering a rate sets the estimated cost.",
    )
    prorated_margin = fields.Monetary(
        string="Weighted Margin",
        currency_field="company_currency",
        compute="_compute_estimated_margin",
        store=True,
        help="Estimated margin multiplied by the probability.",
    )
    is_low_margin = fields.Boolean(
        string="Low Margin",
        compute="_compute_is_low_margin",
        store=True,
        help="The margin rate is below the minimum margin rate of the sales team.",
    )
    pilot_probability_mode = fields.Selection(
        related="team_id.probability_mode",
        string="Probability Mode",
    )
    pilot_probability_band = fields.Float(
        related="team_id.probability_band",
        string="Probability Band",
    )

    # ------------------------------------------------------------------
    # Margin
    # ------------------------------------------------------------------

    @api.depends("expected_revenue", "estimated_cost", "probability")
    def _compute_estimated_margin(self):
        for lead in self:
            revenue = lead.expected_revenue or 0.0
            margin = revenue - (lead.estimated_cost or 0.0)
            lead.estimated_margin = margin
            lead.prorated_margin = margin * (lead.probability or 0.0) / 100.0

    @api.depends("expected_revenue", "estimated_cost")
    def _compute_estimated_margin_rate(self):
        # Separate from the margin itself: entering a rate (inverse) must still
        # recompute the margin from the cost it sets.
        for lead in self:
            revenue = lead.expected_revenue or 0.0
            margin = revenue - (lead.estimated_cost or 0.0)
            lead.estimated_margin_rate = margin / revenue * 100.0 if revenue else 0.0

    def _inverse_estimated_margin_rate(self):
        for lead in self:
            revenue = lead.expected_revenue or 0.0
            rate = lead.estimated_margin_rate or 0.0
            if not revenue:
                if rate:
                    raise UserError(
                        self.env._(
                            "Set the expected revenue of %(lead)s before entering a margin rate.",
                            lead=lead.display_name,
                        )
                    )
                continue
            if float_compare(rate, 100.0, precision_digits=2) > 0:
                raise ValidationError(
                    self.env._(
                        "The margin rate of %(lead)s cannot exceed 100 %%: that "
                        "would mean a negative cost.",
                        lead=lead.display_name,
                    )
                )
            lead.estimated_cost = lead.company_currency.round(revenue * (1.0 - rate / 100.0))

    @api.depends(
        "expected_revenue",
        "estimated_margin_rate",
        "team_id.pilot_min_margin_rate",
        "company_id.pilot_min_margin_rate",
    )
    def _compute_is_low_margin(self):
        for lead in self:
            if lead.team_id:
                floor = lead.team_id.pilot_min_margin_rate
            else:
                floor = (lead.company_id or self.env.company).pilot_min_margin_rate
            lead.is_low_margin = bool(lead.expected_revenue) and lead.estimated_margin_rate < floor

    @api.constrains("estimated_cost")
    def _check_estimated_cost(self):
        negative = self.filtered(lambda lead: lead.estimated_cost < 0)
        if negative:
            raise ValidationError(
                self.env._(
                    "The estimated cost cannot be negative (%(leads)s).",
                    leads=format_record_names(negative),
                )
            )

    # ------------------------------------------------------------------
    # Mandatory loss reasons
    # ------------------------------------------------------------------

    def write(self, vals):
        if "active" in vals and not vals["active"]:
            self._pilot_check_loss_reason(vals.get("lost_reason_id"))
        elif vals.get("active") and "lost_reason_id" not in vals and not all(self.mapped("active")):
            # Restoring a lost lead clears its loss reason, whatever the path.
            vals = dict(vals, lost_reason_id=False)
        stage_probability_leads = self._pilot_apply_stage_probability(vals)
        result = super().write(vals)
        stage_probability_leads._pilot_write_stage_probability()
        return result

    def _pilot_check_loss_reason(self, lost_reason_id=False):
        """Refuse to archive (mark as lost) opportunities without a loss reason.

        Plain leads may be archived as junk when their company allows it.
        """
        if lost_reason_id:
            return
        missing = self.filtered(
            lambda lead: (
                lead.active
                and not lead.lost_reason_id
                and not (
                    lead.type == "lead"
                    and (
                        lead.company_id or self.env.company
                    ).pilot_allow_lead_archive_without_reason
                )
            )
        )
        if missing:
            raise UserError(
                self.env._(
                    "An opportunity can only be marked as lost with a loss reason. "
                    'Use the "Lost" button and choose a reason for: %(leads)s.',
                    leads=format_record_names(missing),
                )
            )

    def action_set_lost(self, **additional_values):
        reason_id = additional_values.get("lost_reason_id")
        self._pilot_check_loss_reason(reason_id)
        if reason_id:
            # Set the reason before archiving, so that the archive sees it.
            self.filtered("active").write({"lost_reason_id": reason_id})
        return super().action_set_lost(**additional_values)

    # ------------------------------------------------------------------
    # Stage probabilities
    # ------------------------------------------------------------------
    # Teams in the "fixed" or "adjustable" mode take probabilities from
    # stages instead of predictive lead scoring (PLS). Their leads are left
    # out of PLS (field recomputations, the nightly cron), get their stage's
    # probability when they are created, change stage, join such a team or
    # are restored (Odoo asks PLS), and manual edits are checked against the
    # team's mode.

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        leads._pilot_apply_stage_probability_on_create(vals_list)
        return leads

    def _pilot_stage_mode_leads(self):
        """The leads of self whose sales team takes probabilities from stages."""
        return self.filtered(lambda lead: lead.team_id.probability_mode in STAGE_PROBABILITY_MODES)

    @api.model
    def _pilot_stage_target_probability(self, stage):
        """The probability a stage gives: 100 in won stages."""
        return 100.0 if stage.is_won else stage.probability

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

    def _pilot_apply_stage_probability(self, vals):
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
        elif team.probability_mode in STAGE_PROBABILITY_MODES:
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

    def _pilot_apply_stage_probability_on_create(self, vals_list):
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
        if not stage or team.probability_mode not in STAGE_PROBABILITY_MODES:
            return 0.0, 100.0
        probability = self._pilot_stage_target_probability(stage)
        if stage.is_won or team.probability_mode == "fixed":
            return probability, probability
        band = team.probability_band
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
                "band": self._pilot_format_percent(lead_team.probability_band),
            }
            if lead_stage.is_won:
                errors.append(
                    self.env._(
                        "%(lead)s is in the won stage %(stage)s: its probability stays 100 %%.",
                        **values,
                    )
                )
            elif lead_team.probability_mode == "fixed":
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
            shown = errors[:MAX_NAMES_IN_MESSAGE]
            if len(errors) > len(shown):
                shown.append(self.env._("and %(count)s more.", count=len(errors) - len(shown)))
            raise UserError(
                self.env._("This probability is not allowed:\n%(errors)s", errors="\n".join(shown))
            )

    def _pilot_format_percent(self, value):
        """A percentage in the user's language, without useless decimals."""
        digits = 0 if float_is_zero(value % 1, precision_digits=2) else 2
        return formatLang(self.env, value, digits=digits)
