# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Rules on opportunities of the kind of the exit criteria (a field is set, the
opportunity matches a domain, the salesperson confirms it), and the safe
evaluation of their domains: shared by the stage exit criteria and the
qualification score."""

import datetime as datetime_module
import logging

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.osv import expression
from odoo.tools import mute_logger

from ..trust.domain import (
    DOMAIN_NAMES,
    MAX_DOMAIN_LENGTH,
    MAX_DOMAIN_NODES,
    DomainTextError,
    evaluate_domain_text,
)

_logger = logging.getLogger(__name__)

# What a condition may compare a field with (or a list of these)
DOMAIN_VALUE_TYPES = (str, int, float, datetime_module.date, type(None))

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

    def _pilot_check_domain(self):
        """Refuse a domain that cannot be evaluated, that is not a domain of
        opportunities, or that the ORM cannot compile or run (checked as the
        user saving it: a field they may not read is refused). The message
        names the problem, never a value computed by the domain nor the text
        of the error."""
        self.ensure_one()
        try:
            domain = self._pilot_get_domain()
            if not domain:
                raise InvalidDomainError(self.env._("the domain is empty"))
            Lead = self.env["crm.lead"].with_context(active_test=False)
            try:
                query = Lead._search(domain, limit=1)
            except AccessError as error:
                raise InvalidDomainError(
                    self.env._("it uses a field you are not allowed to read")
                ) from error
            except Exception as error:  # any other error means an invalid domain
                raise InvalidDomainError(
                    self.env._(
                        "it cannot be applied to opportunities (%(error)s)",
                        error=type(error).__name__,
                    )
                ) from error
            # Run once (in a savepoint): a value the database cannot compare
            # with its field is refused now rather than in every kanban.
            try:
                with mute_logger("odoo.sql_db"), self.env.cr.savepoint(flush=False):
                    query.get_result_ids()
            except psycopg2.Error as error:
                raise InvalidDomainError(
                    self.env._("a value does not match the type of its field")
                ) from error
        except InvalidDomainError as error:
            raise ValidationError(self._pilot_invalid_domain_message(error.args[0])) from None

    def _pilot_invalid_domain_message(self, reason):
        """The refusal of an invalid domain (``reason``: translated, safe)."""
        return self.env._(
            'The domain of the rule "%(name)s" is invalid: %(error)s',
            name=self.name,
            error=reason,
        )

    def _pilot_get_domain(self, domain_text=None):
        """The criterion's domain as a list (``domain_text``: its cached text,
        to spare reading the record).

        What a sales manager stores is data: its text is parsed once and
        holds only values, ``uid``, ``today`` and dates (see
        models/trust/domain.py), evaluated without running any code; the
        result must be a domain of opportunities (see
        _pilot_check_domain_structure).

        :raise InvalidDomainError: with a translated reason that never contains a
            value computed by the domain nor the text of an evaluation error
        """
        self.ensure_one()
        if domain_text is None:
            domain_text = self.domain
        domain_text = domain_text or "[]"
        today = fields.Date.context_today(self)
        try:
            domain = evaluate_domain_text(domain_text, self.env.uid, today)
        except DomainTextError as error:
            kind = error.args[0]
            if kind == "syntax":
                reason = self.env._("the text is not a valid expression (syntax error)")
            elif kind == "size":
                reason = self.env._(
                    "it is too long or too nested (at most %(length)s characters and "
                    "%(nodes)s elements)",
                    length=MAX_DOMAIN_LENGTH,
                    nodes=MAX_DOMAIN_NODES,
                )
            elif kind == "evaluation":
                reason = self.env._(
                    "it cannot be evaluated (%(error)s); only %(names)s can be used in a domain",
                    error=error.args[1],
                    names=", ".join(DOMAIN_NAMES),
                )
                raise InvalidDomainError(reason) from error.__cause__
            else:
                reason = self.env._(
                    "it may hold only values (texts, numbers, dates, lists) and %(names)s, "
                    "with a date plus or minus a relativedelta: no other call nor arithmetic",
                    names=", ".join(DOMAIN_NAMES),
                )
            raise InvalidDomainError(reason) from None
        if not isinstance(domain, list | tuple):
            raise InvalidDomainError(self.env._("a domain must be a list of conditions"))
        domain = list(domain)
        self._pilot_check_domain_structure(self.env["crm.lead"], domain, domain_text)
        return domain

    def _pilot_check_domain_structure(self, model, domain, domain_text):
        """Check that ``domain`` is a well-formed domain of ``model``: a list of
        the operators &, | and ! and of conditions (field path, operator, value)
        whose field path exists, with plain values (text, numbers, dates,
        booleans, or lists of them). No query.

        Only what the user typed is named in the errors (a field path or an
        operator that appears as such in ``domain_text``)."""

        def typed(text):
            return isinstance(text, str) and len(text) <= 100 and text in domain_text

        expected = 1 if domain else 0  # an empty domain matches everything
        for element in domain:
            if expected == 0:  # implicit '&'
                expected = 1
            if expression.is_operator(element):
                expected += 1 if element != expression.NOT_OPERATOR else 0
                continue
            expected -= 1
            if not isinstance(element, list | tuple) or len(element) != 3:
                raise InvalidDomainError(
                    self.env._(
                        "each condition must be a list of three elements (field, operator, "
                        "value), or one of the operators &, | and !"
                    )
                )
            path, operator, value = element
            if tuple(element) in (expression.TRUE_LEAF, expression.FALSE_LEAF):
                continue
            if not isinstance(path, str) or not path:
                raise InvalidDomainError(
                    self.env._("the first element of each condition must be a field name")
                )
            if operator == "<>":
                operator = "!="
            if operator not in expression.TERM_OPERATORS:
                if typed(operator):
                    raise InvalidDomainError(
                        self.env._(
                            'the operator "%(operator)s" is not supported', operator=operator
                        )
                    )
                raise InvalidDomainError(self.env._("a condition uses an unsupported operator"))
            field = self._pilot_check_field_path(model, path, typed(path))
            if operator in ("any", "not any"):
                if not field.relational or not isinstance(value, list | tuple):
                    raise InvalidDomainError(
                        self.env._(
                            'the operators "any" and "not any" need a relational field and '
                            "a domain of its records"
                        )
                    )
                self._pilot_check_domain_structure(
                    self.env[field.comodel_name], list(value), domain_text
                )
                continue
            values = value if isinstance(value, list | tuple) else [value]
            if not all(isinstance(item, DOMAIN_VALUE_TYPES) for item in values):
                raise InvalidDomainError(
                    self.env._(
                        "a condition compares a field with something other than a text, "
                        "a number, a date, a boolean or a list of them"
                    )
                )
        if expected:
            raise InvalidDomainError(
                self.env._("the operators &, | and ! are not followed by enough conditions")
            )

    def _pilot_check_field_path(self, model, path, named):
        """The field at the end of ``path`` (e.g. ``partner_id.country_id``) on
        ``model``; ``named``: whether the error may name the path."""
        names = path.split(".")
        for index, name in enumerate(names):
            field = model._fields.get(name)
            if field is None:
                if named:
                    raise InvalidDomainError(
                        self.env._(
                            'the field "%(field)s" does not exist on %(model)s',
                            field=path,
                            model=model._description,
                        )
                    )
                raise InvalidDomainError(self.env._("a condition uses a field that does not exist"))
            if not (field.store or field.search):
                # The ORM would ignore the condition (matching everything).
                if named:
                    raise InvalidDomainError(
                        self.env._("the field “%(field)s” cannot be searched", field=path)
                    )
                raise InvalidDomainError(
                    self.env._("a condition uses a field that cannot be searched")
                )
            if index == len(names) - 1 or field.type == "properties":
                return field
            if not field.relational:
                if named:
                    raise InvalidDomainError(
                        self.env._(
                            'the field path "%(field)s" goes through a field that is not a '
                            "relation",
                            field=path,
                        )
                    )
                raise InvalidDomainError(
                    self.env._("a field path goes through a field that is not a relation")
                )
            model = self.env[field.comodel_name]
        return field

    def _pilot_field_satisfied_lead_ids(self, leads, fname):
        """Ids of the leads whose field ``fname`` is set (prefetched values)."""
        if fname not in leads._fields:
            return set()
        return {lead.id for lead in leads.sudo() if lead[fname]}

    def _pilot_domain_satisfied_lead_ids(self, leads, domain_text):
        """Ids of the leads (records or new records of a form) matching the
        rule's domain (``domain_text``: its cached text), or None when it
        cannot be evaluated: a domain that no longer evaluates or compiles (a
        field removed by another add-on, a date out of range...) must not break
        the kanban: the rule is logged and reported as not evaluable (None),
        which callers count as not met."""
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
            if saved_ids and self._pilot_domain_in_memory:
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

    def _pilot_definition(self):
        """(type, field name, domain) of the rule (each model reads it from
        its cache of active definitions when it can)."""
        self.ensure_one()
        return (self.criterion_type, self.field_id.name, self.domain)

    def _pilot_satisfied_lead_ids(self, leads):
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
        rule_type, fname, domain_text = self._pilot_definition()
        if rule_type == "field":
            return self._pilot_field_satisfied_lead_ids(leads, fname)
        if rule_type == "manual":
            confirmed = self._pilot_confirmed_field
            return {lead.id for lead in leads if self.id in lead[confirmed]._origin.ids}
        return self._pilot_domain_satisfied_lead_ids(leads, domain_text)

    # ------------------------------------------------------------------
    # Evaluation on opportunities (called from crm.lead)
    # ------------------------------------------------------------------

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
            "activity_ids.date_deadline",
            "activity_ids.pilot_follow_up_step_id",
            "activity_ids.automated",
            "activity_ids.activity_type_id",
        ]

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
    def _pilot_satisfied_by_rule(self, leads, lead_ids_by_rule, broken=None):
        """{rule id: ids of the leads meeting it}, set-based: each rule of
        ``lead_ids_by_rule`` ({rule: [ids of the leads it applies to]}) is
        evaluated once on all its leads (browsed in the environment of
        ``leads``). A rule that cannot be evaluated is met by none; its id is
        added to ``broken`` when given."""
        satisfied = {}
        for rule, lead_ids in lead_ids_by_rule.items():
            # browse((id,)) keeps the NewIds of a form's onchange
            lead_satisfied = rule._pilot_satisfied_lead_ids(leads.browse(lead_ids))
            if lead_satisfied is None:  # cannot be evaluated: not met
                lead_satisfied = set()
                if broken is not None:
                    broken.add(rule.id)
            satisfied[rule.id] = lead_satisfied
        return satisfied

    def _pilot_fields_read(self, criterion_type, fname, domain_text):
        """Names of the fields of the lead that the rule of self, defined
        by (``criterion_type``, ``fname``, ``domain_text``), reads: a field
        rule its field, a manual one the confirmations (the lead's field
        ``_pilot_confirmed_field``), a domain one the
        first field of each condition's path; a computed field stands for what
        it is computed from too (its dependencies, followed down to the stored
        fields of the lead). A domain that cannot be evaluated reads nothing
        (the rule counts as not met)."""
        Lead = self.env["crm.lead"]
        names = set()
        if criterion_type == "field" and fname:
            names.add(fname)
        elif criterion_type == "manual":
            names.add(self._pilot_confirmed_field)
        elif criterion_type == "domain":
            try:
                domain = self._pilot_get_domain(domain_text)
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


class InvalidDomainError(ValueError):
    """A stored domain that is not a valid domain of opportunities; its only
    argument is a translated reason safe to show (no evaluated value)."""
