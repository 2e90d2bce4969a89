# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Stored domains read as data: the text of a domain is parsed once (and
kept), refused unless it holds only what Odoo's domain editor writes, and
evaluated without running any code.

What a domain may hold: texts, numbers, booleans, None, lists and tuples of
them; the names ``uid`` and ``today``; the calls ``context_today()``,
``relativedelta(days=..., ...)`` (whole numbers), ``datetime.date(y, m, d)``,
``datetime.datetime(y, m, d[, h, mi, s])``, ``datetime.date.today()``,
``datetime.datetime.now()``, ``time.strftime(format)``,
``<date>.strftime(format)`` and ``<date>.isoformat()``; a date plus or minus
a relativedelta. Nothing else: no other call, name or attribute, no
comprehension, no arithmetic on numbers. Its size is bounded (characters,
elements), so its evaluation costs next to nothing."""

import ast
import datetime
import functools
import math
import time

from dateutil.relativedelta import relativedelta

MAX_DOMAIN_LENGTH = 10_000  # characters of the text
MAX_DOMAIN_NODES = 2_000  # elements of the parsed text
MAX_NUMBER = 10**15  # a number written in a domain
MAX_DELTA = 100_000  # a relativedelta argument (days, months...)
MAX_TEXT = 1_000  # characters of a text in a domain
RELATIVEDELTA_ARGS = frozenset(
    {
        "years",
        "months",
        "weeks",
        "days",
        "hours",
        "minutes",
        "seconds",
        "year",
        "month",
        "day",
        "weekday",
        "hour",
        "minute",
        "second",
    }
)
# The names a domain may use (for the messages)
DOMAIN_NAMES = ("uid", "today", "context_today()", "relativedelta()", "datetime", "time")


class DomainTextError(ValueError):
    """The text of a stored domain is refused; ``args[0]`` is the kind of
    refusal: "syntax", "size", "content" or "evaluation" (then ``args[1]``
    is the name of the error, e.g. a date out of range)."""


def _fail(kind):
    raise DomainTextError(kind)


def _dotted(node):
    """``datetime.date.today`` for the attribute node, or None."""
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    names.append(node.id)
    return ".".join(reversed(names))


def _check_number(value):
    if isinstance(value, float) and not math.isfinite(value):
        _fail("content")
    if isinstance(value, int | float) and abs(value) > MAX_NUMBER:
        _fail("content")


def _check(node):
    """Refuse (DomainTextError "content") any node that is not allowed."""
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, str):
            if len(value) > MAX_TEXT:
                _fail("content")
        elif value is None or isinstance(value, bool):
            pass
        elif isinstance(value, int | float):
            _check_number(value)
        else:
            _fail("content")
    elif isinstance(node, ast.List | ast.Tuple):
        for element in node.elts:
            _check(element)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd) or not (
            isinstance(node.operand, ast.Constant)
            and isinstance(node.operand.value, int | float)
            and not isinstance(node.operand.value, bool)
        ):
            _fail("content")
    elif isinstance(node, ast.Name):
        if node.id not in ("uid", "today"):
            _fail("content")
    elif isinstance(node, ast.BinOp):
        if not isinstance(node.op, ast.Add | ast.Sub):
            _fail("content")
        _check(node.left)
        _check(node.right)
    elif isinstance(node, ast.Call):
        _check_call(node)
    else:
        _fail("content")


def _whole_numbers(nodes):
    for node in nodes:
        operand = node.operand if isinstance(node, ast.UnaryOp) else node
        if not (
            isinstance(node, ast.Constant | ast.UnaryOp)
            and (not isinstance(node, ast.UnaryOp) or isinstance(node.op, ast.USub | ast.UAdd))
            and isinstance(operand, ast.Constant)
            and type(operand.value) is int
            and abs(operand.value) <= MAX_DELTA
        ):
            _fail("content")


def _is_date_method(node):
    """Whether the call ``node`` is the strftime or isoformat method of a
    date (``today.strftime(...)``, ``(today + relativedelta(...)).isoformat()``)."""
    func = node.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr in ("strftime", "isoformat")
        and _dotted(func) != "time.strftime"
        and _dotted(func.value) not in ("datetime", "datetime.date", "datetime.datetime", "time")
    )


def _check_call(node):
    name = _dotted(node.func)
    if _is_date_method(node):
        # <date expression>.strftime("%Y-%m-%d") or .isoformat()
        _check(node.func.value)
        name = node.func.attr
    if name in ("context_today", "datetime.date.today", "datetime.datetime.now", "isoformat"):
        if node.args or node.keywords:
            _fail("content")
    elif name == "relativedelta":
        if node.args or any(kw.arg not in RELATIVEDELTA_ARGS for kw in node.keywords):
            _fail("content")
        _whole_numbers([kw.value for kw in node.keywords])
    elif name in ("datetime.date", "datetime.datetime"):
        if node.keywords or not 3 <= len(node.args) <= (3 if name == "datetime.date" else 6):
            _fail("content")
        _whole_numbers(node.args)
    elif name in ("strftime", "time.strftime"):
        if (
            node.keywords
            or len(node.args) != 1
            or not isinstance(node.args[0], ast.Constant)
            or not isinstance(node.args[0].value, str)
            or len(node.args[0].value) > 50
        ):
            _fail("content")
    else:
        _fail("content")


@functools.lru_cache(maxsize=512)
def parse_domain_text(text):
    """The checked expression of the domain ``text`` (parsed once per text
    and kept: the rules are evaluated on every card of the pipeline).

    :raise DomainTextError: the text is refused
    """
    if not isinstance(text, str) or len(text) > MAX_DOMAIN_LENGTH:
        _fail("size")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        _fail("syntax")
    if sum(1 for _node in ast.walk(tree)) > MAX_DOMAIN_NODES:
        _fail("size")
    try:
        _check(tree.body)
    except RecursionError:
        _fail("size")
    return tree.body


def evaluate_domain_text(text, uid, today):
    """The value of the domain ``text`` (see parse_domain_text), with the
    user ``uid`` and the date ``today``.

    :raise DomainTextError: the text is refused or does not evaluate
    """
    expression = parse_domain_text(text)
    try:
        return _evaluate(expression, uid, today)
    except DomainTextError:
        raise
    except (TypeError, ValueError, OverflowError) as error:
        # A date out of range: its kind of error only, never its text
        raise DomainTextError("evaluation", type(error).__name__) from error


def _evaluate(node, uid, today):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List):
        return [_evaluate(element, uid, today) for element in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_evaluate(element, uid, today) for element in node.elts)
    if isinstance(node, ast.UnaryOp):
        value = node.operand.value
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Name):
        return uid if node.id == "uid" else today
    if isinstance(node, ast.BinOp):
        return _evaluate_binop(node, uid, today)
    return _evaluate_call(node, uid, today)


def _evaluate_binop(node, uid, today):
    left = _evaluate(node.left, uid, today)
    right = _evaluate(node.right, uid, today)
    # date +/- relativedelta, relativedelta +/- relativedelta only
    if not isinstance(right, relativedelta) or not isinstance(left, relativedelta | datetime.date):
        if not (isinstance(node.op, ast.Add) and isinstance(left, relativedelta)):
            _fail("content")
        if not isinstance(right, datetime.date):
            _fail("content")
    return left + right if isinstance(node.op, ast.Add) else left - right


def _evaluate_call(node, uid, today):
    # a call, checked by parse_domain_text
    name = _dotted(node.func)
    args = [_evaluate(arg, uid, today) for arg in node.args]
    if _is_date_method(node):
        value = _evaluate(node.func.value, uid, today)
        if not isinstance(value, datetime.date):
            _fail("content")
        return value.strftime(args[0]) if node.func.attr == "strftime" else value.isoformat()
    if name in ("context_today", "datetime.date.today"):
        return today
    if name == "datetime.datetime.now":
        return datetime.datetime.now()
    if name == "relativedelta":
        return relativedelta(**{kw.arg: _evaluate(kw.value, uid, today) for kw in node.keywords})
    if name == "datetime.date":
        return datetime.date(*args)
    if name == "datetime.datetime":
        return datetime.datetime(*args)
    return time.strftime(args[0])
