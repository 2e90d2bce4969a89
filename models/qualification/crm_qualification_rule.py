# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Qualification (BANT): the rules of the four dimensions, of the same kind as
the stage exit criteria and evaluated the same way (the rule engine: models/rule_engine/)."""

from odoo import api, fields, models, tools

from ..rule_engine.definitions import QualificationRuleDefinition
from ..trust.base import SEQUENCE_BOUNDS

# The four dimensions, in the order of the score's explanation.
DIMENSIONS = [
    ("budget", "Budget"),
    ("authority", "Authority"),
    ("need", "Need"),
    ("timing", "Timing"),
]
DIMENSION_CODES = tuple(code for code, _label in DIMENSIONS)


class CrmQualificationRule(models.Model):
    """A rule proving one dimension of the qualification of an opportunity.

    A dimension is met when one of its active rules is met. Rules without a
    sales team are the company-wide defaults; a team with its own active rules
    for a dimension uses them instead of the defaults for that dimension. A
    dimension without any active rule is not assessed and counts as met."""

    _name = "crm.qualification.rule"
    _inherit = [
        "crm.pipeline.cache.mixin",
        "crm.pipeline.lead.rule.mixin",
        "crm.pipeline.team.rule.mixin",
    ]
    _description = "Qualification Rule"
    _order = "dimension, team_id desc, sequence, id"
    _pilot_log_label = "qualification rule"
    _pilot_confirmed_field = "qualification_confirmed_ids"
    # A score, not a gate: the rules of a lead being created or written are
    # evaluated on its values in the cache when they are all there (no query,
    # Odoo's budgets of lead creation hold), in the database otherwise.
    _pilot_domain_in_memory = True

    name = fields.Char(required=True, translate=True)
    description = fields.Text(
        translate=True, help="What proves the dimension, shown as help on the opportunity."
    )
    dimension = fields.Selection(DIMENSIONS, required=True, default="need")
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        ondelete="cascade",
        index=True,
        help="Empty: a default for every team. A team with its own rules for a "
        "dimension uses them instead of the defaults for that dimension.",
    )
    sequence = fields.Integer(default=10, pilot_bounds=SEQUENCE_BOUNDS)
    active = fields.Boolean(default=True)

    def _pilot_company_of_team_message(self):
        return self.env._(
            'The qualification rule "%(name)s" belongs to the company of its sales team %(team)s.',
            name=self.name,
            team=self.team_id.display_name,
        )

    def _pilot_rule_error(self, problem, reason=""):
        if problem == "no_field":
            return self.env._(
                'The qualification rule "%(name)s" checks a field: choose the field.',
                name=self.name,
            )
        if problem == "other_model":
            return self.env._(
                'The qualification rule "%(name)s" must check a field of the opportunity.',
                name=self.name,
            )
        return self.env._(
            'The domain of the qualification rule "%(name)s" is invalid: %(error)s',
            name=self.name,
            error=reason,
        )

    # ------------------------------------------------------------------
    # Definitions in the registry cache
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        self._pilot_refresh_scores_later()
        return rules

    def write(self, vals):
        result = super().write(vals)
        self._pilot_refresh_scores_later()
        return result

    def unlink(self):
        result = super().unlink()
        self._pilot_refresh_scores_later()
        return result

    @api.model
    def _pilot_refresh_scores_later(self):
        """The rules changed: the scores of the open opportunities are
        recomputed by the daily refresh, run now in the background."""
        cron = self.env.ref("crm_pipeline_pilot.ir_cron_qualification_refresh", False)
        if cron:
            cron.sudo()._trigger()

    @api.model
    @tools.ormcache()
    def _pilot_active_definitions(self):
        """Active rules: a tuple of QualificationRuleDefinition (one query,
        then cached)."""
        self.flush_model()
        self.env.cr.execute(
            """
            SELECT r.id, r.dimension, r.team_id, r.criterion_type, f.name, r.domain
              FROM crm_qualification_rule r
         LEFT JOIN ir_model_fields f ON f.id = r.field_id
             WHERE r.active
          ORDER BY r.sequence, r.id
            """
        )
        return tuple(
            QualificationRuleDefinition(rule_id, dimension, team_id or False, *rule)
            for rule_id, dimension, team_id, *rule in self.env.cr.fetchall()
        )

    @api.model
    @tools.ormcache()
    def _pilot_read_fields_all(self):
        """Names of the fields of the lead that the active rules read (see
        _pilot_read_fields_by_id), and the team (which chooses the rules), as
        a frozenset, cached with the definitions."""
        return frozenset({"team_id"}.union(*self._pilot_read_fields_by_id().values()))

    @api.model
    @tools.ormcache()
    def _pilot_twin_criteria(self):
        """{id of an active manual rule: (ids of the manual exit criteria of
        the same name, ids of their stages)}: the same fact ("Need
        identified") asked by a stage and by the qualification is one tick.
        Names compared in English, case aside (two queries, then cached; the
        cache is cleared when a rule or an exit criterion changes)."""
        self.flush_model()
        self.env["crm.stage.exit.criterion"].flush_model()
        self.env.cr.execute(
            """
            SELECT r.id, array_agg(c.id ORDER BY c.id), array_agg(DISTINCT c.stage_id)
              FROM crm_qualification_rule r
              JOIN crm_stage_exit_criterion c
                ON c.criterion_type = 'manual'
               AND c.active
               AND lower(c.name->>'en_US') = lower(r.name->>'en_US')
             WHERE r.active AND r.criterion_type = 'manual'
          GROUP BY r.id
            """
        )
        return {
            rule_id: (frozenset(criterion_ids), frozenset(stage_ids))
            for rule_id, criterion_ids, stage_ids in self.env.cr.fetchall()
        }

    def _pilot_satisfied_lead_ids(self, leads, in_memory=False):
        """A manual rule is also met by the confirmation of its twin exit
        criterion (see _pilot_twin_criteria): both places agree."""
        satisfied = super()._pilot_satisfied_lead_ids(leads, in_memory=in_memory)
        twins = self._pilot_twin_criteria().get(self.id)
        if satisfied is None or not twins:
            return satisfied
        criterion_ids = twins[0]
        return satisfied | {
            lead.id
            for lead in leads
            if criterion_ids.intersection(lead.confirmed_criterion_ids._origin.ids)
        }

    def _pilot_fields_read(self, rule):
        names = super()._pilot_fields_read(rule)
        if rule.rule_type == "manual":
            names |= {"confirmed_criterion_ids"}
        return names

    @api.model
    def _pilot_lead_depends(self, lead_model, ignored=()):
        return [
            *super()._pilot_lead_depends(lead_model, ignored=ignored),
            "confirmed_criterion_ids",
        ]

    @api.model
    def _pilot_fetch_rule_fields(self, leads, definitions):
        result = super()._pilot_fetch_rule_fields(leads, definitions)
        if self._pilot_twin_criteria() and any(
            rule_type == "manual" for rule_type, _fname in definitions
        ):
            leads.sudo()._pilot_fetch(["confirmed_criterion_ids"])
        return result

    @api.model
    @tools.ormcache()
    def _pilot_default_companies(self):
        """{id: company id or False} of the active defaults (rules without a
        sales team), cached with the definitions."""
        self.flush_model(["company_id", "team_id", "active"])
        self.env.cr.execute(
            "SELECT id, company_id FROM crm_qualification_rule WHERE active AND team_id IS NULL"
        )
        return {rule_id: company_id or False for rule_id, company_id in self.env.cr.fetchall()}

    @api.model
    def _pilot_rule_ids_for_team(self, team_id, company_id=False):
        """{dimension: [ids of the rules that apply to the team's opportunities]}
        (from the cache: no query). The defaults are those shared by every
        company and those of ``company_id``, the company of the opportunities."""
        defaults, own = {}, {}
        default_companies = self._pilot_default_companies()
        for rule in self._pilot_active_definitions():
            if not rule.team_id:
                if default_companies.get(rule.id, False) not in (False, company_id):
                    continue
                defaults.setdefault(rule.dimension, []).append(rule.id)
            elif rule.team_id == team_id:
                own.setdefault(rule.dimension, []).append(rule.id)
        return {**defaults, **own}
