#!/usr/bin/env bash
# The benchmark (not a test): the add-on against plain Odoo CRM on the same
# generated data, in the same run. Creates and drops its own pilot_bench_*
# databases; prints a table and fails when a budget is missed.
#   SIZE=small|full scripts/benchmark.sh [--reps N] [--keep] [--no-fail]
#   scripts/benchmark.sh --throughput   the throughput line (see throughput below)
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

# The throughput line: requests per second served over HTTP by Odoo with 2 and
# then 4 HTTP workers (no cron worker) to TP_CLIENTS generated salespeople
# working at once for TP_DURATION seconds (benchmark/throughput.py), on plain
# Odoo CRM and on a copy of the same database with the add-on; prints the
# ratios add-on / plain. TP_OPEN / TP_CLOSED size the generated data (default
# 3,000 / 900, the small size), TP_PORT the first port tried (default 8079).
throughput() {
    # shellcheck source=scripts/multiworker.sh
    source "$PILOT_ROOT/scripts/multiworker.sh"
    mw_init bench_tp
    MW_PORT="${TP_PORT:-8079}"
    local plain="$db" addon="${db}_addon" workers name rate
    log "$plain: plain crm (no demo data) and ${TP_OPEN:-3000} + ${TP_CLOSED:-900} generated opportunities"
    createdb "$plain"
    mw_odoo_step install_crm -i crm --without-demo=all
    "$PY" "$PILOT_ROOT/benchmark/generate.py" -d "$plain" --open "${TP_OPEN:-3000}" \
        --closed "${TP_CLOSED:-900}" -- "${odoo_args[@]}" --data-dir="$PILOT_CACHE" \
        --log-level=warn > "$work/generate.log" 2>&1 \
        || { cat "$work/generate.log" >&2; die "generation failed"; }
    mw_more_dbs=("$addon")
    createdb -T "$plain" "$addon"
    db="$addon"
    log "$addon: the same database with $PILOT_MODULE"
    mw_odoo_step install_addon -i "$PILOT_MODULE"
    declare -A rates
    for workers in 2 4; do
        for name in plain addon; do
            if [ "$name" = plain ]; then db="$plain"; else db="$addon"; fi
            mw_start "$workers" 0
            "$PY" "$PILOT_ROOT/benchmark/throughput.py" --url "http://127.0.0.1:$http_port" \
                --database "$db" --server-pid "$server_pid" --clients "${TP_CLIENTS:-6}" \
                --duration "${TP_DURATION:-30}" | tee "$work/$name-$workers.json"
            mw_stop_server
            rates[$name-$workers]=$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["per_second"])' < "$work/$name-$workers.json")
        done
    done
    db="$plain"
    echo
    echo "Throughput (requests per second, ${TP_CLIENTS:-6} salespeople at once, ${TP_DURATION:-30} s)"
    printf '%-10s %10s %10s %8s\n' "workers" "plain" "add-on" "ratio"
    for workers in 2 4; do
        printf '%-10s %10s %10s %8s\n' "$workers" "${rates[plain-$workers]}" "${rates[addon-$workers]}" \
            "$("$PY" -c "print(f'{${rates[addon-$workers]} / ${rates[plain-$workers]}:.2f}x')")"
    done
    status=0
}

pilot_prepare
if [ "${1:-}" = "--throughput" ]; then
    throughput
    exit 0
fi
exec "$PY" "$PILOT_ROOT/benchmark/run.py" --size "${SIZE:-small}" --odoo-bin "$ODOO_DIR/odoo-bin" \
    "$@" -- "${odoo_args[@]}" --data-dir="$PILOT_CACHE"
