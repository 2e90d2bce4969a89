#!/usr/bin/env bash
# Load and faults check (make test-faults; see docs/safety_checks.md): Odoo in
# multi-worker mode on a database with the add-on, its demo data and generated
# opportunities; salespeople at once over JSON-RPC while the crons run, two
# salespeople on one deal, a worker killed during a mass stage change and
# during the follow-up run, the database restarted during the follow-up run,
# and the SQL invariants after each scenario (scripts/test_faults.py).
#   scripts/test_faults.sh [--keep]
# FAULTS_USERS (default 8) salespeople for FAULTS_DURATION seconds (default 60),
# FAULTS_WORKERS HTTP workers (default 2), FAULTS_OPEN / FAULTS_CLOSED generated
# opportunities (default 300 / 100), FAULTS_PORT the first port tried (default
# 8079), FAULTS_BUDGET the hard time limit in seconds (default 1200).
# The database restart uses pg_ctl on the local cluster of scripts/env.sh
# only: when PG* variables point to another server it is not run (and said
# so), nor with FAULTS_PG_RESTART=0. It restarts the whole cluster (a few
# seconds for every database on it): never part of `make test`.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# shellcheck source=scripts/multiworker.sh
source "$PILOT_ROOT/scripts/multiworker.sh"
mw_budget "${FAULTS_BUDGET:-1200}" "$@"
pilot_prepare
[ "${1:-}" = "--keep" ] && MW_KEEP=1
MW_PORT="${FAULTS_PORT:-8079}"

restart=() why=""
if [ "${FAULTS_PG_RESTART:-1}" = 0 ]; then
    why="FAULTS_PG_RESTART=0"
elif [ "$PILOT_PG_MODE" = local ]; then
    # In a session of its own (setsid): the restarted server must not belong to
    # this check's process group, which its time budget stops.
    pg_ctl_cmd="$PG_BIN/pg_ctl -D $PG_LOCAL_DIR/data -l $PG_LOCAL_DIR/postgresql.log restart -m fast -w"
    if [ "$(id -u)" = 0 ]; then pg_ctl_cmd="runuser -u postgres -- $pg_ctl_cmd"; fi
    restart=(--pg-restart "setsid -w $pg_ctl_cmd > /dev/null 2>&1")
else
    why="PostgreSQL is the server of the PG* variables ($PGHOST:${PGPORT:-5432}), not the local cluster: this check restarts only the cluster it owns"
fi

mw_init faults
started=$(date +%s)
mw_prepare "${FAULTS_OPEN:-300}" "${FAULTS_CLOSED:-100}"
workers="${FAULTS_WORKERS:-2}"
mw_start "$workers" 2
set +e
"$PY" "$PILOT_ROOT/scripts/test_faults.py" --url "http://127.0.0.1:$http_port" \
    --database "$db" --log "$server_log" --server-pid "$server_pid" --workers "$workers" \
    --users "${FAULTS_USERS:-8}" --duration "${FAULTS_DURATION:-60}" \
    "${restart[@]}" --no-restart-why "${why:-not asked}"
status=$?
set -e
log "load and faults check done in $(( $(date +%s) - started )) s"
exit "$status"
