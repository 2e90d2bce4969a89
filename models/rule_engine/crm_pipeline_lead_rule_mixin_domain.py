# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The stored domains of the rules (crm.pipeline.lead.rule.mixin): read as
data (models/trust/domain.py), checked as domains of opportunities, and
refused at save with a message that names the problem, never a value."""

import datetime as datetime_module

import psycopg2

from odoo import fields, models
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

# What a condition may compare a field with (or a list of these)
DOMAIN_VALUE_TYPES = (str, int, float, datetime_module.date, type(None))


class CrmPipelineLeadRuleMixin(models.AbstractModel):
    _inherit = "crm.pipeline.lead.rule.mixin"

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
            raise ValidationError(self._pilot_rule_error("domain", error.args[0])) from None

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


class InvalidDomainError(ValueError):
    """A stored domain that is not a valid domain of opportunities; its only
    argument is a translated reason safe to show (no evaluated value)."""
