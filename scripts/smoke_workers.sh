#!/usr/bin/env bash
# Workers smoke test: Odoo in multi-worker mode (--workers 2 --max-cron-threads 2)
# on a database with the add-on, its demo data and generated inactive
# opportunities. Drives the pipeline over HTTP as a salesperson while both
# crons of the add-on run (again and again), then checks the log, the answers,
# and that no follow-up or snapshot was duplicated. Part of the full `make test`.
#   scripts/smoke_workers.sh [--keep]
# SMOKE_OPEN / SMOKE_CLOSED size the generated data (default 300 / 100),
# SMOKE_PORT the first port tried for HTTP (default 8079), SMOKE_BUDGET the
# hard time limit in seconds (default 600): beyond it the test is stopped and fails.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# shellcheck source=scripts/multiworker.sh
source "$PILOT_ROOT/scripts/multiworker.sh"
mw_budget "${SMOKE_BUDGET:-600}" "$@"
pilot_prepare
[ "${1:-}" = "--keep" ] && MW_KEEP=1
MW_PORT="${SMOKE_PORT:-8079}"

mw_init smoke
started=$(date +%s)
mw_prepare "${SMOKE_OPEN:-300}" "${SMOKE_CLOSED:-100}"
mw_start 2 2
set +e
"$PY" "$PILOT_ROOT/scripts/smoke_workers.py" --url "http://127.0.0.1:$http_port" \
    --database "$db" --log "$server_log" --server-pid "$server_pid" --odoo-bin "$ODOO_DIR/odoo-bin" \
    -- "${odoo_args[@]}" --data-dir="$PILOT_CACHE"
status=$?
set -e
log "smoke test done in $(( $(date +%s) - started )) s"
exit "$status"
