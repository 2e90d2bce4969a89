# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark: crm_pipeline_pilot against plain Odoo CRM, same data, same run.

Generates a pipeline once into a template database, copies it into a plain
Odoo CRM database (``-u crm``) and a database with the add-on
(``-i crm_pipeline_pilot``), then measures in both, with Odoo in-process:

1. opening the pipeline kanban as a salesperson (the web client's RPCs);
2. one stage move of one opportunity (exit criteria on the stage when the
   build has them);
3. a mass stage change of 1,000 opportunities;
4. the follow-up run over the open opportunities, 20 % of them inactive
   (add-on only);
5. the report pivot (week x salesperson) on a larger dataset, against plain
   Odoo's ``crm.lead`` pivot of the same shape;
6. installing the add-on, against ``-u crm``, on the same data;
7. the forecast back-test of the last 12 months over every opportunity
   (add-on only), with a generated stage history and close-date ledger;
8. the weekly review of the current week for 5 teams (add-on only).

``--size scale`` runs these measures at several sizes (benchmark/scale.py).

Prints SQL query counts, wall-clock medians over several repetitions (state
rolled back between them), the ratio add-on / plain and the budget of each
line; exits with status 1 when a budget is missed (unless ``--no-fail``).
A measurement whose capability the installed add-on lacks is reported as not
available, never estimated.

    python benchmark/run.py --size small -- ODOO_BIN_OPTIONS...
"""

import argparse
import contextlib
import logging
import os
import sys
import time

import sale
import scale
from budgets import (
    BACKTEST_MONTHS,
    FOLLOW_UP_BATCH,
    KANBAN_RUNS,
    MODULE,
    NOT_AVAILABLE,
    PREFIX,
    SIZES,
)
from measures import (
    Job,
    Result,
    _compact,
    _copy,
    _drop,
    _kanban_setup,
    _measure,
    _odoo_bin,
    _out,
    _release,
    _user_context,
    _vacuum,
    _without_ledger,
    kanban_open,
    pivot,
    review_teams,
    weekly_review,
)
from preparation import BenchmarkPreparation

import odoo
from odoo.modules.registry import Registry
from report import BenchmarkReport

_logger = logging.getLogger("crm_pipeline_pilot.benchmark")


# ----------------------------------------------------------------------
# The scenario (the databases and the measures: measures.py, the budgets:
# budgets.py)
# ----------------------------------------------------------------------


class Benchmark(BenchmarkPreparation, BenchmarkReport):
    def __init__(self, args, size=None, prefix=PREFIX, base=None):
        self.args = args
        self.size = size or SIZES[args.size]
        self.names = {
            key: f"{prefix}{key}"
            for key in ("base", "template", "plain", "addon", "pivot_plain", "pivot_addon")
        }
        # A database where crm is already installed (the scaling curve
        # installs it once for all its sizes).
        self.base = base
        if base:
            self.names["base"] = base
        self.results = {}
        self.facts = {}
        self.follow_up_reps = max(1, args.reps // 2)
        self.follow_up_warm_up = True
        self.measure_uncompacted = True
        # The measures against plain Odoo on the main dataset, and whether
        # the add-on's own measures (follow-ups, back-test, review) follow.
        self.main_measures = ("kanban", "move", "mass", "close_date")
        self.addon_measures = True

    def compact(self):
        """Both main databases' opportunity tables without free space (see
        _compact), before the measures."""
        _out("* compacting the opportunities' tables (VACUUM FULL crm_lead), both sides")
        for key in ("plain", "addon"):
            _compact(self.args, self.names[key])

    # -- measurements on the main dataset --------------------------------

    def measure_main(self):
        reps = self.args.reps
        salesperson = self.facts["main"]["salesperson"]
        manager = self.facts["main"]["manager"]
        jobs = {}
        for key in ("plain", "addon"):
            registry = Registry(self.names[key])
            if key == "addon":
                self._prepare_addon(registry)
            # _prepare_addon rewrites every opportunity (last interactions):
            # without a vacuum, the add-on's crm_lead would be measured with a
            # dead copy of each row (twice the pages to scan), which a live
            # database, vacuumed by autovacuum, does not have.
            _vacuum(self.args, self.names[key], table="crm_lead")
            lead_id, mass_ids, target = self._pick(registry, salesperson)
            today = self._overdue(registry, lead_id)
            self.facts["mass"] = len(mass_ids)
            with registry.cursor() as cr:
                env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
                uid, context = _user_context(env, salesperson)
                manager_uid, manager_context = _user_context(env, manager)
                kanban = _kanban_setup(env(user=uid, context=context))
                self.facts[f"{key}_follow_ups"] = hasattr(env["crm.lead"], "_cron_pilot_follow_ups")
            jobs[key] = {
                "kanban": Job(registry, uid, context, lambda env, kb=kanban: kanban_open(env, kb)),
                "move": Job(
                    registry,
                    uid,
                    context,
                    lambda env, lid=lead_id, sid=target, kb=kanban: (
                        env["crm.lead"].browse(lid).web_save({"stage_id": sid}, kb["spec"])
                    ),
                ),
                "mass": Job(
                    registry,
                    manager_uid,
                    manager_context,
                    lambda env, ids=mass_ids, sid=target: (
                        env["crm.lead"].browse(ids).write({"stage_id": sid})
                    ),
                ),
                "close_date": Job(
                    registry,
                    uid,
                    context,
                    lambda env, lid=lead_id, day=today: (
                        env["crm.lead"].browse(lid).write({"date_deadline": day})
                    ),
                ),
            }
            if key == "addon":
                # The same write without the ledger's step: what the ledger
                # adds, the rest of the add-on (the qualification's Timing
                # reads the date) being the same on both sides.
                jobs["ledger_off"] = Job(
                    registry,
                    uid,
                    context,
                    lambda env, lid=lead_id, day=today: _without_ledger(
                        env, lambda: env["crm.lead"].browse(lid).write({"date_deadline": day})
                    ),
                )
        if self.measure_uncompacted:
            # For information: the kanban on the tables as the install and
            # the preparation left them (see _compact).
            _out("* kanban on the tables as installed: plain and add-on, alternately")
            self.results["kanban_installed"] = tuple(
                _measure([jobs["plain"]["kanban"], jobs["addon"]["kanban"]], reps * KANBAN_RUNS)
            )
        self.compact()
        for name in self.main_measures:
            _out(f"* {name}: plain and add-on, alternately")
            # The kanban and the single writes take milliseconds: more runs
            # (the kanban, measured against a budget in percent, the most).
            runs = {"mass": reps, "kanban": reps * KANBAN_RUNS}.get(name, reps * 3)
            self.results[name] = tuple(_measure([jobs["plain"][name], jobs["addon"][name]], runs))
        if self.addon_measures:
            self._measure_addon_only(jobs, reps, manager)
        for key in ("plain", "addon"):
            _release(self.names[key])

    def _measure_addon_only(self, jobs, reps, manager):
        """The add-on's own measures on the main dataset (no plain counterpart
        but the close date without its ledger)."""
        addon_lead = jobs["addon"]["close_date"].registry["crm.lead"]
        if hasattr(addon_lead, "_pilot_record_close_date_changes"):
            _out("* close date without the ledger's step (add-on)")
            (self.results["ledger_off"],) = _measure([jobs["ledger_off"]], reps * 3)
        follow_up = Result()
        if self.facts["addon_follow_ups"]:
            follow_up = self._measure_follow_ups(jobs["addon"]["kanban"].registry)
        self.results["follow_up"] = (None, follow_up)
        backtest = Result()
        if "backtest_rows" in self.facts:
            backtest = self._measure_backtest(jobs["addon"]["kanban"].registry, manager)
        self.results["backtest"] = (None, backtest)
        self.results["review"] = (None, self._measure_review(jobs["addon"]["kanban"].registry))

    def _measure_review(self, registry):
        """The weekly review of the current week for REVIEW_TEAMS teams, as
        the sales manager (add-on only)."""
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            if "crm.pipeline.review" not in env:
                return Result(note=NOT_AVAILABLE)
            uid, context = _user_context(env, self.facts["main"]["manager"])
            team_ids = review_teams(env)
        self.facts["review_teams"] = len(team_ids)
        _out(f"* weekly review, {len(team_ids)} teams (add-on)")
        job = Job(registry, uid, context, lambda env, ids=team_ids: weekly_review(env, ids))
        (result,) = _measure([job], self.args.reps)
        result.note = f"{result.extra} KPI lines"
        return result

    def _measure_follow_ups(self, registry):
        _out("* follow-up run (add-on)")

        def run(env):
            env.cr.execute("SELECT COUNT(*) FROM mail_activity")
            before = env.cr.fetchone()[0]
            env["crm.lead"]._cron_pilot_follow_ups(batch_size=FOLLOW_UP_BATCH)
            env.flush_all()
            env.cr.execute("SELECT COUNT(*) FROM mail_activity")
            return env.cr.fetchone()[0] - before

        job = Job(registry, odoo.SUPERUSER_ID, {}, run)
        (result,) = _measure([job], self.follow_up_reps, warm_up=self.follow_up_warm_up)
        result.note = f"{result.extra:,} follow-up activities created"
        return result

    def _measure_backtest(self, registry, manager):
        _out(f"* forecast back-test, {BACKTEST_MONTHS} months (add-on)")
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            uid, context = _user_context(env, manager)

        def run(env):
            backtest = env["crm.forecast.backtest"].create({"months": BACKTEST_MONTHS})
            backtest.action_run()
            return len(backtest.result_ids)

        job = Job(registry, uid, context, run)
        (result,) = _measure([job], self.follow_up_reps)
        result.note = f"{result.extra:,} results"
        return result

    # -- pivot on the larger dataset -------------------------------------

    def measure_pivot(self):
        args, names = self.args, self.names
        _copy(args, names["base"], names["pivot_plain"])
        count = self.size["pivot"]
        started = time.perf_counter()
        info = self._generate(
            names["pivot_plain"], count * 2 // 10, count - count * 2 // 10, 0, False
        )
        _out(
            f"* {names['pivot_plain']}: {count:,} opportunities generated "
            f"in {time.perf_counter() - started:.0f} s"
        )
        _copy(args, names["pivot_plain"], names["pivot_addon"])
        _out(f"* {names['pivot_addon']}: installing the add-on")
        _odoo_bin(args, names["pivot_addon"], "-i", MODULE)
        for name in (names["pivot_plain"], names["pivot_addon"]):
            _vacuum(args, name)
            _compact(args, name)
        self.results["pivot"] = self._measure_pivot_on(
            names["pivot_plain"], names["pivot_addon"], info["manager"]
        )

    def _measure_pivot_on(self, plain_db, addon_db, manager):
        """The pivot's read_group calls as the sales manager: plain Odoo's
        crm.lead in ``plain_db`` against the add-on's report in ``addon_db``."""
        jobs = []
        for database, model in ((plain_db, "crm.lead"), (addon_db, "crm.pipeline.report")):
            registry = Registry(database)
            with registry.cursor() as cr:
                env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
                uid, context = _user_context(env, manager)
                if model not in env:
                    jobs.append(None)
                    continue
                rate = "win_rate" if "win_rate" in env[model]._fields else "probability"
            measures = ["__count", "expected_revenue:sum", f"{rate}:avg"]
            domain = [("type", "=", "opportunity")] if model == "crm.lead" else []
            jobs.append(
                Job(
                    registry,
                    uid,
                    dict(context, active_test=False),
                    lambda env, m=model, ms=measures, d=domain: pivot(env, m, ms, d),
                )
            )
        _out("* pivot week x salesperson: plain crm.lead and add-on report, alternately")
        measured = iter(_measure([job for job in jobs if job], self.args.reps))
        results = [next(measured) if job else Result() for job in jobs]
        for database in (plain_db, addon_db):
            _release(database)
        return tuple(results)

    def cleanup(self):
        if self.args.keep:
            _out("* databases kept: " + ", ".join(self.names.values()))
            return
        for key, name in self.names.items():
            if not (key == "base" and self.base):
                _drop(self.args, name)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--size", choices=[*sorted(SIZES), "scale"], default="small")
    parser.add_argument(
        "--scale-sizes",
        default=",".join(str(n) for n in scale.SCALE_SIZES),
        help="opportunities of each step of the scaling curve (--size scale), comma-separated",
    )
    parser.add_argument(
        "--redraw",
        action="store_true",
        help="with --size scale: redraw the table and the curves from docs/benchmark_scale.csv",
    )
    parser.add_argument(
        "--prefix", default=PREFIX, help="prefix of the benchmark's databases (default %(default)s)"
    )
    parser.add_argument(
        "--sale",
        action="store_true",
        help="the kanban and the stage move with the sales margins bridge, against plain "
        "Odoo CRM with sale_margin (benchmark/sale.py)",
    )
    parser.add_argument("--reps", type=int, default=5, help="measured repetitions (median)")
    parser.add_argument("--keep", action="store_true", help="keep the pilot_bench_* databases")
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even if a budget is missed")
    parser.add_argument("--odoo-bin", required=True, help="path of odoo-bin")
    parser.add_argument(
        "odoo_args", nargs="*", help="odoo-bin options (addons path, db_*), after --"
    )
    args = parser.parse_args(argv)
    odoo.tools.config.parse_config([*args.odoo_args, "--max-cron-threads=0", "--log-level=warn"])
    args.pg_env = dict(os.environ)
    if args.sale:
        return sale.run(args, sys.modules[__name__])
    if args.size == "scale":
        if args.redraw:
            scale.redraw(sys.modules[__name__])
            return 0
        return scale.run(args, sys.modules[__name__])
    bench = Benchmark(args, prefix=args.prefix)
    try:
        bench.prepare()
        bench.measure_main()
        failed = False
        try:
            bench.measure_pivot()
        except Exception:  # report what was measured before failing
            _logger.exception("the pivot measurement failed")
            bench.results["pivot"] = (Result(), Result())
            failed = True
        missed = bench.report()
    finally:
        with contextlib.suppress(Exception):
            bench.cleanup()
    if failed:
        return 1
    if missed and not args.no_fail:
        _out(f"{len(missed)} budget(s) missed.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
