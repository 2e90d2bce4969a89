# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Values the add-on trusts, on every model, whatever the path (form, RPC,
import, copy, context defaults): one mechanism read from the declarations
of the fields.

- ``pilot_bounds=(low, high)`` on a numeric field: its values are finite
  numbers within the bounds, refused otherwise with a translated message.
- Fields the application maintains: the stored computed fields of the
  add-on without an inverse, and the fields declared
  ``pilot_maintained=True`` (dates of the last interaction, counters, files
  of the reviews...). Nobody types them: a value given to ``create``,
  ``write``, ``copy`` or ``load``, or as a ``default_<field>`` key of the
  context, is refused, unless written by code running as superuser."""

import logging
import math
from datetime import date

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools.mail import html2plaintext
from odoo.tools.misc import formatLang

_logger = logging.getLogger(__name__)

MODULE = "crm_pipeline_pilot"
# What a PostgreSQL integer column holds
INT_MAX = 2**31 - 1

# Bounds shared by the fields of one unit
AMOUNT_BOUNDS = (0, 1e15)  # an amount in any currency, never negative
PERCENT_BOUNDS = (0, 100)  # a rate or a probability, in %
DAYS_BOUNDS = (0, 3650)  # a delay in days: at most ten years
POSITIVE_DAYS_BOUNDS = (1, 3650)  # a delay of at least one day
MONTHS_BOUNDS = (1, 120)  # a period in months: at most ten years
SEQUENCE_BOUNDS = (-1_000_000, 1_000_000)  # an order in a list
COUNT_BOUNDS = (1, 1_000_000)  # a number of opportunities or of events
PUSH_COUNT_BOUNDS = (1, 100)  # pushes of an expected closing date
RATIO_BOUNDS = (0, 1000)  # a multiple (pipeline coverage)
LIFT_BOUNDS = (0.01, 100)  # a difference of win rates, in points, more than 0
# A margin rate of an opportunity, typed or given by its cost: at most 100 %,
# negative when the cost exceeds the revenue, down to -1,000 % (a cost of
# eleven times the revenue: beyond, a typing error whose rate would swamp the
# averages of the reports); 100 % would leave no cost at all.
MARGIN_RATE_BOUNDS = (-1000, 99.99)
# An amount of a field of another module that the add-on adds up (expected
# revenue): negative in some businesses (credit notes), never beyond what sums
# of thousands of them keep finite.
SIGNED_AMOUNT_BOUNDS = (-1e15, 1e15)
# A date typed anywhere the add-on reads it (expected closing dates, weeks of
# reviews, back-tests): a week, a month or a year later is still a date, and
# every grouping by week or month of the views works.
DATE_BOUNDS = (date(1900, 1, 1), date(2199, 12, 31))


# Characters a text may hold that show nothing
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00a0\u202f"


def is_blank(text):
    """Whether a text typed as a justification or a note says nothing: only
    spaces or invisible characters (HTML: its text)."""
    if not text:
        return True
    if "<" in text or "&" in text:
        text = html2plaintext(text)
    return not text.translate({ord(char): None for char in INVISIBLE}).strip()


def field_bounds(field):
    """The declared (low, high) of ``field``, or None."""
    return getattr(field, "pilot_bounds", None)


def is_pilot_field(field):
    """Whether ``field`` is defined by the add-on or one of its bridge add-ons
    (crm_pipeline_pilot_sale...)."""
    return (field._module or "").startswith(MODULE)


def is_maintained(field):
    """Whether the application maintains ``field`` (see the module's doc)."""
    if not is_pilot_field(field) or not field.store:
        return False
    if getattr(field, "pilot_maintained", False):
        return True
    return bool(field.compute) and field.readonly and not field.inverse


def value_in_bounds(value, bounds):
    """Whether ``value`` (read from the database) is a finite number within
    ``bounds``; empty values (None, False) count as 0."""
    value = value or 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    low, high = bounds
    # The rounding of amounts adds a little noise to large values (1e15 is
    # stored 1e15 + 0.2): each bound is compared within a millionth of itself
    # (never of the other bound: -1,000 is below a bound of 0).
    if isinstance(value, float):
        return low - 1e-6 * max(abs(low), 1) <= value <= high + 1e-6 * max(abs(high), 1)
    return low <= value <= high


def format_bound(env, number):
    """A bound as the user reads it (1,000,000, not 1000000.0)."""
    return formatLang(env, number, digits=0 if float(number).is_integer() else 2)


class Base(models.AbstractModel):
    _inherit = "base"

    # Whether the model refuses the maintained fields at the entry of its own
    # create and write (before its steps add the values the application
    # maintains, see crm.lead), rather than here, below every override.
    _pilot_maintained_checked_at_entry = False
    # {name: bounds} of fields of other modules that the add-on reads and adds
    # up (e.g. the expected revenue and closing date of opportunities): typed
    # values are checked as the add-on's own.
    _pilot_core_bounds = {}
    # Names of fields of other modules that the application maintains and
    # the add-on adds up (the closing date of won deals): refused as the
    # add-on's own maintained fields, but to Settings administrators
    # (imports of history).
    _pilot_core_maintained = ()

    def _valid_field_parameter(self, field, name):
        return name in ("pilot_bounds", "pilot_maintained") or super()._valid_field_parameter(
            field, name
        )

    # create, write and _validate_fields of the models without fields of the
    # add-on (nor bounds or maintained fields it declares on fields of other
    # modules) go straight to Odoo's: see _pilot_checks_values.

    @api.model_create_multi
    def create(self, vals_list):
        if not self._pilot_checks_values():
            return super().create(vals_list)
        self._pilot_check_values(vals_list, creating=True)
        records = super().create(vals_list)
        records._pilot_check_typed_bounds(vals_list)
        return records

    def write(self, vals):
        if not self._pilot_checks_values():
            return super().write(vals)
        self._pilot_check_values([vals])
        result = super().write(vals)
        self._pilot_check_typed_bounds([vals])
        return result

    def _validate_fields(self, field_names, excluded_names=()):
        if not self._pilot_checks_values():
            return super()._validate_fields(field_names, excluded_names)
        # The constraints of the models first (their messages are more
        # precise), then the declared bounds. (A generator at creation.)
        field_names = list(field_names)
        result = super()._validate_fields(field_names, excluded_names)
        self._pilot_check_bounds(field_names, excluded_names)
        return result

    def _pilot_model_flag(self, name, compute):
        """A property of the model's fields, kept on the class of the
        registry under ``name`` and computed again (``compute()``) only when
        its fields change (a module loaded after the add-on in the same
        registry adds fields to the same class)."""
        cls = type(self)
        cached = cls.__dict__.get(name)
        if cached is not None and cached[0] == len(cls._fields):
            return cached[1]
        cached = (len(cls._fields), compute())
        setattr(cls, name, cached)
        return cached[1]

    def _pilot_extended_by_addon(self):
        """Whether the add-on (or one of its bridge add-ons) defines fields
        on the model."""
        cached = type(self).__dict__.get("_pilot_extended_cache")
        if cached is not None and cached[0] == len(self._fields):
            return cached[1]
        return self._pilot_model_flag(
            "_pilot_extended_cache",
            lambda: any(is_pilot_field(field) for field in self._fields.values()),
        )

    def _pilot_checks_values(self):
        """Whether the values mechanism concerns the model: fields of the
        add-on or of its bridges, or bounds or maintained fields it declares
        on fields of other modules (_pilot_core_bounds, _pilot_core_maintained).
        The other models (most of the registry) are left to Odoo at the cost
        of this test, read from the class."""
        cached = type(self).__dict__.get("_pilot_checks_values_cache")
        if cached is not None and cached[0] == len(self._fields):
            return cached[1]
        return self._pilot_model_flag(
            "_pilot_checks_values_cache",
            lambda: (
                bool(self._pilot_core_bounds or self._pilot_core_maintained)
                or any(is_pilot_field(field) for field in self._fields.values())
            ),
        )

    # ------------------------------------------------------------------
    # Fields maintained by the application
    # ------------------------------------------------------------------

    @api.model
    def _pilot_maintained_fields(self):
        """Names of the fields of the model maintained by the application."""
        return [name for name, field in self._fields.items() if is_maintained(field)]

    def _pilot_check_values(self, vals_list, creating=False, entry=False):
        """Refuse what no value of any path may be: a value of a field the
        application maintains (unless written as superuser), or a value of a
        numeric field of the add-on that is not a finite number the database
        can hold (the bounds are checked with the other constraints).

        ``entry``: called by the model's own create or write, before its
        steps (see _pilot_maintained_checked_at_entry)."""
        fields_ = self._fields
        given = {fname for vals in vals_list for fname in vals}
        if creating:
            given |= {
                key[8:]
                for key in self.env.context
                if isinstance(key, str) and key.startswith("default_")
            }
        mine = [
            fields_[fname] for fname in given if fname in fields_ and is_pilot_field(fields_[fname])
        ]
        core = [fields_[fname] for fname in given if fname in self._pilot_core_bounds]
        if core:
            self._pilot_check_core_values(core, vals_list)
        # The integers of Odoo's fields on the models the add-on extends (a
        # stage's sequence): what the column holds, not a database error.
        core_integers = [
            fields_[fname]
            for fname in given
            if fname in fields_
            and fields_[fname].type == "integer"
            and fields_[fname]._module != MODULE
            and fields_[fname].store
        ]
        if core_integers and (mine or self._pilot_extended_by_addon()):
            self._pilot_check_core_integers(core_integers, vals_list)
        core_maintained = [
            fields_[fname] for fname in given if fname in self._pilot_core_maintained
        ]
        if not (mine or core_maintained):
            return
        if not self.env.su and entry == self._pilot_maintained_checked_at_entry:
            maintained = [field for field in mine if is_maintained(field)]
            if core_maintained and not self.env.user.has_group("base.group_system"):
                maintained += core_maintained
            if maintained:
                raise AccessError(
                    self.env._(
                        "These fields are maintained by the application and cannot be "
                        "written: %(fields)s.",
                        fields=", ".join(
                            sorted(field._description_string(self.env) for field in maintained)
                        ),
                    )
                )
        for field in mine:
            if field.type in ("date", "datetime"):
                self._pilot_check_dates(field, vals_list, DATE_BOUNDS)
            if field.type not in ("integer", "float", "monetary"):
                continue
            for vals in vals_list:
                if field.name not in vals:
                    continue
                if not self._pilot_is_number(field, vals[field.name]):
                    raise ValidationError(
                        self.env._(
                            'The value of "%(field)s" (%(model)s) is not a valid number.',
                            field=field._description_string(self.env),
                            model=self._description,
                        )
                    )
                value = vals[field.name]
                bounds = field.compute and field.inverse and field_bounds(field)
                if bounds and value and abs(value) > max(abs(bounds[0]), abs(bounds[1]), 1e15):
                    # Beyond what the inverse computes with (1e308 overflows):
                    # the bounds before the inverse's arithmetic.
                    self._pilot_raise_out_of_bounds(field)

    def _pilot_check_core_values(self, core_fields, vals_list):
        """Typed values of fields of other modules the add-on adds up: finite
        numbers and dates within their bounds (see _pilot_core_bounds)."""
        for field in core_fields:
            bounds = self._pilot_core_bounds[field.name]
            if field.type in ("date", "datetime"):
                self._pilot_check_dates(field, vals_list, bounds)
                continue
            for vals in vals_list:
                value = vals.get(field.name)
                if field.name in vals and not (
                    self._pilot_is_number(field, value) and value_in_bounds(value, bounds)
                ):
                    raise ValidationError(
                        self.env._(
                            '"%(field)s" (%(model)s) must be a number between %(low)s and '
                            "%(high)s.",
                            field=field._description_string(self.env),
                            model=self._description,
                            low=format_bound(self.env, bounds[0]),
                            high=format_bound(self.env, bounds[1]),
                        )
                    )

    def _pilot_check_core_integers(self, int_fields, vals_list):
        """Refuse a value of an integer field of another module that is not
        a whole number its column holds."""
        for field in int_fields:
            for vals in vals_list:
                if field.name in vals and not self._pilot_is_number(field, vals[field.name]):
                    raise ValidationError(
                        self.env._(
                            'The value of "%(field)s" (%(model)s) is not a valid number.',
                            field=field._description_string(self.env),
                            model=self._description,
                        )
                    )

    def _pilot_check_dates(self, field, vals_list, bounds):
        """Refuse a typed date outside ``bounds`` (or that is no date)."""
        for vals in vals_list:
            value = vals.get(field.name)
            if not value:
                continue
            try:
                day = fields.Date.to_date(
                    fields.Datetime.to_datetime(value) if field.type == "datetime" else value
                )
            except (TypeError, ValueError):
                day = None
            if not day or not bounds[0] <= day <= bounds[1]:
                raise ValidationError(
                    self.env._(
                        '"%(field)s" (%(model)s) must be a date between %(low)s and %(high)s.',
                        field=field._description_string(self.env),
                        model=self._description,
                        low=fields.Date.to_string(bounds[0]),
                        high=fields.Date.to_string(bounds[1]),
                    )
                )

    @api.model
    def _pilot_is_number(self, field, value):
        """Whether ``value`` is a finite number (or empty) that the column of
        ``field`` holds."""
        if value is None or value is False:
            return True
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if not math.isfinite(value):
            return False
        if field.type == "integer":  # 5.0 from some clients, never 5.5
            return float(value).is_integer() and -INT_MAX <= value <= INT_MAX
        return True

    # ------------------------------------------------------------------
    # Declared bounds
    # ------------------------------------------------------------------

    def _pilot_check_bounds(self, field_names, excluded_names=()):
        """Refuse the values of the fields of ``field_names`` (but
        ``excluded_names``) outside their declared bounds. Computed fields
        are left out: Odoo validates them after each computation too, and
        what the application computes is not typed (the value typed through
        an inverse is checked by _pilot_check_values)."""
        for fname in field_names:
            field = self._fields.get(fname)
            bounds = field and not field.compute and not field.related and field_bounds(field)
            if not bounds or fname in excluded_names:
                continue
            for record in self:
                if not value_in_bounds(record[fname], bounds):
                    self._pilot_raise_out_of_bounds(field)

    def _pilot_check_typed_bounds(self, vals_list):
        """Refuse a value typed for a computed field with an inverse outside
        its bounds (after the checks of the model's own inverse, whose
        messages are more precise): the value typed is bounded, not the
        value the application computes."""
        for vals in vals_list:
            for fname, value in vals.items():
                field = self._fields.get(fname)
                bounds = field and field.compute and not field.related and field_bounds(field)
                if bounds and not value_in_bounds(value, bounds):
                    self._pilot_raise_out_of_bounds(field)

    def _pilot_raise_out_of_bounds(self, field):
        bounds = field_bounds(field) or (None, None)
        raise ValidationError(
            self.env._(
                '"%(field)s" (%(model)s) must be a number between %(low)s and %(high)s.',
                field=field._description_string(self.env),
                model=self._description,
                low=format_bound(self.env, bounds[0]),
                high=format_bound(self.env, bounds[1]),
            )
        )

    @api.model
    def _pilot_out_of_bounds(self, fname, value, label):
        """Whether a value read for a view (``value`` of the field ``fname``,
        possibly stored before the bounds existed, or in SQL) is outside the
        field's bounds, or not a finite number: then it is logged for the
        administrators (``label``: what holds it, never translated) and the
        caller skips it, so that one bad value never breaks a view."""
        bounds = field_bounds(self._fields[fname]) or (-math.inf, math.inf)
        if value_in_bounds(value, bounds):
            return False
        _logger.warning(
            "%s: the value of %s.%s is not a number within %s: it is ignored until a sales "
            "manager fixes it.",
            label,
            self._name,
            fname,
            bounds,
        )
        return True
