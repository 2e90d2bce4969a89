#!/usr/bin/env bash
# Linters: ruff (check and format) and pylint-odoo with the OCA checks.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
[ -x "$VENV/bin/ruff" ] || bash "$PILOT_ROOT/scripts/setup.sh"
pilot_link_addons
status=0
log "lint: ruff"
"$VENV/bin/ruff" check "$PILOT_ROOT" || status=1
"$VENV/bin/ruff" format --check "$PILOT_ROOT" || status=1
log "lint: pylint-odoo (OCA checks)"
bridges=()
for bridge in "$PILOT_ROOT"/bridges/*/__manifest__.py; do
    [ -f "$bridge" ] && bridges+=("$(basename "$(dirname "$bridge")")")
done
(cd "$ADDONS_LINKS" && "$VENV/bin/pylint" --rcfile="$PILOT_ROOT/.pylintrc" "$PILOT_MODULE" "${bridges[@]}") || status=1
[ $status -eq 0 ] && log "lint clean"
exit $status
