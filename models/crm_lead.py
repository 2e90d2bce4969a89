# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""crm.lead: the create/write orchestration of the capabilities, and what
they share. Each capability extends crm.lead in its own folder (margin/,
loss_reason/, exit_criteria/, follow_up/, stage_probability/,
stage_history/, forecast_category/, close_date/, qualification/,
next_action/, won_reason/) with its fields, computes,
constraints and the named steps called below."""

import pytz

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.query import Query

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
    # ORM overrides: each capability hooks in with one named step
    # ------------------------------------------------------------------

    def _condition_to_sql(self, alias, fname, operator, value, query):
        """Opportunities *not* in a subquery, written NOT EXISTS instead of
        NOT IN: Odoo writes a condition such as "without a planned activity"
        (``activity_ids`` ``not any``, the follow-up steps' domain, the
        missing next action) as ``id NOT IN (SELECT res_id ...)``, which
        PostgreSQL cannot turn into an anti-join; once the subquery's rows no
        longer fit in its working memory (about 300,000 activities with the
        default settings), it scans them again for every opportunity. NOT
        EXISTS gives the same opportunities whenever the subquery selects no
        NULL (ids, the activities' document ids) and is planned as an
        anti-join."""
        if fname == "id" and operator == "not in" and isinstance(value, Query | SQL):
            subquery = value.subselect() if isinstance(value, Query) else value
            if subquery.code.lstrip().startswith("(SELECT"):
                return SQL(
                    "(NOT EXISTS (SELECT FROM %s AS pilot_excluded(id)"
                    " WHERE pilot_excluded.id = %s))",
                    subquery,
                    SQL.identifier(alias, "id"),
                )
        return super()._condition_to_sql(alias, fname, operator, value, query)

    @api.model_create_multi
    def create(self, vals_list):
        self._pilot_check_values(vals_list, creating=True, entry=True)
        # Margin: an explicit cost wins over the rate given with it.
        vals_list = [self._pilot_margin_vals(vals) for vals in vals_list]
        # Exit criteria: creating an opportunity in a later stage needs the
        # criteria of the earlier stages; a refusal leaves nothing behind.
        with self._pilot_exit_criteria_savepoint():
            leads = super().create(vals_list)
            leads._pilot_check_exit_criteria_on_create()
        leads._pilot_check_lost_have_reason()  # mandatory loss reasons
        leads._pilot_check_won_have_reason()  # won reasons required by the team
        leads._pilot_set_stage_probability_on_create(vals_list)
        leads._pilot_record_stage_history()
        return leads

    def write(self, vals):
        self._pilot_check_values([vals], entry=True)
        vals = self._pilot_margin_vals(vals)  # margin: an explicit cost wins over the rate
        vals = self._pilot_stamp_interaction(vals)  # follow-ups
        vals = self._pilot_loss_reason_vals(vals)  # mandatory loss reasons
        vals = self._pilot_won_reason_vals(vals)  # won reasons: cleared when leaving won
        vals, slip_reason_id = self._pilot_slip_reason_vals(vals)  # close dates
        stage_probability_leads = self._pilot_check_and_select_stage_probability(vals)
        self._pilot_track_written_fields(vals)  # confirmations tracked when changed
        # Forward stage moves must meet the stage exit criteria, checked
        # against the stay being left: amount revisions written with the move
        # belong to it, and the new stay is recorded after the check.
        with self._pilot_exit_criteria_gate(vals):
            self._pilot_record_amount_revision(vals)
            # Close dates: ledger rows from the dates before the write; a push
            # out of the current month without a slip reason is refused.
            self._pilot_record_close_date_changes(vals, slip_reason_id)
            # Qualification: scores evaluated again only when what the rules
            # read changes.
            with self._pilot_qualification_kept(vals):
                result = super().write(vals)
        if vals.keys() & {"active", "type", "lost_reason_id"}:
            self._pilot_check_lost_have_reason()  # mandatory loss reasons
        if vals.keys() & {"stage_id", "pilot_won_reason_id", "team_id", "active", "type"}:
            self._pilot_check_won_have_reason()  # won reasons required by the team
        if "stage_id" in vals:
            self._pilot_record_stage_history()
        stage_probability_leads._pilot_write_stage_probability()
        return result

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
        todo = [
            fname
            for fname in dict.fromkeys(fnames)
            if next(iter(self.env.cache.get_missing_ids(saved, self._fields[fname])), None)
        ]
        if saved and todo:
            saved.sudo().fetch(todo)

    def _pilot_stage_ids(self):
        """The stage id of each lead of self, in order (see _pilot_many2one_ids)."""
        return self._pilot_many2one_ids("stage_id")

    def _pilot_many2one_ids(self, fname):
        """The id (or False) of the many2one ``fname`` of each lead of self,
        in order (see many2one_ids), loaded without checking the record rules
        again (see _pilot_fetch)."""
        self._pilot_fetch([fname])
        return many2one_ids(self, fname)
