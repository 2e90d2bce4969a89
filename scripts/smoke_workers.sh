#!/usr/bin/env bash
# Workers smoke test: Odoo in multi-worker mode (--workers 2 --max-cron-threads 2)
# on a database with the add-on, its demo data and generated inactive
# opportunities. Drives the pipeline over HTTP as a salesperson while both
# crons of the add-on run (again and again), then checks the log, the answers,
# and that no follow-up or snapshot was duplicated.
#   scripts/smoke_workers.sh [--keep]
# SMOKE_OPEN / SMOKE_CLOSED size the generated data (default 2,000 / 500),
# SMOKE_PORT the first port tried for HTTP (default 8079).
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
pilot_prepare
keep=""
[ "${1:-}" = "--keep" ] && keep=1

db="pilot_smoke_$(date +%s)_$$"
work="$(mktemp -d)"
server_pid=""
status=1
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        log "stopping the server (pid $server_pid)"
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 30); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 1
        done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ -z "$keep" ]; then
        dropdb --if-exists "$db" >/dev/null 2>&1 || true
        rm -rf "$PILOT_CACHE/filestore/$db"
    else
        log "kept database $db"
    fi
    if [ "$status" -eq 0 ]; then rm -rf "$work"; else log "logs kept in $work"; fi
}
trap cleanup EXIT

odoo_step() {  # odoo_step NAME ODOO_OPTIONS...: run to completion, fail on an error in the log
    local name="$1"
    shift
    "$PY" "$ODOO_DIR/odoo-bin" "${odoo_args[@]}" --data-dir="$PILOT_CACHE" -d "$db" \
        --max-cron-threads=0 --stop-after-init --log-level=warn "$@" > "$work/$name.log" 2>&1 \
        || { cat "$work/$name.log" >&2; die "$name failed"; }
    if grep -qE " (ERROR|CRITICAL) |Traceback" "$work/$name.log"; then
        cat "$work/$name.log" >&2
        die "$name logged errors"
    fi
}

started=$(date +%s)
log "$db: installing crm with its demo data"
createdb "$db"
odoo_step install_crm -i crm
log "$db: generating ${SMOKE_OPEN:-2000} open and ${SMOKE_CLOSED:-500} closed opportunities"
"$PY" "$PILOT_ROOT/benchmark/generate.py" -d "$db" --open "${SMOKE_OPEN:-2000}" \
    --closed "${SMOKE_CLOSED:-500}" -- "${odoo_args[@]}" --data-dir="$PILOT_CACHE" \
    --log-level=warn > "$work/generate.log" 2>&1 || { cat "$work/generate.log" >&2; die "generation failed"; }
log "$db: installing $PILOT_MODULE with its demo data"
odoo_step install_addon -i "$PILOT_MODULE"

read -r http_port gevent_port < <("$PY" - "${SMOKE_PORT:-8079}" <<'PYEOF'
import socket
import sys

def free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True

found, port = [], int(sys.argv[1])
while len(found) < 2:
    if port != 8069 and port != 8072 and free(port):
        found.append(port)
    port += 1
print(*found)
PYEOF
)
# In multi-worker mode Odoo also spawns its websocket process (odoo-bin gevent)
# and respawns it whenever it exits. Where the virtualenv cannot start it
# (gevent's plugins failing to resolve their dependencies), it would be
# respawned in a tight loop: the server is then started through a launcher
# that runs a placeholder instead of that process (the smoke test does not use
# websockets) and the summary says so.
odoo_bin="$ODOO_DIR/odoo-bin"
if ! "$PY" "$ODOO_DIR/odoo-bin" gevent --version > "$work/gevent_probe.log" 2>&1; then
    log "warning: Odoo's websocket process (odoo-bin gevent) cannot start in this virtualenv:"
    grep -E "^[a-zA-Z_.]+(Error|Exception|NotFound)" "$work/gevent_probe.log" | tail -n 1 >&2 || true
    log "it is replaced by a placeholder during the smoke test"
    odoo_bin="$work/odoo_launcher.py"
    cat > "$odoo_bin" <<'PYEOF'
import os
import sys
import time

if sys.argv[1:2] == ["gevent"]:
    while True:  # placeholder of the websocket process, stopped with the server
        time.sleep(3600)
odoo_bin = os.environ["SMOKE_ODOO_BIN"]
sys.path.insert(0, os.path.dirname(odoo_bin))
with open(odoo_bin, encoding="utf-8") as source:
    exec(compile(source.read(), odoo_bin, "exec"))
PYEOF
fi
server_log="$work/server.log"
log "starting Odoo with 2 HTTP workers and 2 cron workers on port $http_port (log: server.log)"
SMOKE_ODOO_BIN="$ODOO_DIR/odoo-bin" "$PY" "$odoo_bin" "${odoo_args[@]}" --data-dir="$PILOT_CACHE" \
    -d "$db" --db-filter="^${db}\$" --no-database-list --workers=2 --max-cron-threads=2 \
    --http-interface=127.0.0.1 --http-port="$http_port" --gevent-port="$gevent_port" \
    --logfile="$server_log" --log-level=info > "$work/server.out" 2>&1 &
server_pid=$!

set +e
"$PY" "$PILOT_ROOT/scripts/smoke_workers.py" --url "http://127.0.0.1:$http_port" \
    --database "$db" --log "$server_log" --server-pid "$server_pid" --odoo-bin "$ODOO_DIR/odoo-bin" \
    -- "${odoo_args[@]}" --data-dir="$PILOT_CACHE"
status=$?
set -e
log "smoke test done in $(( $(date +%s) - started )) s"
exit "$status"
