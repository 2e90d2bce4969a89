#!/usr/bin/env bash
# The benchmark (not a test): the add-on against plain Odoo CRM on the same
# generated data, in the same run. Creates and drops its own pilot_bench_*
# databases; prints a table and fails when a budget is missed.
#   SIZE=small|full scripts/benchmark.sh [--reps N] [--keep] [--no-fail]
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
pilot_prepare
exec "$PY" "$PILOT_ROOT/benchmark/run.py" --size "${SIZE:-small}" --odoo-bin "$ODOO_DIR/odoo-bin" \
    "$@" -- "${odoo_args[@]}" --data-dir="$PILOT_CACHE"
