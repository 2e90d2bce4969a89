# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The named definitions of the rules, as the registry cache keeps them (one
query per model, then no query): what a rule checks, and where it applies.

Plain values, read by name (``definition.rule_type``), never by position."""

from typing import NamedTuple


class RuleDefinition(NamedTuple):
    """What a rule on opportunities checks (crm.pipeline.lead.rule.mixin)."""

    rule_type: str  # "field", "domain" or "manual"
    field_name: str | None  # the field that must be set (type "field")
    domain: str | None  # the text of the domain (type "domain")


class ExitCriterionDefinition(NamedTuple):
    """An active exit criterion (crm.stage.exit.criterion)."""

    id: int
    stage_id: int
    rule_type: str
    field_name: str | None
    domain: str | None

    @property
    def rule(self):
        return RuleDefinition(self.rule_type, self.field_name, self.domain)


class QualificationRuleDefinition(NamedTuple):
    """An active qualification rule (crm.qualification.rule)."""

    id: int
    dimension: str
    team_id: int | bool  # False: a default of every team
    rule_type: str
    field_name: str | None
    domain: str | None

    @property
    def rule(self):
        return RuleDefinition(self.rule_type, self.field_name, self.domain)


class NextActionRuleDefinition(NamedTuple):
    """An active next-action rule (crm.next.action.rule)."""

    id: int
    team_id: int | bool  # False: a default
    condition: str
    delay_days: int
    company_id: int | bool  # of a default: False when shared by every company
