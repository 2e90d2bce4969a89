# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""crm.lead: the frame of create and write and the steps the capabilities
extend, and what they share. Each capability extends crm.lead in its own
folder (margin/, loss_reason/, exit_criteria/, follow_up/,
stage_probability/, stage_history/, forecast_category/, close_date/,
qualification/, next_action/, won_reason/) with its fields, computes,
constraints and its own create and write steps."""

from collections import defaultdict
from contextlib import contextmanager

import pytz

from odoo import api, fields, models

from .trust.base import DATE_BOUNDS, PERCENT_BOUNDS, SIGNED_AMOUNT_BOUNDS

# How many names or lines an error message lists before "and N more".
MAX_NAMES_IN_MESSAGE = 10

# The one definition of a won opportunity, in every report, the forecast, the
# snapshots, the digest, the follow-ups and stagnation: active and in a won
# stage (as a domain: active and ("stage_id.is_won", "=", True)), where Odoo's
# "Won" button puts it. A probability of 100 % alone is not a win.


def won_sql(lead, stage):
    """SQL of "won" for the crm_lead row aliased ``lead`` joined to its
    crm_stage row aliased ``stage``."""
    return f"({lead}.active AND COALESCE({stage}.is_won, FALSE))"


def won_lead_sql(lead):
    """The same "won" as won_sql for the crm_lead row aliased ``lead``,
    without a join to crm_stage: the won stages are read once per query into
    an array (an InitPlan, whose value PostgreSQL hands to its parallel
    workers). Joining every row to its stage costs more, and a plain
    ``IN (SELECT ...)`` (a hashed SubPlan) keeps the query from running in
    parallel: 2.7 times plain Odoo's pivot on 1,000,000 opportunities."""
    return (
        f"({lead}.active AND {lead}.stage_id = ANY(ARRAY(SELECT id FROM crm_stage WHERE is_won)))"
    )


class _TrustedCode:
    """The value of the add-on's skip keys in a context (see TRUSTED)."""

    __slots__ = ()

    def __repr__(self):
        return "TRUSTED"


# The only value of a skip key (``pilot_skip_exit_criteria``) that is honoured,
# together with a superuser environment. It is a Python object, not JSON: an
# RPC client cannot send it, and automation rules, which run as superuser with
# the caller's context, cannot receive it from a user. Server code passes it:
#     leads.sudo().with_context(pilot_skip_exit_criteria=TRUSTED).write(...)
TRUSTED = _TrustedCode()


def is_trusted(env, key):
    """Whether trusted server code asks to skip the rule of ``key``."""
    return env.su and env.context.get(key) is TRUSTED


def company_tz(company):
    """The time zone of ``company``: its address's, else its working hours',
    else UTC. The time zone a client sends in its context never decides."""
    company = company.sudo()
    tz = company.partner_id.tz or company.resource_calendar_id.tz
    return tz if tz in pytz.all_timezones_set else "UTC"


def company_today(company):
    """Today's date for ``company`` (see company_tz)."""
    now = pytz.utc.localize(fields.Datetime.now())
    return now.astimezone(pytz.timezone(company_tz(company))).date()


# Today's date per lead, in SQL: the time zone of the lead's company (else of
# %(company)s), as company_tz; %(now)s is the current UTC time.
COMPANY_TODAY_SQL = """
    (SELECT (%(now)s::timestamp AT TIME ZONE 'UTC' AT TIME ZONE COALESCE(
                NULLIF(p.tz, ''), NULLIF(rc.tz, ''), 'UTC'))::date
       FROM res_company c
       JOIN res_partner p ON p.id = c.partner_id
  LEFT JOIN resource_calendar rc ON rc.id = c.resource_calendar_id
      WHERE c.id = COALESCE({lead}.company_id, %(company)s))
"""


def and_more(env, count):
    """What a bounded list leaves out, in the one wording of the add-on."""
    return env._("and %(count)s more", count=count)


def bounded_lines(env, lines, total=None, limit=MAX_NAMES_IN_MESSAGE):
    """The first ``limit`` of ``lines`` (the first lines of ``total``, by
    default all of them), then "and N more" for the others."""
    total = len(lines) if total is None else total
    shown = list(lines[:limit])
    if total > len(shown):
        shown.append(and_more(env, total - len(shown)))
    return shown


def cached_values(records, fname):
    """The values of the field ``fname`` of ``records``, in order, as the
    cache holds them (None for an empty value, the id for a many2one),
    loaded or computed for all the records at once when missing. For the
    computes of the kanban cards, which read a few fields of every card:
    ``mapped`` builds a record for each value to convert it, which costs more
    than the compute itself on a page of cards."""
    field = records._fields[fname]
    if field.compute and field.store:
        records._recompute_recordset([fname])
    cache = records.env.cache
    values = list(cache.get_until_miss(records, field))
    while len(values) < len(records):
        done = len(values)
        remaining = records[done:].with_prefetch(records._prefetch_ids)
        next(iter(remaining))[fname]  # loads or computes the prefetched records' values
        values += cache.get_until_miss(remaining, field)
        if len(values) == done:  # not cached by the ORM (a record deleted meanwhile)
            values += [remaining[0][fname]]
    return values


def many2one_ids(records, fname):
    """The id (or False) of the many2one ``fname`` of each record of
    ``records``, in order (see cached_values)."""
    return [value or False for value in cached_values(records, fname)]


def assign_values(records, fname, values):
    """Assign to each record of ``records`` its value of ``values``, in
    order, with one assignment per distinct value: for the computes of the
    kanban cards, which set a field on every card of the page at once."""
    ids_by_value = defaultdict(list)
    for id_, value in zip(records._ids, values, strict=True):
        ids_by_value[value].append(id_)
    for value, ids in ids_by_value.items():
        records.browse(ids)[fname] = value


def format_record_names(records, limit=MAX_NAMES_IN_MESSAGE):
    """Readable, bounded list of record names for error messages."""
    names = ", ".join(records[:limit].mapped("display_name"))
    if len(records) > limit:
        names = f"{names} {and_more(records.env, len(records) - limit)}"
    return names


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # The fields the application maintains are refused on the caller's values,
    # before the steps below add some of them (the last interaction).
    _pilot_maintained_checked_at_entry = True
    # The expected revenue and closing date are added up and grouped by week
    # and month by every report of the add-on: bounded when typed.
    _pilot_core_bounds = {
        "expected_revenue": SIGNED_AMOUNT_BOUNDS,
        "date_deadline": DATE_BOUNDS,
        "probability": PERCENT_BOUNDS,
    }
    _pilot_core_maintained = ("date_closed",)

    # ------------------------------------------------------------------
    # ORM overrides: the frame of create and write, whose steps each
    # capability extends (below)
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self._pilot_check_values(vals_list, creating=True, entry=True)
        vals_list = [self._pilot_create_vals(vals) for vals in vals_list]
        with self._pilot_creating():
            leads = super().create(vals_list)
            leads._pilot_after_create(vals_list)
        return leads

    def write(self, vals):
        self._pilot_check_values([vals], entry=True)
        state = {}
        vals = self._pilot_write_vals(vals, state)
        self._pilot_track_written_fields(vals)  # confirmations tracked when changed
        with self._pilot_writing(vals, state):
            # Qualification: scores evaluated again only when what the rules
            # read changes (innermost; to move into qualification/ as a
            # _pilot_writing step with the rule engine's rework).
            with self._pilot_qualification_kept(vals):
                result = super().write(vals)
        self._pilot_after_write(vals, state)
        return result

    # ------------------------------------------------------------------
    # The steps of create and write. Each capability extends the ones it
    # needs in its own folder, calling super() first: the steps of the
    # capabilities run in the order of models/__init__.py (exit criteria
    # before the amount revisions and the closing dates, for instance).
    # ------------------------------------------------------------------

    def _pilot_create_vals(self, vals):
        """Create step: the values of one new lead, changed as the capability
        needs (a copy, never ``vals`` itself)."""
        return vals

    @contextmanager
    def _pilot_creating(self):
        """Create step wrapped around the creation and its checks (a
        savepoint, so that a refused creation leaves nothing behind)."""
        yield

    def _pilot_after_create(self, vals_list):
        """Create step on the new leads: checks and records, given the values
        of their creation (``vals_list``, in order)."""

    def _pilot_write_vals(self, vals, state):
        """Write step before the write: the values to write, changed as the
        capability needs (a copy, never ``vals`` itself); what a later step
        of the same capability needs goes in the dict ``state``."""
        return vals

    @contextmanager
    def _pilot_writing(self, vals, state):
        """Write step wrapped around the write of ``vals``: checks and records
        made before it (with the values before the write), or around it."""
        yield

    def _pilot_after_write(self, vals, state):
        """Write step after the write of ``vals``: checks and records."""

    # ------------------------------------------------------------------
    # Tracking of the many2many confirmations, only when written
    # ------------------------------------------------------------------

    def _pilot_fields_tracked_when_written(self):
        """Names of the tracked many2many fields of the lead (the confirmations
        of exit criteria and of qualification rules) whose tracking is
        prepared only by the writes that change them: Odoo's write prepares
        the tracking of every tracked field, and reading a many2many costs one
        more query on every write of a lead. Each capability adds its own."""
        return set()

    def _track_prepare(self, fields_iter):
        if fields_iter is self._fields:
            skipped = self._pilot_fields_tracked_when_written()
            fields_iter = [fname for fname in fields_iter if fname not in skipped]
        return super()._track_prepare(fields_iter)

    def _pilot_track_written_fields(self, vals):
        """Write step: prepare the tracking of the fields of
        _pilot_fields_tracked_when_written that ``vals`` changes."""
        fnames = self._pilot_fields_tracked_when_written() & vals.keys()
        context = self.env.context
        if fnames and not context.get("tracking_disable") and not context.get("mail_notrack"):
            self._track_prepare(sorted(fnames))

    # ------------------------------------------------------------------
    # Reading for the computes of kanban cards (exit criteria, stagnation)
    # ------------------------------------------------------------------

    def _pilot_fetch(self, fnames):
        """Load the fields ``fnames`` of the saved records of self that are not
        in the cache yet, in one query. For the computes shown on kanban cards:
        reading a field missing from the cache would load every column of
        crm_lead for the whole page of cards. The leads are those being read
        (their record rules already applied): the values are loaded without
        checking the rules again in Python on every page of cards."""
        saved = self.browse(id_ for id_ in self._ids if isinstance(id_, int))
        # Only the fields missing from the cache for some of them: the card
        # computes ask for the same few fields several times per page.
        cache = self.env.cache
        missing = [
            fname
            for fname in dict.fromkeys(fnames)
            if next(iter(cache.get_missing_ids(saved, self._fields[fname])), None) is not None
        ]
        if missing:
            saved.sudo().fetch(missing)

    def _pilot_stage_ids(self):
        """The stage id of each lead of self, in order (see _pilot_many2one_ids)."""
        return self._pilot_many2one_ids("stage_id")

    def _pilot_many2one_ids(self, fname):
        """The id (or False) of the many2one ``fname`` of each lead of self,
        in order (see many2one_ids), loaded without checking the record rules
        again (see _pilot_fetch)."""
        self._pilot_fetch([fname])
        return many2one_ids(self, fname)
