# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The databases and processes of the benchmark (copies, compaction, odoo-bin
runs) and what it measures: repetitions of a job, its queries and time, the
web client's kanban, the pivot, the weekly review."""

import json
import statistics
import subprocess
import sys
import time
from unittest import mock

from budgets import KANBAN_COLUMN_LIMIT, KANBAN_COUNT_LIMIT, KANBAN_MAX_OPEN_COLUMNS, REVIEW_TEAMS
from lxml import etree

import odoo
from odoo.modules.registry import Registry
from odoo.tools import SQL

# ----------------------------------------------------------------------
# Databases and processes
# ----------------------------------------------------------------------


def _out(text=""):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _psql_command(args, *command):
    return subprocess.run([*command], check=True, env=args.pg_env, capture_output=True, text=True)


def _drop(args, name):
    _release(name)
    _psql_command(args, "dropdb", "--if-exists", name)


def _copy(args, source, target):
    _release(source)
    _drop(args, target)
    _psql_command(args, "createdb", "-T", source, target)


def _vacuum(args, name, table=None):
    """Steady state before measuring: no dead rows left by an install (or, for
    ``table``, by the benchmark's own data preparation in an open database),
    fresh planner statistics (autovacuum would otherwise run during the
    measures)."""
    if table is None:
        _release(name)
    _psql_command(
        args, "vacuumdb", "--analyze", "--quiet", *(["--table", table] if table else []), name
    )


def _compact(args, name):
    """Rewrite the opportunities' table of ``name`` without its free space
    (VACUUM FULL), so that both sides are measured on tables in the same
    physical state. The generated plain table is packed, as a freshly loaded
    table is; the benchmark's own preparation of the add-on's database (the
    last interactions of the follow-up line) writes every open opportunity
    again, which leaves nearly half of that table as free space: a kanban
    column then reads its cards from almost twice as many pages. (A database
    whose opportunities are updated every day has such free space on both
    sides.)"""
    _release(name)
    _psql_command(args, "vacuumdb", "--full", "--analyze", "--quiet", "--table", "crm_lead", name)


def _release(name):
    """Close this process's connections to a database (needed by createdb -T)."""
    Registry.delete(name)
    odoo.sql_db.close_db(name)


def _odoo_bin(args, database, *options):
    """Run odoo-bin to completion; returns its wall-clock seconds."""
    command = [
        sys.executable,
        args.odoo_bin,
        *args.odoo_args,
        f"--database={database}",
        "--stop-after-init",
        "--max-cron-threads=0",
        "--log-level=warn",
        *options,
    ]
    start = time.perf_counter()
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode or " ERROR " in done.stderr or " CRITICAL " in done.stderr:
        sys.stderr.write(done.stderr[-6000:])
        raise RuntimeError(f"odoo-bin {' '.join(options)} failed on {database}")
    return elapsed


# ----------------------------------------------------------------------
# Measuring
# ----------------------------------------------------------------------


class Result:
    """Median wall-clock seconds and SQL queries of one operation."""

    def __init__(self, seconds=None, queries=None, note=""):
        self.seconds = seconds
        self.queries = queries
        self.note = note

    @property
    def available(self):
        return self.seconds is not None


class Job:
    """One operation to measure: ``operation(env)`` as ``uid`` in a database."""

    def __init__(self, registry, uid, context, operation):
        self.registry = registry
        self.uid = uid
        self.context = dict(context or {})
        self.operation = operation

    def run(self):
        """Run once in a transaction rolled back afterwards (commits made by
        the operation are absorbed by Odoo's test cursor); returns seconds,
        SQL queries and what the operation returned."""
        registry = self.registry
        real_cr = registry.cursor()
        registry.enter_test_mode(real_cr)
        try:
            cr = registry.cursor()
            try:
                env = odoo.api.Environment(cr, self.uid, self.context)
                count0 = real_cr.sql_log_count
                start = time.perf_counter()
                extra = self.operation(env)
                cr.flush()
                elapsed = time.perf_counter() - start
                count = real_cr.sql_log_count - count0
            finally:
                cr.close()
        finally:
            registry.leave_test_mode()
            real_cr.rollback()
            real_cr.close()
        return elapsed, count, extra


def _measure(jobs, reps, warm_up=True):
    """Median seconds and queries of each job over ``reps`` runs, after one
    warm-up run each (unless ``warm_up`` is false: for runs of minutes). The
    jobs alternate (in turn order reversed every repetition), so that a load
    change on the machine hits them alike."""
    samples = [([], [], None) for _job in jobs]
    for job in jobs if warm_up else ():
        job.run()
    for rep in range(reps):
        order = list(enumerate(jobs))
        for index, job in order if rep % 2 == 0 else reversed(order):
            elapsed, count, extra = job.run()
            samples[index][0].append(elapsed)
            samples[index][1].append(count)
            samples[index] = (samples[index][0], samples[index][1], extra)
    results = []
    for seconds, queries, extra in samples:
        result = Result(statistics.median(seconds), int(statistics.median(queries)))
        result.extra = extra
        results.append(result)
    return results


def _user_context(env, login):
    user = env["res.users"].search([("login", "=", login)])
    context = {
        "lang": "en_US",
        "tz": "Europe/Brussels",
        "uid": user.id,
        "allowed_company_ids": [user.company_id.id],
    }
    return user.id, context


def _kanban_setup(env):
    """The kanban of the Pipeline action as the web client loads it: domain,
    aggregates, progress bar and the per-record specification built from the
    (inherited) kanban arch, as Odoo 18's relational model does."""
    action = env.ref("crm.crm_lead_action_pipeline").sudo()
    view = env.ref("crm.crm_case_kanban_view_leads").sudo()
    result = env["crm.lead"].get_views([(view.id, "kanban")])
    arch = etree.fromstring(result["views"]["kanban"]["arch"])
    models = result["models"]
    fields = models["crm.lead"]
    fields = fields.get("fields", fields)
    spec, aggregates = {}, []
    for node in arch.iter("field"):
        name = node.get("name")
        if name not in fields or name in spec:
            continue
        field = fields[name]
        invisible = node.get("invisible") in ("1", "True")
        entry = {}
        if field["type"] in ("many2one", "reference"):
            entry = {"fields": {} if invisible else {"display_name": {}}}
        elif field["type"] in ("one2many", "many2many") and not invisible:
            if node.get("widget") in ("many2many_tags", "many2many_tags_avatar"):
                related = {"display_name": {}}
                if "color_field" in (node.get("options") or ""):
                    related["color"] = {}
                entry = {"fields": related}
        spec[name] = entry
        if field.get("aggregator") and name != "stage_id":
            aggregates.append(f"{name}:{field['aggregator']}")
    progress = arch.find("progressbar")
    return {
        "domain": [*odoo.tools.safe_eval.safe_eval(action.domain), ("user_id", "=", env.uid)],
        "spec": spec,
        "aggregates": aggregates,
        "order": arch.get("default_order") or "",
        "progress_bar": {
            "field": progress.get("field"),
            "colors": json.loads(progress.get("colors")),
            "help": progress.get("help") or "",
        },
        "context": {"default_type": "opportunity", "search_default_assigned_to_me": 1},
    }


def _without_ledger(env, write):
    """``write()`` with the add-on's close-date ledger step left out."""
    lead_class = type(env["crm.lead"])
    with mock.patch.object(
        lead_class, "_pilot_record_close_date_changes", lambda self, vals, reason=False: None
    ):
        return write()


def kanban_open(env, kanban):
    """web_read_group on the stages, read_progress_bar, then web_search_read
    per unfolded column, with the kanban's specification."""
    Lead = env["crm.lead"].with_context(**kanban["context"])
    groups = Lead.web_read_group(
        kanban["domain"], kanban["aggregates"], ["stage_id"], orderby=kanban["order"], lazy=True
    )
    Lead.read_progress_bar(kanban["domain"], "stage_id", kanban["progress_bar"])
    opened = 0
    for group in groups["groups"]:
        if group.get("__fold") or not group.get("stage_id_count"):
            continue
        opened += 1
        if opened > KANBAN_MAX_OPEN_COLUMNS:
            break
        Lead.with_context(bin_size=True).web_search_read(
            group["__domain"],
            kanban["spec"],
            offset=0,
            limit=KANBAN_COLUMN_LIMIT,
            order=kanban["order"],
            count_limit=KANBAN_COUNT_LIMIT,
        )


PIVOT_GROUPBYS = ([], ["create_date:week"], ["user_id"], ["create_date:week", "user_id"])


def pivot(env, model, measures, domain):
    """The pivot view's read_group calls: total, weeks, salespeople, weeks x
    salespeople."""
    for groupby in PIVOT_GROUPBYS:
        env[model].read_group(domain, measures, groupby, lazy=False)


def review_teams(env):
    """The REVIEW_TEAMS sales teams with the most opportunities."""
    env.cr.execute(
        SQL(
            """
            SELECT team_id FROM crm_lead WHERE team_id IS NOT NULL
             GROUP BY team_id ORDER BY COUNT(*) DESC, team_id LIMIT %s
            """,
            REVIEW_TEAMS,
        )
    )
    return [row[0] for row in env.cr.fetchall()]


def weekly_review(env, team_ids):
    """The weekly review of the current week for ``team_ids``, through the
    review's public entry points: created for the teams (which computes its
    KPI lines), refreshed when creating it does not compute them. Returns the
    number of KPI lines."""
    Review = env["crm.pipeline.review"]
    review = Review.create({"team_ids": [(6, 0, team_ids)]})
    if not review.line_ids and hasattr(review, "action_refresh"):
        review.action_refresh()
    return len(review.line_ids)
