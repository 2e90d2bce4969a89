#!/usr/bin/env bash
# Upgrade check: a database installed with the previous release of the add-on
# (18.0.1.0.0, taken from this repository's history) keeps its data when it
# is upgraded to this version: the renamed fields keep their values, the
# scheduled actions call the renamed entry points and an opportunity without
# an estimated cost gets an unknown margin (no longer a margin of 100 %); the
# existing leads get a forecast category (Closed when won). Then a database of
# 18.0.1.1.0 (the last commit before the won reason was renamed) keeps its won
# reasons in pilot_won_reason_id.
#   scripts/upgrade_check.sh [PREVIOUS_COMMIT]
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$PILOT_ROOT/scripts/setup.sh"
pilot_pg_env
previous="${1:-4841b0d43cc59a6d0c4b0955db9dadda4c8995cf}"
git -C "$PILOT_ROOT" cat-file -e "$previous^{commit}" 2>/dev/null \
    || die "the previous release $previous is not in this repository's history (clone it whole)."
won_previous=0a1fe1ba9b78e8a41dc1b0a7d66ce5a3e110d85b
version="$(grep -oE '"version": "[0-9.]+"' "$PILOT_ROOT/__manifest__.py" | cut -d'"' -f4)"
db="pilot_upgrade_$(date +%s)_$$"
db_first="$db"
db_won="${db}_won"
work="$(mktemp -d)"
cleanup() {
    # (the odoo helper works on $db, which becomes $db_won for the second part)
    for name in "$db_first" "$db_won"; do
        dropdb --if-exists "$name" >/dev/null 2>&1 || true
        rm -rf "${PILOT_CACHE:?}/filestore/$name"
    done
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/previous/$PILOT_MODULE"
git -C "$PILOT_ROOT" archive "$previous" | tar -x -C "$work/previous/$PILOT_MODULE"
common=(--db_host="$PGHOST" --db_port="${PGPORT:-5432}" --db_user="$PGUSER" --data-dir="$PILOT_CACHE"
        --max-cron-threads=0 --log-level=warn)
[ -n "${PGPASSWORD:-}" ] && common+=(--db_password="$PGPASSWORD")
odoo() {  # odoo ADDONS_DIR LOG ARGS...
    local addons="$1" logfile="$2"; shift 2
    "$PY" "$ODOO_DIR/odoo-bin" "$@" --addons-path="$ODOO_DIR/odoo/addons,$ODOO_DIR/addons,$addons" \
        -d "$db" "${common[@]}" >"$logfile" 2>&1
}
fail() { cat "$work"/*.log >&2; die "upgrade check: $*"; }

log "upgrade check: installing the previous release ($previous) in $db"
createdb "$db"
odoo "$work/previous" "$work/install.log" -i "$PILOT_MODULE" --without-demo=all --stop-after-init \
    || fail "the previous release did not install"
odoo "$work/previous" "$work/data.log" shell --no-http <<'PYEOF' || fail "could not set the data"
team = env["crm.team"].search([], limit=1)
team.write({"probability_mode": "adjustable", "probability_band": 12.5})
stage = env["crm.stage"].search([("is_won", "=", False)], limit=1)
stage.probability = 42.0
env["crm.lead"].create([
    {"name": "Upgrade no cost", "type": "opportunity", "expected_revenue": 1000, "probability": 50},
    {"name": "Upgrade with cost", "type": "opportunity", "expected_revenue": 1000,
     "estimated_cost": 400, "probability": 50},
    {"name": "Upgrade won", "type": "opportunity", "expected_revenue": 500,
     "stage_id": env["crm.stage"].search([("is_won", "=", True)], limit=1).id},
    {"name": "Upgrade no revenue", "type": "opportunity", "expected_revenue": 0,
     "estimated_cost": 300, "probability": 50},
])
env.cr.commit()
PYEOF

log "upgrade check: upgrading to this version"
odoo "$ADDONS_LINKS" "$work/upgrade.log" -u "$PILOT_MODULE" --stop-after-init \
    || fail "the upgrade failed"
if grep -qE " (ERROR|CRITICAL) " "$work/upgrade.log"; then fail "the upgrade logged errors"; fi

status=0
check() {  # check WHAT SQL EXPECTED
    local got
    got="$(psql -qAtX -d "$db" -c "$2")"
    if [ "$got" = "$3" ]; then
        printf 'ok    %s\n' "$1"
    else
        printf 'FAIL  %s: expected %s, got %s\n' "$1" "$3" "$got"; status=1
    fi
}
check "version upgraded" \
    "SELECT latest_version FROM ir_module_module WHERE name = '$PILOT_MODULE'" "$version"
check "team probability mode kept in pilot_probability_mode" \
    "SELECT COUNT(*) FROM crm_team WHERE pilot_probability_mode = 'adjustable' AND pilot_probability_band = 12.5" "1"
check "stage probability kept in pilot_probability" \
    "SELECT COUNT(*) FROM crm_stage WHERE pilot_probability = 42" "1"
check "old columns gone" \
    "SELECT COUNT(*) FROM information_schema.columns WHERE (table_name, column_name) IN
        (('crm_stage', 'probability'), ('crm_team', 'probability_mode'), ('crm_team', 'probability_band'))" "0"
check "one field record per renamed field" \
    "SELECT COUNT(*) FROM ir_model_fields WHERE (model, name) IN (('crm.stage', 'pilot_probability'),
        ('crm.team', 'pilot_probability_mode'), ('crm.team', 'pilot_probability_band'))" "3"
check "scheduled actions call the renamed entry points" \
    "SELECT COUNT(*) FROM ir_act_server WHERE code LIKE '%_cron_pilot_follow_ups()%' OR code LIKE '%_cron_snapshot()%'" "2"
check "follow-up steps select open opportunities by their stage (one definition of won)" \
    "SELECT COUNT(*) FROM base_automation a JOIN ir_model_data d ON d.model = 'base.automation'
       AND d.res_id = a.id AND d.module = '$PILOT_MODULE'
      WHERE a.filter_domain LIKE '%stage_id.is_won%' AND a.filter_domain NOT LIKE '%probability%'" "3"
check "no cost: the margin becomes unknown (0, low margin), no longer 100 %" \
    "SELECT COUNT(*) FROM crm_lead WHERE name = 'Upgrade no cost' AND NOT margin_known
       AND estimated_margin = 0 AND estimated_margin_rate = 0 AND prorated_margin = 0
       AND is_low_margin" "1"
check "a cost: the margin is known and kept" \
    "SELECT COUNT(*) FROM crm_lead WHERE name = 'Upgrade with cost' AND margin_known
       AND estimated_margin = 600 AND estimated_margin_rate = 60 AND prorated_margin = 300
       AND NOT is_low_margin" "1"
check "no revenue: the margin becomes unknown (18.0.1.3.0), no longer -300" \
    "SELECT COUNT(*) FROM crm_lead WHERE name = 'Upgrade no revenue' AND NOT margin_known
       AND estimated_margin = 0 AND estimated_margin_rate = 0 AND prorated_margin = 0
       AND is_low_margin" "1"
check "the opportunities are former opportunities (their archiving needs a loss reason)" \
    "SELECT COUNT(*) FROM crm_lead WHERE name LIKE 'Upgrade %' AND pilot_was_opportunity" "4"
check "forecast categories: Pipeline from the stages, Closed when won" \
    "SELECT string_agg(name || '=' || forecast_category, ',' ORDER BY name) FROM crm_lead
      WHERE name LIKE 'Upgrade %'" "Upgrade no cost=pipeline,Upgrade no revenue=pipeline,Upgrade with cost=pipeline,Upgrade won=closed"
check "forecast category of every stage" \
    "SELECT COUNT(*) FROM crm_stage WHERE pilot_forecast_category IS NULL" "0"
[ $status -eq 0 ] || fail "data lost by the upgrade"

# From 18.0.1.1.0: the won reasons move from won_reason_id to pilot_won_reason_id.
if git -C "$PILOT_ROOT" cat-file -e "$won_previous^{commit}" 2>/dev/null; then
    log "upgrade check: won reasons of 18.0.1.1.0 ($won_previous) in $db_won"
    db="$db_won"
    rm -rf "$work/previous" && mkdir -p "$work/previous/$PILOT_MODULE"
    git -C "$PILOT_ROOT" archive "$won_previous" | tar -x -C "$work/previous/$PILOT_MODULE"
    createdb "$db"
    odoo "$work/previous" "$work/install.log" -i "$PILOT_MODULE" --without-demo=all --stop-after-init \
        || fail "18.0.1.1.0 did not install"
    odoo "$work/previous" "$work/data.log" shell --no-http <<'PYEOF' || fail "could not set the data"
won = env["crm.stage"].search([("is_won", "=", True)], limit=1)
reason = env.ref("crm_pipeline_pilot.won_reason_fit")
lead = env["crm.lead"].create({"name": "Upgrade won with reason", "type": "opportunity",
                               "expected_revenue": 700})
lead.write({"stage_id": won.id, "won_reason_id": reason.id})
env["ir.filters"].create({"name": "Upgrade by won reason", "model_id": "crm.lead",
                          "context": "{'group_by': ['won_reason_id']}"})
env.cr.commit()
PYEOF
    odoo "$ADDONS_LINKS" "$work/upgrade.log" -u "$PILOT_MODULE" --stop-after-init \
        || fail "the upgrade from 18.0.1.1.0 failed"
    if grep -qE " (ERROR|CRITICAL) " "$work/upgrade.log"; then fail "the upgrade logged errors"; fi
    check "won reason kept in pilot_won_reason_id" \
        "SELECT r.name->>'en_US' FROM crm_lead l JOIN crm_won_reason r ON r.id = l.pilot_won_reason_id
          WHERE l.name = 'Upgrade won with reason'" "Best fit to the need"
    check "no column won_reason_id left, one field record renamed with its identifier" \
        "SELECT (SELECT COUNT(*) FROM information_schema.columns
                  WHERE table_name = 'crm_lead' AND column_name = 'won_reason_id')
             || ',' || (SELECT COUNT(*) FROM ir_model_fields f JOIN ir_model_data d
                  ON d.model = 'ir.model.fields' AND d.res_id = f.id
                 WHERE f.model = 'crm.lead' AND f.name = 'pilot_won_reason_id'
                   AND d.name = 'field_crm_lead__pilot_won_reason_id')" "0,1"
    check "saved filters and this add-on's views name the new field" \
        "SELECT (SELECT context FROM ir_filters WHERE name = 'Upgrade by won reason')
             || ',' || (SELECT COUNT(*) FROM ir_ui_view WHERE model = 'crm.lead'
                         AND arch_db::text ~ '[^_]won_reason_id')" \
        "{'group_by': ['pilot_won_reason_id']},0"
    check "the old dialog removed, the new one there" \
        "SELECT string_agg(model, ',' ORDER BY model) FROM ir_model WHERE model LIKE 'crm.lead.%won'" \
        "crm.lead.pilot.won"
    [ $status -eq 0 ] || fail "won reasons lost by the upgrade"
fi
log "upgrade check passed"
