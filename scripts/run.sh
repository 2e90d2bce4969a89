#!/usr/bin/env bash
# The run command: prepares what is missing, creates (or updates) a database
# with demo data and the add-on installed, and serves Odoo on
# http://localhost:${PILOT_HTTP_PORT:-8069} (login admin, password admin).
#   scripts/run.sh [extra odoo-bin arguments]
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$PILOT_ROOT/scripts/setup.sh"
pilot_pg_env
db="${PILOT_DB:-crm_pipeline_pilot}"
port="${PILOT_HTTP_PORT:-8069}"
mapfile -t odoo_args < <(pilot_odoo_args)
odoo_args+=(--data-dir="$PILOT_CACHE" -d "$db" --db-filter="^$db\$")
if psql -qAtX -d "$db" -c "SELECT 1 FROM ir_module_module WHERE name='$PILOT_MODULE' AND state='installed'" 2>/dev/null | grep -q 1; then
    log "updating $PILOT_MODULE in the database $db"
    "$PY" "$ODOO_DIR/odoo-bin" "${odoo_args[@]}" -u "$PILOT_MODULE" --stop-after-init --log-level=warn
else
    # With Odoo's sales margins, so that the sales margins bridge
    # (crm_pipeline_pilot_sale) installs itself and the demo shows real margins.
    log "creating the database $db with demo data, sale_margin and $PILOT_MODULE"
    "$PY" "$ODOO_DIR/odoo-bin" "${odoo_args[@]}" -i "sale_margin,$PILOT_MODULE" --stop-after-init --log-level=warn
fi
log "serving Odoo on http://localhost:$port (database $db, login admin / password admin)"
exec "$PY" "$ODOO_DIR/odoo-bin" "${odoo_args[@]}" --http-port="$port" "$@"
