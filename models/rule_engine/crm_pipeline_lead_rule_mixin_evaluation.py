# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The set-based evaluation of the rules (crm.pipeline.lead.rule.mixin) on
opportunities: one read of the field and manual rules for all the leads, one
search per domain rule, or Odoo's in-memory evaluation when every value it
compares is in the cache."""

import logging

from odoo import api, models

from ..crm_lead import cached_values

_logger = logging.getLogger(__name__)

# Domains that Odoo evaluates in memory as the database does (see
# _pilot_domain_memory_fields)
MEMORY_FIELD_TYPES = frozenset(
    {
        "boolean",
        "char",
        "date",
        "datetime",
        "float",
        "html",
        "integer",
        "many2one",
        "monetary",
        "selection",
        "text",
    }
)
MEMORY_OPERATORS = frozenset({"=", "!=", "<", "<=", ">", ">=", "in", "not in"})


class CrmPipelineLeadRuleMixin(models.AbstractModel):
    _inherit = "crm.pipeline.lead.rule.mixin"

    def _pilot_field_satisfied_lead_ids(self, leads, fname):
        """Ids of the leads whose field ``fname`` is set (prefetched values),
        read column by column from the cache (``cached_values``), but for the
        relational fields, whose records say whether they are set."""
        field = leads._fields.get(fname)
        if field is None:
            return set()
        leads = leads.sudo()
        if field.relational or field.type == "reference":
            return {lead.id for lead in leads if lead[fname]}
        return {
            lead_id
            for lead_id, value in zip(leads._ids, cached_values(leads, fname), strict=True)
            if value
        }

    def _pilot_domain_satisfied_lead_ids(self, leads, domain_text, in_memory=False):
        """Ids of the leads (records or new records of a form) matching the
        rule's domain (``domain_text``: its cached text), or None when it
        cannot be evaluated: a domain that no longer evaluates or compiles (a
        field removed by another add-on, a date out of range...) must not break
        the kanban: the rule is logged and reported as not evaluable (None),
        which callers count as not met. ``in_memory``: the saved leads too are
        evaluated on their values in the cache when they are all there,
        whatever the rule (what the kanban cards show; the gate asks the
        database)."""
        self.ensure_one()
        # domain: the saved leads are searched in the database (one query for
        # all of them); new records (the unsaved values of a form) are
        # evaluated in memory, on the values they hold, not on the saved ones;
        # so are saved leads whose compared values are all in the cache, for
        # the rules that allow it (_pilot_domain_in_memory).
        saved_ids = [id_ for id_ in leads._ids if isinstance(id_, int)]
        new_leads = leads.browse([id_ for id_ in leads._ids if not isinstance(id_, int)])
        satisfied = set()
        try:
            domain = self._pilot_get_domain(domain_text)
            if saved_ids and (in_memory or self._pilot_domain_in_memory):
                memory = self._pilot_domain_memory_fields(domain)
                cache = self.env.cache
                if memory is not None and not any(
                    next(iter(cache.get_missing_ids(leads, leads._fields[fname])), None)
                    for fname in memory
                ):
                    # Every value the domain compares is in the cache (a lead
                    # being created or written): Odoo's in-memory evaluation.
                    saved_ids, new_leads = [], leads
            query = (
                self.env["crm.lead"]
                .sudo()
                .with_context(active_test=False)
                ._search([("id", "in", saved_ids), *domain], order="id")
                if saved_ids
                else None
            )
            if new_leads:
                satisfied.update(
                    new_leads.sudo().with_context(active_test=False).filtered_domain(domain)._ids
                )
        except Exception as error:  # any error: the criterion is not evaluable
            # The id and the kind of error only: no value of the domain.
            _logger.warning(
                "The domain of the %s %s cannot be evaluated (%s): it counts "
                "as not met until a sales administrator fixes it.",
                self._pilot_log_label,
                self.id,
                type(error.__cause__ or error).__name__,
            )
            return None
        if query is not None:
            satisfied.update(query.get_result_ids())
        return satisfied

    def _pilot_domain_memory_fields(self, domain):
        """Names of the fields of the lead that ``domain`` compares, when
        Odoo's in-memory evaluation of domains (``filtered_domain``) gives the
        database's answer for it: conditions on stored fields of the lead
        itself (no path), not translated nor company-dependent, of simple
        types, with simple operators. None otherwise (the database decides)."""
        Lead = self.env["crm.lead"]
        names = set()
        for leaf in domain:
            if not isinstance(leaf, list | tuple):
                continue  # '&', '|', '!'
            fname, operator, _value = leaf
            field = Lead._fields.get(fname) if isinstance(fname, str) else None
            if (
                field is None
                or not field.store
                or field.translate
                or field.company_dependent
                or field.type not in MEMORY_FIELD_TYPES
                or operator not in MEMORY_OPERATORS
            ):
                return None
            names.add(fname)
        return names

    def _pilot_satisfied_lead_ids(self, leads, in_memory=False):
        """Ids of the leads (records or new records of a form) meeting this
        rule, or None when it cannot be evaluated (see below).

        Set-based: a field or manual rule reads the (prefetched) values of all
        the leads at once; a domain rule runs one search for all of them.

        A domain that no longer evaluates or compiles (a field removed by
        another add-on, a date out of range...) must not break the kanban:
        the rule is logged and reported as not evaluable (None), which
        callers count as not met.
        """
        self.ensure_one()
        rule = self._pilot_definition()
        if rule.rule_type == "field":
            return self._pilot_field_satisfied_lead_ids(leads, rule.field_name)
        if rule.rule_type == "manual":
            confirmed = self._pilot_confirmed_field
            return {lead.id for lead in leads if self.id in lead[confirmed]._origin.ids}
        return self._pilot_domain_satisfied_lead_ids(leads, rule.domain, in_memory=in_memory)

    def _pilot_met_domain(self):
        """The domain of the opportunities meeting the rule (as the checklist
        evaluates it, for a search over many of them), or None when it cannot
        be evaluated."""
        self.ensure_one()
        rule = self._pilot_definition()
        if rule.rule_type == "field":
            if rule.field_name not in self.env["crm.lead"]._fields:
                return None
            return [(rule.field_name, "!=", False)]  # the ORM's "is set" (0 and "" are not)
        if rule.rule_type == "manual":
            return [(self._pilot_confirmed_field, "in", [self.id])]
        try:
            return self._pilot_get_domain(rule.domain)
        except ValueError:
            return None

    @api.model
    def _pilot_fetch_rule_fields(self, leads, definitions):
        """Read in one narrow query what the field and manual rules among
        ``definitions`` (pairs of type and field name) read on ``leads``."""
        leads.sudo()._pilot_fetch(
            [
                fname
                for rule_type, fname in definitions
                if rule_type == "field" and fname in leads._fields
            ]
            + (
                [self._pilot_confirmed_field]
                if any(rule_type == "manual" for rule_type, _fname in definitions)
                else []
            )
        )

    @api.model
    def _pilot_satisfied_by_rule(self, leads, lead_ids_by_rule, broken=None, in_memory=False):
        """{rule id: ids of the leads meeting it}, set-based: each rule of
        ``lead_ids_by_rule`` ({rule: [ids of the leads it applies to]}) is
        evaluated once on all its leads (browsed in the environment of
        ``leads``). A rule that cannot be evaluated is met by none; its id is
        added to ``broken`` when given (``in_memory``: see
        _pilot_domain_satisfied_lead_ids)."""
        satisfied = {}
        for rule, lead_ids in lead_ids_by_rule.items():
            # browse((id,)) keeps the NewIds of a form's onchange
            lead_satisfied = rule._pilot_satisfied_lead_ids(
                leads.browse(lead_ids), in_memory=in_memory
            )
            if lead_satisfied is None:  # cannot be evaluated: not met
                lead_satisfied = set()
                if broken is not None:
                    broken.add(rule.id)
            satisfied[rule.id] = lead_satisfied
        return satisfied
