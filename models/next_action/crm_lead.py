# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Next best action of open opportunities: the first rule met, shown on the
card and the form, planned as an activity in one click."""

from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools.misc import format_date

from ..crm_lead import assign_values, cached_values
from ..rule_engine import dated_next_action

# Fields the next action reads: asked for instead of the computed fields when
# a view reads them (see _determine_fields_to_fetch), so that the cards load
# them with the page rather than in a query of their own.
PILOT_NEXT_ACTION_READS = (
    "type",
    "active",
    "stage_id",
    "team_id",
    "company_id",
    "date_deadline",
    "margin_known",
    "is_low_margin",
    "estimated_margin_rate",
    "date_last_stage_update",
    "date_last_interaction",
)
PILOT_NEXT_ACTION_FIELDS = frozenset({"next_action_rule_id", "next_action_name"})
# A stage change stamps the last interaction: an interaction after entering
# the proposal stage is one later than this.
SAME_MOMENT = timedelta(minutes=1)


class CrmLead(models.Model):
    _inherit = "crm.lead"

    next_action_rule_id = fields.Many2one(
        "crm.next.action.rule",
        string="Next Best Action Rule",
        compute="_compute_next_action",
    )
    next_action_name = fields.Char(
        string="Next Best Action",
        compute="_compute_next_action",
        help="The single most useful next step of the opportunity, from the "
        "next best action rules.",
    )
    next_action_reason = fields.Char(
        string="Why This Action",
        compute="_compute_next_action_reason",
    )

    @api.model
    def _pilot_next_action_depends(self):
        return [
            *PILOT_NEXT_ACTION_READS,
            "stage_id.is_proposal_stage",
            "stage_id.stagnation_days",
            "team_id.pilot_min_margin_rate",
            *self._pilot_exit_criteria_depends(),
        ]

    @api.depends(lambda self: self._pilot_next_action_depends())
    @api.depends_context("lang")
    def _compute_next_action(self):
        matches = self._pilot_next_action_matches()
        names = self.env["crm.next.action.rule"].sudo()._pilot_names(self.env.lang or "en_US")
        rule_ids = [matches.get(id_, (None,))[0] for id_ in self._ids]
        named = self._pilot_next_action_named_criterion(matches)
        # Every card of the pipeline shows it: the values are set for all the
        # leads at once, as they would be stored in the cache (the rule's id,
        # the name or None).
        cache = self.env.cache
        cache.update(self, self._fields["next_action_rule_id"], rule_ids)
        cache.update(
            self,
            self._fields["next_action_name"],
            [
                named.get(id_) or names.get(rule_id) if rule_id else None
                for id_, rule_id in zip(self._ids, rule_ids, strict=True)
            ],
        )

    def _pilot_next_action_named_criterion(self, matches):
        """{lead id: the action naming the criterion to obtain} for the leads
        of self missing an exit criterion, when their rule's summary names it
        ("Obtain: Need identified" rather than "Obtain the missing
        criterion"). Set-based: the leads are grouped by evaluation."""
        lead_ids = [
            id_ for id_ in self._ids if matches.get(id_, (None, None))[1] == "missing_criterion"
        ]
        if not lead_ids:
            return {}
        lang = self.env.lang or "en_US"
        Rule = self.env["crm.next.action.rule"].sudo()
        named = {}
        for _criteria, missing, _broken, leads in self.browse(
            lead_ids
        )._pilot_exit_criteria_evaluated():
            if not missing:
                continue
            values = {"criterion": missing[:1].name}
            for lead_id in leads._ids:
                rule = Rule.browse(matches[lead_id][0])
                if "{criterion}" in (rule.with_context(lang=lang).summary or ""):
                    named[lead_id] = rule._pilot_summary(values, lang)
        return named

    @api.depends(lambda self: self._pilot_next_action_depends())
    @api.depends_context("lang")
    def _compute_next_action_reason(self):
        details = self._pilot_next_action_details(self.env.lang)
        for lead in self:
            lead.next_action_reason = details[lead.id][2] if lead.id in details else False

    def _determine_fields_to_fetch(self, field_names, ignore_when_in_cache=False):
        # As for the exit criteria: the card's next action needs a few columns,
        # not every dependency of its compute.
        if PILOT_NEXT_ACTION_FIELDS.intersection(field_names):
            field_names = [
                *(name for name in field_names if name not in PILOT_NEXT_ACTION_FIELDS),
                *PILOT_NEXT_ACTION_READS,
            ]
        return super()._determine_fields_to_fetch(field_names, ignore_when_in_cache)

    # ------------------------------------------------------------------
    # Business: which rule, with which values
    # ------------------------------------------------------------------

    def _pilot_next_action_matches(self):
        """{lead id: (rule id, condition)} of the open opportunities of self
        meeting a rule: the first of the rules of their team, in order.
        Set-based: each condition is evaluated once, on the values of all the
        leads (every card of the pipeline shows the next action)."""
        self._pilot_fetch(PILOT_NEXT_ACTION_READS)
        Rule = self.env["crm.next.action.rule"].sudo()
        ranks = self.env["crm.stage"]._pilot_ranks()
        stage_ids = self._pilot_stage_ids()
        open_opportunities = [
            (index, lead_id, (team_id, company_id))
            for index, (lead_id, lead_type, active, stage_id, team_id, company_id) in enumerate(
                zip(
                    self._ids,
                    cached_values(self, "type"),
                    cached_values(self, "active"),
                    stage_ids,
                    self._pilot_many2one_ids("team_id"),
                    self._pilot_many2one_ids("company_id"),
                    strict=True,
                )
            )
            if lead_type == "opportunity" and active and not ranks.get(stage_id, (0, 0))[1]
        ]
        if not open_opportunities:
            return {}
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        rules_by_team = {}
        columns = {}
        matches = {}
        for index, lead_id, team_key in open_opportunities:
            if team_key not in rules_by_team:
                rules_by_team[team_key] = Rule._pilot_rules_for_team(*team_key)
            for rule in rules_by_team[team_key]:
                key = (rule.condition, rule.delay_days)
                if key not in columns:
                    columns[key] = self._pilot_next_action_condition_column(
                        rule.condition, rule.delay_days, stage_ids, now, today
                    )
                if columns[key][index]:
                    matches[lead_id] = (rule.id, rule.condition)
                    break
        return matches

    def _pilot_next_action_condition_column(self, condition, delay_days, stage_ids, now, today):
        """Whether each lead of self (in order) meets ``condition``: a list of
        booleans, from the values of all the leads at once."""
        if condition == "missing_criterion":
            return [not complete for complete in cached_values(self, "exit_criteria_complete")]
        if condition == "no_activity":
            return [not dated for dated in cached_values(self, "has_dated_next_action")]
        if condition == "stagnant":
            return [bool(stagnant) for stagnant in cached_values(self, "is_stagnant")]
        if condition == "past_closing":
            return [
                bool(deadline and deadline < today)
                for deadline in cached_values(self, "date_deadline")
            ]
        if condition == "low_margin":
            return [
                bool(known and low)
                for known, low in zip(
                    self._pilot_margin_followed_known(),
                    cached_values(self, "is_low_margin"),
                    strict=True,
                )
            ]
        if condition == "proposal_no_reply":
            proposal_stage_ids = set(
                self.env["crm.stage"]
                .browse(tuple({stage_id for stage_id in stage_ids if stage_id}))
                .filtered("is_proposal_stage")
                .ids
            )
            sent_before = now - timedelta(days=delay_days)
            return [
                bool(
                    stage_id in proposal_stage_ids
                    and entered
                    and entered <= sent_before
                    and (not last or last <= entered + SAME_MOMENT)
                )
                for stage_id, entered, last in zip(
                    stage_ids,
                    cached_values(self, "date_last_stage_update"),
                    cached_values(self, "date_last_interaction"),
                    strict=True,
                )
            ]
        return [False] * len(self)

    def _pilot_next_action_details(self, lang):
        """{lead id: (rule, placeholder values, reason)} in ``lang`` for the
        leads of self with a next action."""
        matches = self._pilot_next_action_matches()
        env = self.with_context(lang=lang or "en_US").env
        Rule = env["crm.next.action.rule"].sudo()
        now = fields.Datetime.now()
        details = {}
        for lead in self.with_env(env):
            if lead.id not in matches:
                continue
            rule_id, condition = matches[lead.id]
            rule = Rule.browse(rule_id)
            rate, margin_kind = lead._pilot_margin_rate_followed()
            values = {
                "date": format_date(env, lead.date_deadline) if lead.date_deadline else "",
                "rate": f"{rate:.1f}".rstrip("0").rstrip("."),
                "minimum": f"{lead._pilot_min_margin_rate():.1f}".rstrip("0").rstrip("."),
                "days": lead.inactivity_days,
                "criterion": "",
            }
            if condition == "missing_criterion":
                missing = next(
                    (
                        lead_missing
                        for _criteria, lead_missing, _broken, _leads in (
                            lead._pilot_exit_criteria_evaluated()
                        )
                        if lead_missing
                    ),
                    None,
                )
                values["criterion"] = missing[:1].with_env(env).name if missing else ""
                reason = env._(
                    "Missing exit criteria of the stage %(stage)s: %(criteria)s.",
                    stage=lead.stage_id.name,
                    criteria=", ".join(missing.with_env(env).mapped("name")) if missing else "",
                )
            elif condition == "no_activity":
                reason = env._("No planned activity with a deadline.")
            elif condition == "stagnant":
                reason = env._(
                    "No interaction for %(days)s days (stagnant after %(limit)s days in this "
                    "stage).",
                    days=lead.inactivity_days,
                    limit=lead.stage_id.stagnation_days,
                )
            elif condition == "past_closing":
                reason = env._("The expected closing date (%(date)s) is past.", date=values["date"])
            elif condition == "low_margin":
                reason = lead._pilot_low_margin_reason(
                    values["rate"], values["minimum"], margin_kind
                )
            else:  # proposal_no_reply
                values["days"] = (now - lead.date_last_stage_update).days
                reason = env._(
                    "Proposal sent %(days)s days ago, no interaction since.", days=values["days"]
                )
            details[lead.id] = (rule, values, reason)
        return details

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_pilot_plan_next_action(self):
        """Plan the next best action of each opportunity of self as an activity
        (type, summary, deadline of its rule) for its salesperson, in their
        language. An action already planned and still open is not planned twice."""
        planned = self.env["mail.activity"]
        if not self:
            return True
        self.check_access("write")
        today = fields.Date.context_today(self)
        for lead in self:
            user = lead.user_id or self.env.user
            lang = user.lang or "en_US"
            details = lead._pilot_next_action_details(lang)
            if lead.id not in details:
                raise UserError(
                    self.env._(
                        "The opportunity %(lead)s has no next best action to plan.",
                        lead=lead.display_name,
                    )
                )
            rule, values, reason = details[lead.id]
            already = lead.activity_ids.filtered(
                lambda activity, rule=rule: activity.pilot_next_action_rule_id == rule
            )
            if already:
                continue
            planned |= lead.activity_schedule(
                activity_type_id=rule.activity_type_id.id,
                summary=rule._pilot_summary(values, lang),
                note=Markup("<p>%s</p>") % reason,
                date_deadline=today + timedelta(days=rule.deadline_days),
                user_id=user.id,
                pilot_next_action_rule_id=rule.id,
            )
        return self._pilot_planned_notification(planned)

    def _pilot_planned_notification(self, planned):
        """What the user sees after *Plan it*: the activities planned (or that
        they already were), then the form reloaded in place to show them."""
        if planned:
            message = self.env._(
                "Planned: %(activities)s.",
                activities=", ".join(
                    f"{activity.summary or activity.activity_type_id.name} "
                    f"({activity.user_id.name})"
                    for activity in planned
                ),
            )
            kind = "success"
        else:
            message = self.env._("The next best action is already planned.")
            kind = "info"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": kind,
                "sticky": False,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _pilot_next_action_notes(self, langs):
        """{lead id: suggestion} for the follow-ups: the next best action of
        each lead as a paragraph in ``langs[lead id]``."""
        notes = {}
        by_lang = {}
        for lead in self:
            by_lang.setdefault(langs.get(lead.id) or "en_US", []).append(lead.id)
        for lang, lead_ids in by_lang.items():
            leads = self.browse(lead_ids)
            env = leads.with_context(lang=lang).env
            for lead_id, (rule, values, reason) in leads._pilot_next_action_details(lang).items():
                notes[lead_id] = Markup("<p>%s</p>") % env._(
                    "Suggested next action: %(action)s (%(reason)s)",
                    action=rule._pilot_summary(values, lang),
                    reason=reason,
                )
        return notes


class CrmLeadNextActionStatus(models.Model):
    """Whether the next action of an opportunity is planned on time."""

    _inherit = "crm.lead"

    next_action_status = fields.Selection(
        [("missing", "Missing"), ("overdue", "Overdue"), ("planned", "Planned")],
        compute="_compute_next_action_status",
        search="_search_next_action_status",
        help="Missing: no planned activity with a deadline. Overdue: the earliest "
        "one is past its deadline. Planned: on time.",
    )

    @api.depends(*dated_next_action.LEAD_DEPENDS)
    def _compute_next_action_status(self):
        today = fields.Date.context_today(self)
        statuses = [
            "missing" if not deadlines else "overdue" if min(deadlines) < today else "planned"
            for deadlines in self._pilot_next_action_deadlines()
        ]
        assign_values(self, "next_action_status", statuses)

    def _search_next_action_status(self, operator, value):
        if operator not in ("=", "in"):
            raise UserError(self.env._("Unsupported search on the next action status."))
        values = {value} if operator == "=" else set(value)
        today = fields.Date.context_today(self)
        next_actions = dated_next_action.activity_domain(self._pilot_follow_up_activity_type_id())
        overdue = [("activity_ids", "any", [*next_actions, ("date_deadline", "<", today)])]
        planned = [("has_dated_next_action", "=", True)]
        domains = []
        if "missing" in values:
            domains.append([("has_dated_next_action", "=", False)])
        if "overdue" in values:
            domains.append(overdue)
        if "planned" in values:
            domains.append([*planned, "!", *overdue])
        return expression.OR(domains) if domains else expression.FALSE_DOMAIN
