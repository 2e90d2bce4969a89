# shellcheck shell=bash
# Common settings of the development scripts; sourced, never run.
# Everything prepared (Odoo source, virtualenv, local PostgreSQL cluster) lives
# in a cache outside the clone so that every clone on the machine shares it.

PILOT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PILOT_MODULE=crm_pipeline_pilot
PILOT_CACHE="${PILOT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/crm_pipeline_pilot}"
ODOO_COMMIT_DEFAULT=82a181402e0e0458357587bf3943cd40290e0106
ODOO_DIR="$PILOT_CACHE/odoo"
VENV="$PILOT_CACHE/venv"
PY="$VENV/bin/python"
# The addons path entry that holds this clone under the module's name.
ADDONS_LINKS="$PILOT_CACHE/addons/$(printf '%s' "$PILOT_ROOT" | sha1sum | cut -c1-12)"

# Local PostgreSQL cluster, used only when the user has not pointed to a server
# with the usual PG* variables. PostgreSQL refuses to run as root: when root,
# the cluster belongs to the "postgres" system user and lives where it can reach.
if [ "$(id -u)" = 0 ]; then
    PG_LOCAL_DIR="${PILOT_PG_DIR:-/var/lib/postgresql/crm_pipeline_pilot}"
else
    PG_LOCAL_DIR="${PILOT_PG_DIR:-$PILOT_CACHE/postgresql}"
fi
PG_LOCAL_PORT="${PILOT_PG_PORT:-54329}"
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"

log() { printf '\033[1m[pilot]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[pilot] error:\033[0m %s\n' "$*" >&2; exit 1; }

# Decide which PostgreSQL to use and export PG* for Odoo and psql.
pilot_pg_env() {
    if [ -n "${PGHOST:-}${PGPORT:-}${PGUSER:-}${PGDATABASE:-}${PGPASSWORD:-}" ] && [ -z "${PILOT_PG_LOCAL:-}" ]; then
        PILOT_PG_MODE=external
        export PGUSER="${PGUSER:-$(id -un)}"
    else
        PILOT_PG_MODE=local
        export PILOT_PG_LOCAL=1
        export PGHOST="$PG_LOCAL_DIR/socket" PGPORT="$PG_LOCAL_PORT" PGUSER=odoo
        unset PGPASSWORD
    fi
    export PILOT_PG_MODE
}

# Arguments common to every odoo-bin call.
pilot_odoo_args() {
    local args=(--addons-path="$ODOO_DIR/odoo/addons,$ODOO_DIR/addons,$ADDONS_LINKS"
                --db_host="$PGHOST" --db_port="${PGPORT:-5432}" --db_user="$PGUSER")
    [ -n "${PGPASSWORD:-}" ] && args+=(--db_password="$PGPASSWORD")
    printf '%s\n' "${args[@]}"
}

# Browser tours (Odoo's HttpCase) are silently skipped by Odoo without a
# browser or without websocket-client: refuse to run rather than report a green
# run without them.
pilot_require_browser() {
    command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
        || command -v google-chrome >/dev/null \
        || die "no Chromium found: browser tours cannot run (apt-get install chromium)."
    "$PY" -c "import websocket" 2>/dev/null \
        || die "the Python package websocket-client is missing in $VENV: tours cannot run."
}

# Link the add-on and its bridge add-ons (bridges/*, e.g. the sales margins of
# crm_pipeline_pilot_sale) into the addons path entry of this clone.
pilot_link_addons() {
    mkdir -p "$ADDONS_LINKS"
    ln -sfn "$PILOT_ROOT" "$ADDONS_LINKS/$PILOT_MODULE"
    local bridge
    for bridge in "$PILOT_ROOT"/bridges/*/; do
        [ -f "$bridge/__manifest__.py" ] || continue
        bridge="${bridge%/}"
        ln -sfn "$bridge" "$ADDONS_LINKS/$(basename "$bridge")"
    done
}

# The prelude of the scripts that run Odoo: prepare what is missing, choose the
# PostgreSQL server, link the add-on into the addons path and fill the global
# array odoo_args with the common odoo-bin options.
pilot_prepare() {
    bash "$PILOT_ROOT/scripts/setup.sh"
    pilot_pg_env
    pilot_link_addons
    mapfile -t odoo_args < <(pilot_odoo_args)
}
