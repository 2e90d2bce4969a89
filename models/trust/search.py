# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Searches on the add-on's fields, whatever the client sends.

A search (``search``, ``search_read``, ``search_count``, ``read_group``,
the filters of the views) on a field of the add-on, or on an integer field
of a model the add-on extends, with a value its column cannot be compared
with (a text for a number or a date, a number beyond what the column holds,
a list mixing ids and texts, a domain that is no domain) is refused with a
translated message before any query runs, never with a database error or a
traceback. The values each operator takes are read from the type of the
field, so that a field added later is covered the day it lands."""

import math

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

from .base import INT_MAX, is_pilot_field

LIKE_OPERATORS = ("like", "not like", "ilike", "not ilike", "=like", "=ilike")
LIST_OPERATORS = ("in", "not in")
COMPARISONS = ("=", "!=", "<", "<=", ">", ">=", "=?", "<>")
TREE_OPERATORS = ("child_of", "parent_of")
SUBDOMAIN_OPERATORS = ("any", "not any")
RELATIONAL = ("many2one", "one2many", "many2many")
NUMERIC = ("integer", "float", "monetary")
TEXTUAL = ("char", "text", "html", "selection", "binary")
# What Python raises while Odoo turns a domain it cannot read into a query.
DOMAIN_ERRORS = (ValueError, TypeError, KeyError, AssertionError, OverflowError, IndexError)


# The values a JSON-RPC or XML-RPC client can send; any other value (a
# query, records, a date, a set) was built by the code itself and is left to
# Odoo.
CLIENT_SCALARS = (str, int, float, bool, type(None))


def _is_id(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= INT_MAX


def _item_fits(field, item, ids_only=False):
    """Whether one value of a client (not False or None) fits ``field``."""
    if not isinstance(item, CLIENT_SCALARS):
        return True
    if isinstance(item, list | tuple | dict):
        return False
    ftype = field.type
    if ftype in RELATIONAL:
        return _is_id(item) or (isinstance(item, str) and not ids_only)
    if ftype in NUMERIC:
        if isinstance(item, bool) or not isinstance(item, int | float):
            return False
        if not math.isfinite(item):
            return False
        if ftype == "integer":
            return float(item).is_integer() and -INT_MAX <= item <= INT_MAX
        return True
    if ftype in ("date", "datetime"):
        if not isinstance(item, str):
            return False
        try:
            if ftype == "datetime":
                return bool(fields.Datetime.to_datetime(item))
            return bool(fields.Date.to_date(item))
        except (ValueError, TypeError, OverflowError):
            return False
    if ftype == "boolean":
        return isinstance(item, bool) or item in (0, 1)
    if ftype in TEXTUAL:
        return isinstance(item, str)
    return True


def value_fits(field, operator, value):
    """Whether ``value`` may be compared with ``field`` by ``operator``
    (an operator Odoo accepts, lowercase)."""
    if not isinstance(value, (*CLIENT_SCALARS, list, tuple, dict)):
        return True
    if isinstance(value, dict):
        return False
    if operator in SUBDOMAIN_OPERATORS:
        return field.type in RELATIONAL and isinstance(value, list | tuple)
    if operator in LIKE_OPERATORS:
        if field.type == "boolean":
            return False
        if field.type in TEXTUAL and value in (False, None):
            return True
        return isinstance(value, str)
    many = isinstance(value, list | tuple)
    if operator in LIST_OPERATORS and not many:
        return False
    values = [
        item for item in (value if many else [value]) if item is not False and item is not None
    ]
    if operator in TREE_OPERATORS:
        if field.type not in RELATIONAL:
            return False
        ints = [item for item in values if isinstance(item, int)]
        # ids, or names: never both
        return len(ints) in (0, len(values)) and all(_item_fits(field, item) for item in values)
    if field.type in RELATIONAL:
        # A search method of the add-on (no column) takes ids only; ids and
        # names are never mixed.
        ids_only = not field.store and bool(field.search) and not field.related
        ints = [item for item in values if isinstance(item, int)]
        if ints and len(ints) != len(values):
            return False
        return all(_item_fits(field, item, ids_only) for item in values)
    return all(_item_fits(field, item) for item in values)


class Base(models.AbstractModel):
    _inherit = "base"

    def _search(self, domain, offset=0, limit=None, order=None):
        # Only the models with fields of the add-on hold leaves to guard: the
        # others go straight to Odoo's search (see _pilot_guarded_leaves).
        if not self._pilot_extended_by_addon():
            return super()._search(domain, offset=offset, limit=limit, order=order)
        guarded = self._pilot_guarded_leaves(domain)
        if not guarded:
            return super()._search(domain, offset=offset, limit=limit, order=order)
        for field, operator, value in guarded:
            if not isinstance(operator, str) or not value_fits(field, operator.lower(), value):
                raise self._pilot_search_error(field)
        try:
            return super()._search(domain, offset=offset, limit=limit, order=order)
        except DOMAIN_ERRORS as error:
            # A domain Odoo cannot read (an operator a field does not take, a
            # malformed subdomain): said in words, not with a traceback.
            raise self._pilot_search_error(guarded[0][0]) from error

    def _pilot_guarded_leaves(self, domain):
        """(field, operator, value) of the leaves of ``domain`` on a field of
        the add-on, or on an integer field of a model it extends."""
        if not isinstance(domain, list | tuple):
            return []
        guarded = []
        fields_ = self._fields
        for leaf in domain:
            if not isinstance(leaf, list | tuple) or len(leaf) != 3:
                continue
            path = leaf[0]
            if not isinstance(path, str):
                continue
            field = fields_.get(path.split(".", 1)[0])
            if field is None:
                continue
            if not is_pilot_field(field):  # the add-on's or a bridge add-on's
                # Odoo's integers on the models the add-on extends: the
                # comparisons that reach their column (ids of a hierarchy
                # keep Odoo's child_of and parent_of)
                if field.type != "integer" or leaf[1] not in (*COMPARISONS, *LIST_OPERATORS):
                    continue
                if not self._pilot_extended_by_addon():
                    continue
            if "." in path:
                # The rest of the path is searched on the comodel (guarded
                # there); the first field must lead somewhere.
                if field.type not in RELATIONAL:
                    raise self._pilot_search_error(field)
                continue
            guarded.append((field, leaf[1], leaf[2]))
        return guarded

    def _pilot_search_error(self, field):
        operators = ", ".join(expression.TERM_OPERATORS)
        return UserError(
            self.env._(
                'The search on "%(field)s" (%(model)s) cannot be done with this operator or '
                "value: compare it with a value of its type (operators: %(operators)s).",
                field=field._description_string(self.env),
                model=self._description,
                operators=operators,
            )
        )
