# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the fields of the opportunity computed from the rules
(crm.pipeline.lead.rule.mixin) depend on, and which fields a rule reads."""

from odoo import api, models, tools

from . import dated_next_action


class CrmPipelineLeadRuleMixin(models.AbstractModel):
    _inherit = "crm.pipeline.lead.rule.mixin"

    @api.model
    def _pilot_lead_depends(self, lead_model, ignored=()):
        """What a field of ``lead_model`` (crm.lead) computed from these rules
        depends on: rules may read any field, so every stored field of the lead
        but the dates and authors of the record and ``ignored`` (the computed
        fields themselves), plus the confirmations of the manual rules and what
        the helpers read (the tags, the planned activities)."""
        ignored = {"write_date", "write_uid", "create_date", "create_uid", *ignored}
        names = [
            name
            for name, field in lead_model._fields.items()
            if field.store
            and field.type not in ("one2many", "many2many", "binary", "properties")
            and name not in ignored
        ]
        return [
            *names,
            "tag_ids",
            self._pilot_confirmed_field,
            *dated_next_action.LEAD_DEPENDS,
        ]

    def _pilot_fields_read(self, rule):
        """Names of the fields of the lead that the rule of self, defined by
        ``rule`` (a RuleDefinition), reads: a field rule its field, a manual
        one the confirmations (the lead's field ``_pilot_confirmed_field``), a
        domain one the first field of each condition's path; a computed field stands for what
        it is computed from too (its dependencies, followed down to the stored
        fields of the lead). A domain that cannot be evaluated reads nothing
        (the rule counts as not met)."""
        Lead = self.env["crm.lead"]
        names = set()
        if rule.rule_type == "field" and rule.field_name:
            names.add(rule.field_name)
        elif rule.rule_type == "manual":
            names.add(self._pilot_confirmed_field)
        elif rule.rule_type == "domain":
            try:
                domain = self._pilot_get_domain(rule.domain)
            except ValueError:
                domain = []
            names.update(
                leaf[0].split(".")[0]
                for leaf in domain
                if isinstance(leaf, list | tuple) and isinstance(leaf[0], str)
            )
        todo = list(names)
        while todo:
            field = Lead._fields.get(todo.pop())
            if field is None or not field.compute:
                continue
            for dependency in self.pool.field_depends.get(field, ()):
                name = dependency.split(".")[0]
                if name not in names:
                    names.add(name)
                    todo.append(name)
        return frozenset(name for name in names if name in Lead._fields)

    @api.model
    @tools.ormcache()
    def _pilot_read_fields_by_id(self):
        """{id of an active rule: frozenset of the names of the fields of the
        lead it reads} (see _pilot_fields_read), cached with the definitions:
        a domain's text is evaluated here once, not on every write."""
        return {
            definition.id: self.browse(definition.id)._pilot_fields_read(definition.rule)
            for definition in self._pilot_active_definitions()
        }

    def _pilot_read_fields(self):
        """Names of the fields of the lead that the rules of self read (from
        the cache for the active ones: no query, no evaluation)."""
        by_id = self._pilot_read_fields_by_id()
        names = set()
        for rule in self:
            if rule.id in by_id:
                names.update(by_id[rule.id])
            else:
                names.update(rule._pilot_fields_read(rule._pilot_definition()))
        return names
