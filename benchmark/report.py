# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The report of the benchmark (benchmark/run.py): one line per measure,
its query counts, medians and ratio against plain Odoo, and its budget; the
lines of the measures the installed add-on lacks say so."""

import platform
from datetime import datetime, timezone

from budgets import (
    BACKTEST_MONTHS,
    BACKTEST_QUERIES,
    BACKTEST_SECONDS,
    CLOSE_DATE_EXTRA_QUERIES,
    FOLLOW_UP_QUERIES_PER_1000,
    FOLLOW_UP_SECONDS,
    INSTALL_TIME_RATIO,
    KANBAN_EXTRA_QUERIES,
    KANBAN_RUNS,
    KANBAN_TIME_RATIO,
    MASS_TIME_RATIO,
    MOVE_EXTRA_QUERIES,
    NOT_AVAILABLE,
    PIVOT_TIME_RATIO,
    REVIEW_SECONDS,
    REVIEW_TEAMS,
)
from measures import Result, _out


class BenchmarkReport:
    """The report of a Benchmark (mixed into it): reads its results."""

    def lines(self):
        """(label, plain, add-on, ratio, budget, verdict) per measurement."""
        size = self.size
        rows = []

        def fmt(result):
            if result is None:
                return "-"
            if not result.available:
                return NOT_AVAILABLE
            text = (
                f"{result.seconds * 1000:,.0f} ms"
                if result.seconds < 10
                else f"{result.seconds:,.1f} s"
            )
            if result.queries is not None:
                text += f" / {result.queries:,} q"
            return text

        def ratio(plain, addon):
            if not (plain and addon and plain.available and addon.available) or not plain.seconds:
                return None
            return addon.seconds / plain.seconds

        def verdict(ok, plain, addon):
            if not (addon and addon.available and (plain is None or plain.available)):
                return "n/a"
            return "pass" if ok else "MISS"

        def time_ratio_row(key, label, limit):
            """A measure whose budget is a time ratio against plain Odoo."""
            plain, addon = self.results[key]
            r = ratio(plain, addon)
            ok = r is not None and r <= limit
            return (label, plain, addon, r, f"<= {limit}x", verdict(ok, plain, addon))

        plain, addon = self.results["kanban"]
        r = ratio(plain, addon)
        ok = (
            r is not None
            and r <= KANBAN_TIME_RATIO
            and (addon.queries <= plain.queries + KANBAN_EXTRA_QUERIES)
        )
        rows.append(
            (
                "1. Kanban open (salesperson)",
                plain,
                addon,
                r,
                f"<= {KANBAN_TIME_RATIO}x, <= +{KANBAN_EXTRA_QUERIES} q",
                verdict(ok, plain, addon),
            )
        )
        if "kanban_installed" in self.results:
            plain, addon = self.results["kanban_installed"]
            rows.append(
                (
                    "1b. Kanban open, tables not compacted (information)",
                    plain,
                    addon,
                    ratio(plain, addon),
                    "-",
                    "info",
                )
            )
        plain, addon = self.results["move"]
        criteria = self.facts.get("criteria")
        label = "2. Stage move, 1 opportunity"
        label += f" ({criteria} criteria)" if criteria else " (no criteria: " + NOT_AVAILABLE + ")"
        ok = addon.queries <= plain.queries + MOVE_EXTRA_QUERIES
        rows.append(
            (
                label,
                plain,
                addon,
                ratio(plain, addon),
                f"<= +{MOVE_EXTRA_QUERIES} q",
                verdict(ok, plain, addon),
            )
        )
        rows.append(
            time_ratio_row(
                "mass",
                f"3. Mass stage change, {self.facts['mass']:,} opportunities",
                MASS_TIME_RATIO,
            )
        )
        _plain, addon = self.results["follow_up"]
        label = f"4. Follow-up run, {size['open']:,} open (20 % inactive)"
        per_1000 = None
        if addon.available:
            per_1000 = addon.queries / (size["open"] / 1000)
            label += f": {per_1000:,.1f} q per 1,000 leads, {addon.note}"
        ok = per_1000 is not None and (
            addon.seconds < FOLLOW_UP_SECONDS * size["open"] / 100000
            and per_1000 <= FOLLOW_UP_QUERIES_PER_1000
        )
        rows.append(
            (
                label,
                None,
                addon,
                None,
                f"< {FOLLOW_UP_SECONDS:.0f} s per 100,000 leads, "
                f"<= {FOLLOW_UP_QUERIES_PER_1000} q per 1,000",
                verdict(ok, None, addon),
            )
        )
        rows.append(
            time_ratio_row(
                "pivot", f"5. Pivot week x salesperson, {size['pivot']:,} rows", PIVOT_TIME_RATIO
            )
        )
        rows.append(
            time_ratio_row(
                "install",
                f"6. Install on {self.facts['main']['leads']:,} leads (plain: -u crm)",
                INSTALL_TIME_RATIO,
            )
        )
        _plain, addon = self.results["backtest"]
        label = (
            f"7. Forecast back-test, {BACKTEST_MONTHS} months x {size['open'] + size['closed']:,}"
        )
        label += " opportunities"
        if addon.available:
            label += f": {addon.note}"
        budget_seconds = BACKTEST_SECONDS * (size["open"] + size["closed"]) / 100000
        ok = addon.available and (
            addon.seconds < max(budget_seconds, 1.0) and addon.queries <= BACKTEST_QUERIES
        )
        rows.append(
            (
                label,
                None,
                addon,
                None,
                f"< {BACKTEST_SECONDS:.0f} s per 100,000 opportunities (at least 1 s), "
                f"<= {BACKTEST_QUERIES} q",
                verdict(ok, None, addon),
            )
        )
        rows.append(self._review_line())
        plain, addon = self.results["close_date"]
        without = self.results.get("ledger_off")
        label = "9. Expected closing date pushed, 1 opportunity"
        ok = False
        if without is not None and addon.available:
            label += (
                f" (add-on without the ledger: {without.queries:,} q, "
                f"{without.seconds * 1000:,.0f} ms)"
            )
            ok = addon.queries <= without.queries + CLOSE_DATE_EXTRA_QUERIES
        rows.append(
            (
                label,
                plain,
                addon,
                ratio(plain, addon),
                f"ledger <= +{CLOSE_DATE_EXTRA_QUERIES} q",
                verdict(ok, plain, addon),
            )
        )
        return [
            (label, fmt(p), fmt(a), f"{r:.2f}x" if r is not None else "-", budget, v)
            for label, p, a, r, budget, v in rows
        ]

    def _review_line(self):
        """8. The weekly review (add-on only): < REVIEW_SECONDS."""
        _plain, addon = self.results.get("review", (None, Result()))
        label = f"8. Weekly review, {self.facts.get('review_teams', REVIEW_TEAMS)} teams"
        if addon.available:
            label += f", {self.facts['main']['leads']:,} opportunities ({addon.note})"
        else:
            label += " (" + NOT_AVAILABLE + ")"
        ok = addon.available and addon.seconds < REVIEW_SECONDS
        return (
            label,
            None,
            addon,
            None,
            f"< {REVIEW_SECONDS:.0f} s",
            ("pass" if ok else "MISS") if addon.available else "n/a",
        )

    def report(self):
        rows = self.lines()
        header = ("Measurement", "Plain Odoo CRM", "Add-on", "Ratio", "Budget", "Result")
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
        _out()
        _out(
            f"crm_pipeline_pilot benchmark, size {self.args.size}, "
            f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
            f"median of {self.args.reps} runs (kanban: {self.args.reps * KANBAN_RUNS}; "
            f"move, close date: {self.args.reps * 3}; "
            f"follow-ups: {self.follow_up_reps}), "
            f"Python {platform.python_version()}"
        )
        _out("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
        _out("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        for row in rows:
            _out(
                "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
            )
        return [row for row in rows if row[5] == "MISS"]
