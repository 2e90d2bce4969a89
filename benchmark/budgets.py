# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The sizes of the benchmark's datasets and the budgets of the add-on against
plain Odoo (docs/benchmark.md), shared by its measures and its report."""

MODULE = "crm_pipeline_pilot"
PREFIX = "pilot_bench_"
NOT_AVAILABLE = "not available in this build"

SIZES = {
    # open opportunities, won/lost ones, opportunities of the pivot dataset
    "small": {"open": 3000, "closed": 900, "pivot": 20000, "messages": 3},
    "full": {"open": 100000, "closed": 30000, "pivot": 1000000, "messages": 3},
}
MASS_CHANGE = 1000
FOLLOW_UP_BATCH = 1000
INACTIVE_DAYS = 15
# Active opportunities had an interaction less than this many days ago
# (below the first follow-up step, 5 days by default).
RECENT_DAYS = 4

# Budgets of the add-on against plain Odoo (see docs/benchmark.md).
KANBAN_TIME_RATIO = 1.1
# Runs of the kanban per repetition: a budget of 10 % needs a steadier median
# than the other lines (a run takes a tenth of a second).
KANBAN_RUNS = 10
KANBAN_EXTRA_QUERIES = 3
MOVE_EXTRA_QUERIES = 2
# A write of the expected closing date: its ledger row and push count.
CLOSE_DATE_EXTRA_QUERIES = 1
MASS_TIME_RATIO = 1.5
FOLLOW_UP_SECONDS = 60.0
FOLLOW_UP_QUERIES_PER_1000 = 100
PIVOT_TIME_RATIO = 1.1
INSTALL_TIME_RATIO = 2.0
BACKTEST_MONTHS = 12
BACKTEST_SECONDS = 30.0
# Queries of a back-test: one per month plus a constant, whatever the leads.
BACKTEST_QUERIES = BACKTEST_MONTHS + 40
# The weekly review of the current week for this many teams (the main
# dataset has 5 teams), as the sales manager.
REVIEW_TEAMS = 5
REVIEW_SECONDS = 1.0

# What the web client's kanban asks per column (Odoo 18 relational model).
KANBAN_COLUMN_LIMIT = 40
KANBAN_COUNT_LIMIT = 10001
KANBAN_MAX_OPEN_COLUMNS = 10
