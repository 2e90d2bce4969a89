#!/usr/bin/env bash
# Lifecycle check on a populated database: plain crm filled by the benchmark's
# generator, then install, upgrade and uninstall of the add-on; fails when a
# step logs an error, alters CRM data or leaves the add-on's schema behind.
#   scripts/lifecycle.sh [--open N] [--closed N] [--keep]
# (default 7,500 open and 2,500 closed opportunities; LIFECYCLE_OPEN and
# LIFECYCLE_CLOSED set the size too.)
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
pilot_prepare
db="pilot_lifecycle_$(date +%s)_$$"
logs="$(mktemp -d)"
keep=""
for arg in "$@"; do [ "$arg" = "--keep" ] && keep=1; done
cleanup() {
    if [ -z "$keep" ]; then
        for name in "$db" "${db}_used"; do
            dropdb --if-exists "$name" >/dev/null 2>&1 || true
            rm -rf "${PILOT_CACHE:?}/filestore/$name"
        done
    else
        log "kept database $db"
    fi
    if [ "${status:-1}" -eq 0 ]; then rm -rf "$logs"; else log "logs kept in $logs"; fi
}
trap cleanup EXIT
status=0
"$PY" "$PILOT_ROOT/scripts/lifecycle.py" --odoo-bin "$ODOO_DIR/odoo-bin" --database "$db" \
    --log-dir "$logs" --open "${LIFECYCLE_OPEN:-7500}" --closed "${LIFECYCLE_CLOSED:-2500}" \
    "$@" -- "${odoo_args[@]}" --data-dir="$PILOT_CACHE" || status=$?
exit "$status"
