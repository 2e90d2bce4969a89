# shellcheck shell=bash
# What the multi-worker checks share (scripts/smoke_workers.sh and
# scripts/test_faults.sh); sourced after env.sh, never run:
#   mw_init NAME         a throwaway database pilot_NAME_<time>_<pid> (MW_DB
#                        replaces pilot_NAME), a log
#                        directory, and the cleanup when the script exits
#                        (server stopped, database dropped unless MW_KEEP=1)
#   mw_prepare OPEN CLOSED  crm and its demo data, OPEN + CLOSED generated
#                        opportunities (benchmark/generate.py), then the add-on
#                        and its demo data
#   mw_start WORKERS CRON_THREADS  Odoo in multi-worker mode on the database
#                        $db, on two free ports from MW_PORT (default 8079): sets
#                        http_port, server_pid, server_log; mw_stop_server stops it
#   mw_budget SECONDS "$@"  run the calling script again under a hard timeout
#                        (coreutils timeout, its whole process group): a check
#                        that exceeds its budget fails instead of hanging
# The checks themselves are Python drivers sharing scripts/pilot_rpc.py.

mw_budget() {
    local budget="$1" rc=0
    shift
    [ -n "${MW_UNDER_BUDGET:-}" ] && return 0
    MW_UNDER_BUDGET=1 timeout --kill-after=90 "$budget" bash "$0" "$@" || rc=$?
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        die "$(basename "$0") exceeded its time budget of $budget s: stopped, failed"
    fi
    exit "$rc"
}

mw_init() {
    db="${MW_DB:-pilot_$1}_$(date +%s)_$$"
    work="$(mktemp -d)"
    mw_more_dbs=()  # other databases the script creates, dropped with it
    server_pid=""
    status=1
    # Stopped by the budget (SIGTERM to the process group): clean up all the same.
    trap 'log "interrupted"; exit 143' TERM INT
    trap mw_cleanup EXIT
}

mw_stop_server() {
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
    server_pid=""
}

mw_cleanup() {
    mw_stop_server
    local name
    for name in "$db" "${mw_more_dbs[@]}"; do
        if [ -z "${MW_KEEP:-}" ]; then
            dropdb --if-exists "$name" >/dev/null 2>&1 || true
            rm -rf "${PILOT_CACHE:?}/filestore/$name"
        else
            log "kept database $name"
        fi
    done
    if [ "$status" -eq 0 ]; then rm -rf "$work"; else log "logs kept in $work"; fi
}

mw_odoo_step() {  # mw_odoo_step NAME ODOO_OPTIONS...: run to completion, fail on an error in the log
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

mw_prepare() {
    local open="$1" closed="$2"
    log "$db: installing crm with its demo data"
    createdb "$db"
    mw_odoo_step install_crm -i crm
    log "$db: generating $open open and $closed closed opportunities"
    "$PY" "$PILOT_ROOT/benchmark/generate.py" -d "$db" --open "$open" --closed "$closed" \
        -- "${odoo_args[@]}" --data-dir="$PILOT_CACHE" --log-level=warn > "$work/generate.log" 2>&1 \
        || { cat "$work/generate.log" >&2; die "generation failed"; }
    log "$db: installing $PILOT_MODULE with its demo data"
    mw_odoo_step install_addon -i "$PILOT_MODULE"
    # Odoo's lead enrichment (crm_iap_enrich, installed with crm) calls Odoo's IAP
    # service, which a check must not call; it is triggered by every new lead and,
    # when a request edits the lead at that moment, logs an error of its own (Odoo
    # 18: its FOR UPDATE NOWAIT fails inside a savepoint it then cannot release).
    psql -qAtX -d "$db" -c "UPDATE ir_cron SET active = FALSE WHERE id IN (
        SELECT res_id FROM ir_model_data
         WHERE module = 'crm_iap_enrich' AND name = 'ir_cron_lead_enrichment')"
}

mw_start() {
    local workers="$1" crons="$2" gevent_port odoo_bin
    read -r http_port gevent_port < <("$PY" - "${MW_PORT:-8079}" <<'PYEOF'
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
    # In multi-worker mode Odoo also spawns its websocket process (odoo-bin
    # gevent) and respawns it whenever it exits. Where the virtualenv cannot
    # start it (gevent's plugins failing to resolve their dependencies), it
    # would be respawned in a tight loop: the server is then started through a
    # launcher that runs a placeholder instead of that process (these checks do
    # not use websockets) and the log says so.
    odoo_bin="$ODOO_DIR/odoo-bin"
    if ! "$PY" "$ODOO_DIR/odoo-bin" gevent --version > "$work/gevent_probe.log" 2>&1; then
        log "warning: Odoo's websocket process (odoo-bin gevent) cannot start in this virtualenv:"
        grep -E "^[a-zA-Z_.]+(Error|Exception|NotFound)" "$work/gevent_probe.log" | tail -n 1 >&2 || true
        log "it is replaced by a placeholder"
        odoo_bin="$work/odoo_launcher.py"
        cat > "$odoo_bin" <<'PYEOF'
import os
import sys
import time

if sys.argv[1:2] == ["gevent"]:
    while True:  # placeholder of the websocket process, stopped with the server
        time.sleep(3600)
odoo_bin = os.environ["MW_ODOO_BIN"]
sys.path.insert(0, os.path.dirname(odoo_bin))
with open(odoo_bin, encoding="utf-8") as source:
    exec(compile(source.read(), odoo_bin, "exec"))
PYEOF
    fi
    server_log="$work/server.log"
    log "starting Odoo with $workers HTTP workers and $crons cron workers on port $http_port (log: server.log)"
    MW_ODOO_BIN="$ODOO_DIR/odoo-bin" "$PY" "$odoo_bin" "${odoo_args[@]}" --data-dir="$PILOT_CACHE" \
        -d "$db" --db-filter="^${db}\$" --no-database-list --workers="$workers" \
        --max-cron-threads="$crons" --http-interface=127.0.0.1 --http-port="$http_port" \
        --gevent-port="$gevent_port" --logfile="$server_log" --log-level=info \
        > "$work/server.out" 2>&1 &
    server_pid=$!
}
