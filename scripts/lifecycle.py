# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Lifecycle check: install, upgrade and uninstall the add-on on a populated
database, and prove that the CRM data is left as it was.

1. A database with plain ``crm`` (no demo data) is filled by the benchmark's
   generator (``benchmark/generate.py``): teams, salespeople, stages, loss
   reasons, opportunities, chatter messages and activities.
2. A fingerprint of the CRM data is taken: for each core table, the row count
   and an md5 per column of every column the table had before the add-on
   (``crm_lead``, ``crm_stage``, ``crm_team``, ``crm_lost_reason``,
   ``res_company``, ``mail_activity``, ``mail_message`` and ``mail_followers``
   of opportunities, tracking values). The add-on's own columns are not part
   of it.
3. ``-i crm_pipeline_pilot`` (no demo data): no error in the log, the
   fingerprint unchanged (existing stages untouched, no lead altered, no
   stage created), the add-on's stored columns filled by the install hooks,
   one stage-history row per existing lead.
4. ``-u crm_pipeline_pilot``: no error, fingerprint unchanged, the add-on's
   columns and tables unchanged too.
5. On a copy, after use (the follow-ups and the weekly snapshot run): the
   uninstallation logs no error and leaves every CRM row as it was before it
   (the follow-up activities created by the use included).
6. Uninstall (``button_immediate_uninstall`` in ``odoo-bin shell``): no
   error, fingerprint identical to the original, the add-on's tables, views
   and columns gone, no ``ir.model.data`` of the add-on left.

Prints a summary and exits with status 1 on any failure.

    python scripts/lifecycle.py --odoo-bin ODOO_BIN [--open N --closed N] -- ODOO_ARGS...
"""

import argparse
import os
import re
import subprocess
import sys
import time

import psycopg2
from lifecycle_fingerprints import (
    MODULE,
    TABLES,
    addon_schema,
    columns,
    compare,
    fingerprint,
    indexes,
    max_ids,
    relations,
)
from psycopg2 import sql

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GENERATOR = os.path.join(ROOT, "benchmark", "generate.py")

UNINSTALL = f"env.ref('base.module_{MODULE}').button_immediate_uninstall()\nenv.cr.commit()\n"
# What a week of use leaves behind: follow-up activities, a pipeline snapshot.
USE = (
    "created = env['crm.lead']._cron_pilot_follow_ups()\n"
    "env['crm.pipeline.snapshot']._cron_snapshot()\n"
    "env.cr.commit()\n"
    "print('used: %s follow-ups' % created)\n"
)
# Core tables where the add-on's data adds rows at install (the "Follow-up"
# activity type); they are removed again by the uninstallation.
ADDON_NEW_ROWS = ("mail_activity_type",)
ERROR_LINE = re.compile(r" (ERROR|CRITICAL) |^Traceback|Traceback \(most recent call last\)")


class Check:
    def __init__(self):
        self.lines = []
        self.failed = 0

    def __call__(self, ok, what, detail=""):
        self.lines.append(
            ("ok  " if ok else "FAIL") + f"  {what}" + (f": {detail}" if detail else "")
        )
        if not ok:
            self.failed += 1
        print(self.lines[-1], flush=True)
        return ok


def _out(text):
    print(f"* {text}", flush=True)


# ----------------------------------------------------------------------
# Odoo processes
# ----------------------------------------------------------------------


def odoo_run(args, name, *options, stdin=None, shell=False, database=None):
    """Run odoo-bin (or its shell) to completion; returns (seconds, errors)."""
    command = [sys.executable, args.odoo_bin]
    if shell:
        command.append("shell")
    command += [
        *args.odoo_args,
        f"--database={database or args.database}",
        "--max-cron-threads=0",
        "--log-level=info",
        *options,
    ]
    if not shell:
        command.append("--stop-after-init")
    else:
        command.append("--no-http")
    log_path = os.path.join(args.log_dir, f"{name}.log")
    start = time.perf_counter()
    with open(log_path, "w", encoding="utf-8") as log:
        done = subprocess.run(
            command, input=stdin, stdout=log, stderr=subprocess.STDOUT, text=True, check=False
        )
    elapsed = time.perf_counter() - start
    with open(log_path, encoding="utf-8") as log:
        errors = [line.rstrip() for line in log if ERROR_LINE.search(line)]
    if done.returncode:
        errors.append(f"odoo-bin exited with status {done.returncode}")
    return elapsed, errors, log_path


# ----------------------------------------------------------------------
# The scenario (the fingerprints: lifecycle_fingerprints.py)
# ----------------------------------------------------------------------


def check_log(check, step, elapsed, errors, log_path):
    check(
        not errors,
        f"{step}: no error in the log ({elapsed:.0f} s)",
        "" if not errors else f"{len(errors)} error line(s), see {log_path}",
    )
    for line in errors[:20]:
        print(f"        {line[:300]}")


def scenario(args, check, timings):
    def query(callback, database=None):
        conn = psycopg2.connect(dbname=database or args.database)
        try:
            with conn.cursor() as cr:
                return callback(cr)
        finally:
            conn.close()

    _out(f"{args.database}: installing crm (no demo data)")
    subprocess.run(["createdb", args.database], check=True)
    elapsed, errors, log_path = odoo_run(args, "crm", "-i", "crm", "--without-demo=all")
    timings["install crm"] = elapsed
    if not check(not errors, "install crm", f"see {log_path}" if errors else ""):
        return

    _out(f"generating {args.open:,} open and {args.closed:,} closed opportunities")
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            GENERATOR,
            "-d",
            args.database,
            "--open",
            str(args.open),
            "--closed",
            str(args.closed),
            "--",
            *args.odoo_args,
            "--log-level=warn",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    timings["generate"] = time.perf_counter() - start
    if not check(done.returncode == 0, "data generated", done.stderr[-2000:]):
        return

    schema = query(lambda cr: {table: columns(cr, table) for table in TABLES})
    original = query(lambda cr: fingerprint(cr, schema))
    tables_before = query(relations)
    indexes_before = query(lambda cr: indexes(cr, TABLES))
    baseline_ids = query(max_ids)
    _out(
        f"fingerprint taken: {original['crm_lead']['count']:,} opportunities, "
        f"{original['crm_stage']['count']} stages, "
        f"{original['mail_message']['count']:,} messages, "
        f"{original['mail_activity']['count']:,} activities"
    )

    # -- install ---------------------------------------------------------
    _out(f"installing {MODULE} (no demo data)")
    elapsed, errors, log_path = odoo_run(args, "install", "-i", MODULE, "--without-demo=all")
    timings[f"install {MODULE}"] = elapsed
    check_log(check, "install", elapsed, errors, log_path)
    state = query(
        lambda cr: (
            cr.execute("SELECT state FROM ir_module_module WHERE name = %s", (MODULE,)),
            cr.fetchone(),
        )[1]
    )
    if not check(state == ("installed",), "install: module installed", str(state)):
        return
    compare(
        check,
        "install",
        original,
        query(lambda cr: fingerprint(cr, schema, baseline_ids)),
        ADDON_NEW_ROWS,
    )

    def filled(cr):
        cr.execute(
            """
            SELECT COUNT(*) FILTER (WHERE estimated_margin IS NULL OR urgency IS NULL
                                       OR estimated_cost IS NULL OR margin_known IS NULL
                                       OR date_last_interaction IS NULL
                                       OR reached_proposal_stage IS NULL
                                       OR forecast_category IS NULL),
                   COUNT(*) FILTER (WHERE NOT EXISTS (
                       SELECT 1 FROM crm_lead_stage_history h WHERE h.lead_id = crm_lead.id))
              FROM crm_lead
            """
        )
        empty, no_history = cr.fetchone()
        cr.execute(
            "SELECT COUNT(*) FROM crm_stage WHERE stagnation_days IS NULL"
            " OR pilot_forecast_category IS NULL"
        )
        return empty, no_history, cr.fetchone()[0]

    def wrong_values(cr):
        # The values the install hook gives existing leads: no cost yet, so the
        # margin is unknown (margin, rate and weighted margin 0, low margin:
        # not a 100 % margin); the last interaction is the latest of
        # the creation, the last stage change and the last message or email.
        cr.execute(
            """
            SELECT COUNT(*) FILTER (WHERE estimated_cost <> 0
                       OR margin_known IS DISTINCT FROM FALSE
                       OR estimated_margin <> 0
                       OR estimated_margin_rate <> 0
                       OR prorated_margin <> 0
                       OR is_low_margin IS DISTINCT FROM TRUE
                       OR urgency <> '1'),
                   COUNT(*) FILTER (WHERE date_last_interaction IS DISTINCT FROM GREATEST(
                       l.create_date, l.date_last_stage_update,
                       (SELECT MAX(m.date) FROM mail_message m
                         WHERE m.model = 'crm.lead' AND m.res_id = l.id
                           AND m.message_type IN ('comment', 'email'))))
              FROM crm_lead l
            """
        )
        return cr.fetchone()

    empty, no_history, stages_empty = query(filled)
    check(empty == 0, "install: the add-on's lead columns filled by the hooks", f"{empty} empty")
    wrong_margins, wrong_interactions = query(wrong_values)
    check(
        wrong_margins == 0,
        "install: margins of existing leads unknown (no cost: 0, low margin) and normal urgency",
        f"{wrong_margins} leads with other values",
    )
    check(
        wrong_interactions == 0,
        "install: last interaction = latest of creation, stage change, message or email",
        f"{wrong_interactions} leads with another date",
    )
    check(
        no_history == 0, "install: one stage-history row per existing lead", f"{no_history} without"
    )
    check(stages_empty == 0, "install: stagnation delay set on existing stages", f"{stages_empty}")

    own_tables, own_columns = query(addon_schema)
    check(
        bool(own_tables) and bool(own_columns),
        "install: the add-on's own tables and columns found",
        f"{len(own_tables)} tables or views, {len(own_columns)} columns",
    )
    full_schema = query(lambda cr: {table: columns(cr, table) for table in TABLES})
    installed = query(lambda cr: fingerprint(cr, full_schema))

    def own_counts(cr):
        result = {}
        for table in sorted(own_tables):
            cr.execute(sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(table)))
            result[table] = cr.fetchone()[0]
        return result

    own_before = query(own_counts)

    # -- upgrade ---------------------------------------------------------
    _out(f"upgrading {MODULE}")
    elapsed, errors, log_path = odoo_run(args, "upgrade", "-u", MODULE)
    timings[f"upgrade {MODULE}"] = elapsed
    check_log(check, "upgrade", elapsed, errors, log_path)
    upgraded = query(lambda cr: fingerprint(cr, schema, baseline_ids))
    compare(check, "upgrade", original, upgraded, ADDON_NEW_ROWS)
    compare(
        check,
        "upgrade, with the add-on's columns",
        {t: installed[t] for t in ("crm_lead", "crm_stage", "crm_team", "crm_lost_reason")},
        query(lambda cr: fingerprint(cr, full_schema)),
    )
    own_after = query(own_counts)
    check(
        own_after == own_before,
        "upgrade: row counts of the add-on's tables unchanged",
        ", ".join(
            f"{t} {own_before[t]}→{own_after.get(t)}"
            for t in own_before
            if own_before[t] != own_after.get(t)
        ),
    )

    # -- uninstall after use, on a copy ------------------------------------
    used_db = f"{args.database}_used"
    _out(f"{used_db}: a copy where the follow-ups and the snapshot run, then uninstalling")
    subprocess.run(["createdb", "-T", args.database, used_db], check=True)
    elapsed, errors, log_path = odoo_run(args, "use", stdin=USE, shell=True, database=used_db)
    check_log(check, "use: follow-ups and snapshot", elapsed, errors, log_path)
    with open(log_path, encoding="utf-8") as log:
        created = re.findall(r"^used: (\d+) follow-ups", log.read(), re.M)
    check(
        bool(created) and int(created[0]) > 0,
        "use: follow-up activities created on the inactive opportunities",
        created[0] if created else "the run did not finish",
    )
    used = query(lambda cr: fingerprint(cr, schema), used_db)
    elapsed, errors, log_path = odoo_run(
        args, "uninstall_used", stdin=UNINSTALL, shell=True, database=used_db
    )
    timings[f"uninstall {MODULE} after use"] = elapsed
    check_log(check, "uninstall after use", elapsed, errors, log_path)
    compare(check, "uninstall after use", used, query(lambda cr: fingerprint(cr, schema), used_db))
    xmlids = query(
        lambda cr: (
            cr.execute("SELECT COUNT(*) FROM ir_model_data WHERE module = %s", (MODULE,)),
            cr.fetchone()[0],
        )[1],
        used_db,
    )
    check(xmlids == 0, "uninstall after use: no ir.model.data of the add-on left", f"{xmlids} left")

    # -- uninstall -------------------------------------------------------
    _out(f"uninstalling {MODULE}")
    elapsed, errors, log_path = odoo_run(
        args,
        "uninstall",
        stdin=UNINSTALL,
        shell=True,
    )
    timings[f"uninstall {MODULE}"] = elapsed
    check_log(check, "uninstall", elapsed, errors, log_path)
    state = query(
        lambda cr: (
            cr.execute("SELECT state FROM ir_module_module WHERE name = %s", (MODULE,)),
            cr.fetchone(),
        )[1]
    )
    check(state == ("uninstalled",), "uninstall: module uninstalled", str(state))
    compare(check, "uninstall", original, query(lambda cr: fingerprint(cr, schema)))

    def leftovers(cr):
        left_tables = sorted(own_tables & relations(cr))
        left_columns = sorted(
            f"{table}.{column}"
            for table, column in own_columns
            if table in tables_before and column in columns(cr, table)
        )
        grown = {
            table: sorted(set(columns(cr, table)) - set(cols)) for table, cols in schema.items()
        }
        cr.execute("SELECT COUNT(*) FROM ir_model_data WHERE module = %s", (MODULE,))
        return left_tables, left_columns, {t: c for t, c in grown.items() if c}, cr.fetchone()[0]

    left_tables, left_columns, grown, xmlids = query(leftovers)
    check(
        not left_tables, "uninstall: the add-on's tables and views dropped", ", ".join(left_tables)
    )
    check(not left_columns, "uninstall: the add-on's columns dropped", ", ".join(left_columns))
    check(
        not grown,
        "uninstall: core tables have their original columns",
        "; ".join(f"{t}: {', '.join(c)}" for t, c in grown.items()),
    )
    check(xmlids == 0, "uninstall: no ir.model.data of the add-on left", f"{xmlids} left")
    left_indexes = sorted(query(lambda cr: indexes(cr, TABLES)) - indexes_before)
    check(
        not left_indexes,
        "uninstall: core tables have their original indexes",
        ", ".join(left_indexes),
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--odoo-bin", required=True, help="path of odoo-bin")
    parser.add_argument("--database", default=f"pilot_lifecycle_{os.getpid()}")
    parser.add_argument("--open", type=int, default=7500, help="open opportunities")
    parser.add_argument("--closed", type=int, default=2500, help="won or lost ones")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--log-dir", required=True, help="folder of the odoo-bin logs")
    parser.add_argument("odoo_args", nargs="*", help="odoo-bin options, after --")
    args = parser.parse_args(argv)
    check = Check()
    timings = {}
    start = time.perf_counter()
    try:
        scenario(args, check, timings)
    finally:
        if not args.keep:
            for database in (args.database, f"{args.database}_used"):
                subprocess.run(["dropdb", "--if-exists", database], check=False)
    total = time.perf_counter() - start
    print()
    print("Lifecycle summary")
    print("  " + ", ".join(f"{step} {seconds:.0f} s" for step, seconds in timings.items()))
    print(f"  total {total:.0f} s, {len(check.lines)} checks, {check.failed} failed")
    if check.failed:
        for line in check.lines:
            if line.startswith("FAIL"):
                print("  " + line)
        print("LIFECYCLE FAILED")
        return 1
    print("lifecycle passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
