#!/usr/bin/env bash
# Linters: ruff (check and format) and pylint-odoo with the OCA checks.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
[ -x "$VENV/bin/ruff" ] || bash "$PILOT_ROOT/scripts/setup.sh"
mkdir -p "$ADDONS_LINKS" && ln -sfn "$PILOT_ROOT" "$ADDONS_LINKS/$PILOT_MODULE"
status=0
log "lint: ruff"
"$VENV/bin/ruff" check "$PILOT_ROOT" || status=1
"$VENV/bin/ruff" format --check "$PILOT_ROOT" || status=1
log "lint: pylint-odoo (OCA checks)"
(cd "$ADDONS_LINKS" && "$VENV/bin/pylint" --rcfile="$PILOT_ROOT/.pylintrc" "$PILOT_MODULE") || status=1
[ $status -eq 0 ] && log "lint clean"
exit $status
