#!/usr/bin/env bash
# Regenerate i18n/crm_pipeline_pilot.pot from a database with the add-on
# (and its demo data) installed, and merge it into i18n/fr.po; the same for
# each bridge add-on (bridges/*/i18n).
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$PILOT_ROOT/scripts/setup.sh"
pilot_pg_env
mapfile -t odoo_args < <(pilot_odoo_args)
db="pilot_i18n_$$"
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
"$PY" "$ODOO_DIR/odoo-bin" "${odoo_args[@]}" --data-dir="$PILOT_CACHE" -d "$db" \
    -i "$PILOT_MODULE" --stop-after-init --log-level=warn
"$PY" "$ODOO_DIR/odoo-bin" "${odoo_args[@]}" --data-dir="$PILOT_CACHE" -d "$db" \
    --i18n-export="$PILOT_ROOT/i18n/$PILOT_MODULE.pot" --modules="$PILOT_MODULE" --log-level=warn
if command -v msgmerge >/dev/null; then
    # Entries given twice (by a merge of two branches) keep their first
    # translation; entries no longer in the template are dropped.
    msguniq --use-first -o "$PILOT_ROOT/i18n/fr.po" "$PILOT_ROOT/i18n/fr.po"
    msgmerge --quiet --no-fuzzy-matching --update --backup=none \
        "$PILOT_ROOT/i18n/fr.po" "$PILOT_ROOT/i18n/$PILOT_MODULE.pot"
    msgattrib --no-obsolete -o "$PILOT_ROOT/i18n/fr.po" "$PILOT_ROOT/i18n/fr.po"
fi
log "i18n/$PILOT_MODULE.pot exported; i18n/fr.po merged"

# The bridge add-ons (bridges/*): each exported from a database where it is
# installed with what it bridges to (its manifest's dependencies).
for manifest in "$PILOT_ROOT"/bridges/*/__manifest__.py; do
    [ -f "$manifest" ] || continue
    bridge_dir="$(dirname "$manifest")"
    bridge="$(basename "$bridge_dir")"
    depends="$("$PY" -c "import ast, sys; print(','.join(ast.literal_eval(open(sys.argv[1]).read())['depends']))" "$manifest")"
    bridge_db="${db}_$bridge"
    trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true; dropdb --if-exists "$bridge_db" >/dev/null 2>&1 || true' EXIT
    "$PY" "$ODOO_DIR/odoo-bin" "${odoo_args[@]}" --data-dir="$PILOT_CACHE" -d "$bridge_db" \
        -i "$depends,$bridge" --stop-after-init --log-level=warn
    mkdir -p "$bridge_dir/i18n"
    "$PY" "$ODOO_DIR/odoo-bin" "${odoo_args[@]}" --data-dir="$PILOT_CACHE" -d "$bridge_db" \
        --i18n-export="$bridge_dir/i18n/$bridge.pot" --modules="$bridge" --log-level=warn
    if command -v msgmerge >/dev/null && [ -f "$bridge_dir/i18n/fr.po" ]; then
        msgmerge --quiet --no-fuzzy-matching --update --backup=none \
            "$bridge_dir/i18n/fr.po" "$bridge_dir/i18n/$bridge.pot"
    fi
    log "bridges/$bridge/i18n/$bridge.pot exported"
done
