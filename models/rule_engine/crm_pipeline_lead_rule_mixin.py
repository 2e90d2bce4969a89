# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Rules on opportunities of the kind of the exit criteria (a field is set, the
opportunity matches a domain, the salesperson confirms it): their fields, their
named definitions and the one set of checks of a definition at save, shared by
the stage exit criteria and the qualification rules.

The rule engine is this model and its other files:
- crm_pipeline_lead_rule_mixin_domain.py: the stored domains, read as data and
  checked as domains of opportunities;
- crm_pipeline_lead_rule_mixin_evaluation.py: the set-based evaluation of the
  rules on opportunities;
- crm_pipeline_lead_rule_mixin_dependencies.py: what the fields computed from
  the rules depend on;
- definitions.py: the named definitions kept in the registry cache;
- dated_next_action.py: the rule "dated next action", defined once;
- crm_pipeline_cache_mixin.py: the registry cache of the definitions."""

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from .definitions import RuleDefinition

CRITERION_TYPES = [
    ("field", "Field is set"),
    ("domain", "Lead matches a domain"),
    ("manual", "Confirmed by the salesperson"),
]


class CrmPipelineLeadRuleMixin(models.AbstractModel):
    """A rule an opportunity meets or not: its type, field and domain, the
    checks of its definition at save and its set-based evaluation. What a
    sales manager stores is evaluated as data (see _pilot_get_domain)."""

    _name = "crm.pipeline.lead.rule.mixin"
    _description = "Rule on Opportunities"
    # What the server log calls a rule of the model (never translated)
    _pilot_log_label = "rule"
    # The many2many of crm.lead holding the rules of the model that the
    # salesperson confirmed (manual rules)
    _pilot_confirmed_field = None
    # Whether the domain of a rule may be evaluated on the values in the
    # cache, without a query, when they are all there (see
    # _pilot_domain_memory_fields): advisory rules only (the qualification);
    # the gate of exit criteria always asks the database.
    _pilot_domain_in_memory = False

    criterion_type = fields.Selection(
        CRITERION_TYPES,
        string="Type",
        required=True,
        default="manual",
        help="Field is set: a field of the opportunity must have a value. "
        "Lead matches a domain: the opportunity must match the domain. "
        "Confirmed by the salesperson: ticked on the opportunity.",
    )
    field_id = fields.Many2one(
        "ir.model.fields",
        ondelete="cascade",
        domain="[('model', '=', 'crm.lead'), ('store', '=', True), "
        "('ttype', 'not in', ('binary', 'json', 'properties'))]",
        help="The opportunity field that must be set.",
    )
    domain = fields.Char(
        default="[]",
        help="The opportunity must match this domain, e.g. a valid contact or a dated next action.",
    )

    # ------------------------------------------------------------------
    # The one set of checks of a definition
    # ------------------------------------------------------------------

    @api.constrains("criterion_type", "field_id", "domain")
    def _check_rule_definition(self):
        """A field rule names a field of the opportunity; a domain rule holds a
        valid domain of opportunities (see _pilot_check_domain)."""
        for rule in self:
            if rule.criterion_type == "field":
                if not rule.field_id:
                    raise ValidationError(rule._pilot_rule_error("no_field"))
                if rule.field_id.model != "crm.lead":
                    raise ValidationError(rule._pilot_rule_error("other_model"))
            elif rule.criterion_type == "domain":
                rule._pilot_check_domain()

    def _pilot_rule_error(self, problem, reason=""):
        """The refusal of a definition, named after the rule: ``problem`` is
        "no_field" (a field rule without its field), "other_model" (a field
        that is not the opportunity's) or "domain" (an invalid domain, for
        ``reason``: translated, safe). Each model says it in its own words."""
        if problem == "no_field":
            return self.env._(
                'The rule "%(name)s" checks a field: choose the field.', name=self.name
            )
        if problem == "other_model":
            return self.env._(
                'The rule "%(name)s" must check a field of the opportunity.', name=self.name
            )
        return self.env._(
            'The domain of the rule "%(name)s" is invalid: %(error)s',
            name=self.name,
            error=reason,
        )

    # ------------------------------------------------------------------
    # Named definitions, from the registry cache
    # ------------------------------------------------------------------

    @api.model
    def _pilot_active_definitions(self):
        """The active rules of the model, as named definitions (see
        definitions.py: each has ``id`` and ``rule``), in their order: one
        query, then cached (each model reads its own table)."""
        return ()

    @api.model
    @tools.ormcache()
    def _pilot_definitions_by_id(self):
        """{id of an active rule: its named definition} (cached)."""
        return {definition.id: definition for definition in self._pilot_active_definitions()}

    def _pilot_definition(self):
        """What the rule checks (a RuleDefinition), from the cache when it is
        active (no query), else from the record."""
        self.ensure_one()
        definition = self._pilot_definitions_by_id().get(self.id)
        if definition is not None:
            return definition.rule
        return RuleDefinition(self.criterion_type, self.field_id.name, self.domain)
