#!/usr/bin/env bash
# Lifecycle check of the sales margins bridge (see scripts/lifecycle_sale.py):
# installed on a database full of quotations and orders, upgraded, uninstalled.
#   scripts/lifecycle_sale.sh [--deals N]   (300 opportunities by default)
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
pilot_prepare
db="pilot_lifecycle_sale_$(date +%s)_$$"
logs="$(mktemp -d)"
main_links="$(mktemp -d)"
ln -s "$PILOT_ROOT" "$main_links/$PILOT_MODULE"
status=0
trap 'rm -rf "$main_links"; if [ "$status" -eq 0 ]; then rm -rf "$logs"; else log "logs kept in $logs"; fi' EXIT
# The addons path of odoo_args is replaced per step (without, then with the bridge).
mapfile -t args < <(printf '%s\n' "${odoo_args[@]}" | grep -v '^--addons-path=')
"$PY" "$PILOT_ROOT/scripts/lifecycle_sale.py" --odoo-bin "$ODOO_DIR/odoo-bin" --database "$db" \
    --log-dir "$logs" --main-addons "$ODOO_DIR/odoo/addons,$ODOO_DIR/addons,$main_links" \
    --all-addons "$ODOO_DIR/odoo/addons,$ODOO_DIR/addons,$ADDONS_LINKS" "$@" \
    -- "${args[@]}" --data-dir="$PILOT_CACHE" || status=$?
exit "$status"
