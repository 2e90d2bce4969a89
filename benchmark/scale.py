# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The scaling curve of the benchmark (``--size scale``): the measures of the
full-size run at several sizes, plain Odoo CRM and the add-on side by side.

For each size, the same generated pipeline (the full-size dataset's shape:
77 % open opportunities, 5 teams of 9, three chatter messages each) is copied
into a plain and an add-on database, and measured as in the full-size run:
install, kanban open, stage move, mass stage change, follow-up run, pivot
(here on the same dataset), weekly review for 5 teams and, when the build has
it, the forecast back-test over 12 months. Writes a table (Markdown, printed
and saved), the measures (CSV) and the curves (PNG: time and queries against
size, log scales) into ``docs/``; the sizes done are saved after each size, so
that an interrupted run keeps its curve.
"""

import csv
import math
import time
from pathlib import Path

from budgets import BACKTEST_SECONDS, REVIEW_SECONDS
from measures import _psql_command

SCALE_SIZES = (10000, 100000, 1000000)
# The shape of the full-size dataset: 100,000 open of 130,000, 5 teams.
OPEN_SHARE = 100000 / 130000
TEAMS = 5
OUTPUT = Path(__file__).resolve().parent.parent / "docs"
STEM = "benchmark_scale"
# Size at which the budgets of the review and the back-test are checked (the
# sizes nearest the 130,000 and 100,000 opportunities).
BUDGET_SIZE = 100000

# (key, label, has a plain Odoo counterpart)
OPERATIONS = (
    ("install", "Install (plain Odoo: -u crm)", True),
    ("kanban", "Kanban open (salesperson)", True),
    ("move", "Stage move, 1 opportunity", True),
    ("mass", "Mass stage change, 1,000", True),
    ("follow_up", "Follow-up run (20 % of open inactive)", False),
    ("pivot", "Pivot week x salesperson", True),
    ("review", "Weekly review, 5 teams", False),
    ("backtest", "Forecast back-test, 12 months", False),
)


def _sizes(args):
    return [int(n) for n in str(args.scale_sizes).split(",") if n.strip()]


def measure_size(args, mod, base, count):
    """Every measure at ``count`` opportunities; returns {key: (plain, add-on)}."""
    open_count = round(count * OPEN_SHARE)
    size = {"open": open_count, "closed": count - open_count, "messages": 3, "teams": TEAMS}
    bench = mod.Benchmark(args, size=size, prefix=f"{args.prefix}{count}_", base=base)
    # A follow-up run creates an activity per inactive opportunity: minutes at
    # 1,000,000; measured once, without a warm-up run.
    bench.follow_up_warm_up = False
    bench.measure_uncompacted = False
    started = time.perf_counter()
    try:
        bench.prepare()
        bench.compact()
        # The pivot first, on the tables as installed and compacted (see
        # measures._compact): measure_main compacts them again after its own
        # preparation.
        bench.results["pivot"] = bench._measure_pivot_on(
            bench.names["plain"], bench.names["addon"], bench.facts["main"]["manager"]
        )
        # measure_main measures the back-test too, when the build has one
        bench.measure_main()
        _plain, backtest = bench.results.get("backtest", (None, mod.Result()))
        if not backtest.available:
            bench.results["backtest"] = (None, mod.Result(note=mod.NOT_AVAILABLE))
    finally:
        bench.cleanup()
    mod._out(f"* {count:,} opportunities measured in {time.perf_counter() - started:.0f} s")
    return bench.results


def _cell(result, mod):
    if result is None:
        return "-"
    if not result.available:
        return mod.NOT_AVAILABLE if result.note == mod.NOT_AVAILABLE else "-"
    seconds = result.seconds
    text = f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"
    if result.queries is not None:
        text += f" / {result.queries:,} q"
    return text


def growth(points, key, side):
    """Exponent of the time's growth between the two largest sizes measured
    (time ~ size^k: 0 constant, 1 linear), or None."""
    measured = [
        (count, results[key][side].seconds)
        for count, results in sorted(points.items())
        if results.get(key) and results[key][side] and results[key][side].available
    ]
    if len(measured) < 2:
        return None
    (n1, t1), (n2, t2) = measured[-2], measured[-1]
    if t1 <= 0 or t2 <= 0:
        return None
    return math.log(t2 / t1) / math.log(n2 / n1)


def table(points, mod):
    sizes = sorted(points)
    header = ["Operation"]
    for count in sizes:
        header += [f"{count:,} plain", f"{count:,} add-on"]
    header.append("Growth (add-on)")
    rows = []
    for key, label, has_plain in OPERATIONS:
        row = [label]
        for count in sizes:
            plain, addon = points[count].get(key, (None, None))
            row += [_cell(plain, mod) if has_plain else "-", _cell(addon, mod)]
        exponent = growth(points, key, 1)
        row.append(f"n^{exponent:.2f}" if exponent is not None else "-")
        rows.append(row)
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines += [
        "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    return "\n".join(lines)


def budgets(points, mod):
    """The budget lines of the review and the back-test, checked at
    BUDGET_SIZE (or the size measured nearest to it)."""
    if not points:
        return []
    count = min(points, key=lambda n: abs(math.log(n / BUDGET_SIZE)))
    lines = []
    _plain, review = points[count].get("review", (None, None))
    if review and review.available:
        verdict = "pass" if review.seconds < REVIEW_SECONDS else "MISS"
        lines.append(
            f"Weekly review, 5 teams, {count:,} opportunities: {_cell(review, mod)} "
            f"(budget < {REVIEW_SECONDS:.0f} s): {verdict}"
        )
    _plain, backtest = points[count].get("backtest", (None, None))
    if backtest and backtest.available:
        queries = [
            results["backtest"][1].queries
            for results in points.values()
            if results.get("backtest") and results["backtest"][1].available
        ]
        # O(months) queries: the count does not grow with the opportunities.
        flat = max(queries) <= min(queries) * 1.1 + 5
        verdict = "pass" if backtest.seconds < BACKTEST_SECONDS and flat else "MISS"
        lines.append(
            f"Forecast back-test, {mod.BACKTEST_MONTHS} months, {count:,} opportunities: "
            f"{_cell(backtest, mod)} (budget < {BACKTEST_SECONDS:.0f} s and queries "
            f"independent of the opportunities: {min(queries):,} to {max(queries):,} q "
            f"over the sizes): {verdict}"
        )
    elif backtest is not None:
        lines.append(f"Forecast back-test: {mod.NOT_AVAILABLE}")
    return lines


def save(points, mod, output=OUTPUT):
    """Table (Markdown), measures (CSV) and curves (PNG) of the sizes done."""
    output.mkdir(parents=True, exist_ok=True)
    with open(output / f"{STEM}.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["opportunities", "operation", "side", "seconds", "queries"])
        for count, results in sorted(points.items()):
            for key, _label, _has_plain in OPERATIONS:
                pair = results.get(key, (None, None))
                for side, result in zip(("plain", "addon"), pair, strict=True):
                    if result is not None and result.available:
                        writer.writerow(
                            [count, key, side, f"{result.seconds:.4f}", result.queries or ""]
                        )
    (output / f"{STEM}.md").write_text(table(points, mod) + "\n", encoding="utf-8")
    draw(points, output / f"{STEM}.png", mod)


def draw(points, path, mod):
    """Time and queries against the number of opportunities, log scales:
    one colour per operation, plain Odoo dashed, the add-on solid."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot
    except ImportError:
        mod._out("* matplotlib is not installed (scripts/requirements-dev.txt): no curve drawn")
        return
    figure, (ax_time, ax_queries) = pyplot.subplots(1, 2, figsize=(13, 5.5))
    colours = pyplot.get_cmap("tab10")
    for index, (key, label, has_plain) in enumerate(OPERATIONS):
        for side, style in ((0, "--"), (1, "-")):
            if side == 0 and not has_plain:
                continue
            series = [
                (count, results[key][side])
                for count, results in sorted(points.items())
                if results.get(key)
                and results[key][side] is not None
                and results[key][side].available
            ]
            if not series:
                continue
            sizes = [count for count, _result in series]
            name = f"{label.split(' (')[0]} ({'plain Odoo' if side == 0 else 'add-on'})"
            ax_time.plot(
                sizes,
                [result.seconds for _count, result in series],
                style,
                marker="o" if side == 0 else "s",
                color=colours(index),
                label=name,
            )
            queries = [(count, r.queries) for count, r in series if r.queries]
            if queries:
                ax_queries.plot(
                    [count for count, _q in queries],
                    [q for _count, q in queries],
                    style,
                    marker="o" if side == 0 else "s",
                    color=colours(index),
                    label=name,
                )
    for axis, title, unit in (
        (ax_time, "Wall-clock time (median)", "seconds"),
        (ax_queries, "SQL queries (median)", "queries"),
    ):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("opportunities")
        axis.set_ylabel(unit)
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
    handles, labels = ax_time.get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=3, fontsize=8, frameon=False)
    figure.suptitle("crm_pipeline_pilot against plain Odoo CRM: cost against size")
    figure.tight_layout(rect=(0, 0.17, 1, 1))
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
    mod._out(f"* curves drawn: docs/{path.name}")


def load(path, mod):
    """The measures of a CSV written by save(), as {size: {key: (plain, add-on)}}."""
    points = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            results = points.setdefault(int(row["opportunities"]), {})
            pair = list(results.get(row["operation"], (None, None)))
            queries = int(row["queries"]) if row["queries"] else None
            pair[row["side"] == "addon"] = mod.Result(float(row["seconds"]), queries)
            results[row["operation"]] = tuple(pair)
    return points


def redraw(mod, output=OUTPUT):
    """Table and curves again from the saved CSV (no measure)."""
    save(load(output / f"{STEM}.csv", mod), mod, output)


def run(args, mod):
    """``--size scale``: every size in turn, the table and the curves."""
    sizes = _sizes(args)
    base = f"{args.prefix}scale_base"
    mod._drop(args, base)
    mod._out(f"* {base}: installing crm (no demo data)")
    _psql_command(args, "createdb", base)
    mod._odoo_bin(args, base, "-i", "crm", "--without-demo=all")
    points = {}
    started = time.perf_counter()
    failed = False
    try:
        for count in sizes:
            mod._out(f"* scaling curve: {count:,} opportunities")
            try:
                points[count] = measure_size(args, mod, base, count)
            except Exception:  # keep the curve of the sizes done
                mod._logger.exception("the measures at %s opportunities failed", count)
                failed = True
                break
            save(points, mod)
    finally:
        if not args.keep:
            mod._drop(args, base)
    mod._out()
    mod._out(
        f"crm_pipeline_pilot scaling curve, sizes {', '.join(f'{n:,}' for n in sorted(points))}"
        f" (of {', '.join(f'{n:,}' for n in sizes)}), median of {args.reps} runs (kanban: "
        f"{args.reps * mod.KANBAN_RUNS}; move: {args.reps * 3}; follow-ups: 1 run), "
        f"{time.perf_counter() - started:.0f} s in all"
    )
    mod._out(table(points, mod) if points else "(no size measured)")
    for line in budgets(points, mod):
        mod._out(line)
    missed = [line for line in budgets(points, mod) if line.endswith("MISS")]
    if failed:
        return 1
    if missed and not args.no_fail:
        mod._out(f"{len(missed)} budget(s) missed.")
        return 1
    return 0
