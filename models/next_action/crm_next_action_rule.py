# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Next best action: the ordered rules suggesting the single most useful next
step of an open opportunity."""

import re

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from ..rule_engine.definitions import NextActionRuleDefinition
from ..trust.base import DAYS_BOUNDS, SEQUENCE_BOUNDS

CONDITIONS = [
    ("missing_criterion", "An exit criterion of its stage is missing"),
    ("no_activity", "No planned activity"),
    ("stagnant", "Stagnant"),
    ("past_closing", "Expected closing date in the past"),
    ("low_margin", "Margin below the minimum"),
    ("proposal_no_reply", "Proposal sent without interaction since"),
]
# The values a summary may show, written {name} in its text.
PLACEHOLDERS = ("criterion", "days", "date", "rate", "minimum")
PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")


class CrmNextActionRule(models.Model):
    """One rule of the next best action: the first rule (by sequence) whose
    condition an open opportunity meets gives its next action. Rules without a
    sales team are the defaults; a team with its own active rules uses them
    instead of the defaults."""

    _name = "crm.next.action.rule"
    _inherit = ["crm.pipeline.cache.mixin", "crm.pipeline.team.rule.mixin"]
    _description = "Next Best Action Rule"
    _order = "sequence, id"

    name = fields.Char(
        required=True, translate=True, help="The next action in a few words, shown on the card."
    )
    sequence = fields.Integer(default=10, pilot_bounds=SEQUENCE_BOUNDS)
    active = fields.Boolean(default=True)
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        ondelete="cascade",
        index=True,
        help="Empty: a default for every team. A team with its own rules uses them "
        "instead of the defaults.",
    )
    condition = fields.Selection(CONDITIONS, required=True)
    delay_days = fields.Integer(
        pilot_bounds=DAYS_BOUNDS,
        string="After (days)",
        default=7,
        help="Proposal sent without interaction since: days since the opportunity "
        "entered its proposal stage.",
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        required=True,
        ondelete="restrict",
        domain="['|', ('res_model', '=', False), ('res_model', '=', 'crm.lead')]",
    )
    summary = fields.Char(
        required=True,
        translate=True,
        help="Summary of the activity planned in one click. May show {criterion} (the "
        "first missing exit criterion), {days} (days without interaction, or since the "
        "proposal), {date} (expected closing date), {rate} and {minimum} (margin rates).",
    )
    deadline_days = fields.Integer(
        pilot_bounds=DAYS_BOUNDS,
        string="Deadline (days)",
        default=1,
        help="Days from today to the deadline of the planned activity.",
    )

    def _pilot_company_of_team_message(self):
        return self.env._(
            'The next action "%(name)s" belongs to the company of its sales team %(team)s.',
            name=self.name,
            team=self.team_id.display_name,
        )

    @api.constrains("summary")
    def _check_rule(self):
        # The days are within their bounds (DAYS_BOUNDS: never negative),
        # checked with every bounded field (models/trust/base.py).
        for rule in self:
            unknown = set(PLACEHOLDER_RE.findall(rule.summary or "")) - set(PLACEHOLDERS)
            if unknown:
                raise ValidationError(
                    self.env._(
                        'The summary of the next action "%(name)s" uses an unknown value '
                        "%(unknown)s: use %(known)s.",
                        name=rule.name,
                        unknown=", ".join(f"{{{name}}}" for name in sorted(unknown)),
                        known=", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
                    )
                )

    @api.model
    @tools.ormcache()
    def _pilot_active_definitions(self):
        """Active rules in order: a tuple of NextActionRuleDefinition (one
        query, then cached)."""
        self.flush_model()
        self.env.cr.execute(
            """
            SELECT id, team_id, condition, delay_days, deadline_days, company_id
              FROM crm_next_action_rule
             WHERE active ORDER BY sequence, id
            """
        )
        # A rule whose days are out of their bounds (stored in SQL, or before
        # the bounds) is skipped and logged: every card shows the next action.
        return tuple(
            NextActionRuleDefinition(
                rule_id, team_id or False, condition, delay, company_id or False
            )
            for rule_id, team_id, condition, delay, deadline, company_id in self.env.cr.fetchall()
            if not self._pilot_out_of_bounds("delay_days", delay, f"Next action rule {rule_id}")
            and not self._pilot_out_of_bounds(
                "deadline_days", deadline, f"Next action rule {rule_id}"
            )
        )

    @api.model
    @tools.ormcache("lang")
    def _pilot_names(self, lang):
        """{rule id: name in ``lang``} of the active rules (cached per language)."""
        return {
            rule.id: rule.name
            for rule in self.with_context(lang=lang, active_test=True).search(
                [], order="sequence, id", limit=1000
            )
        }

    @api.model
    def _pilot_rules_for_team(self, team_id, company_id=False):
        """[NextActionRuleDefinition] of the rules that apply to the team
        (cached): its own, else the defaults shared by every company and those
        of ``company_id``, the company of the opportunities."""
        definitions = self._pilot_active_definitions()
        own = [rule for rule in definitions if rule.team_id == team_id]
        if own:
            return own
        return [
            rule
            for rule in definitions
            if not rule.team_id and rule.company_id in (False, company_id)
        ]

    def _pilot_summary(self, values, lang):
        """The activity summary in ``lang``, its placeholders replaced."""
        self.ensure_one()
        template = self.with_context(lang=lang).summary or ""
        return PLACEHOLDER_RE.sub(
            lambda match: str(values.get(match.group(1), match.group(0))), template
        )
