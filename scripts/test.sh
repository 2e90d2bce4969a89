#!/usr/bin/env bash
# The test command: prepares what is missing, lints, creates a throwaway
# database with the add-on installed, runs the whole suite with pytest-odoo
# (browser tours included, in headless Chromium), then the lifecycle check
# (scripts/lifecycle.sh), the upgrade check from the previous release
# (scripts/upgrade_check.sh) and the multi-worker smoke test
# (scripts/smoke_workers.sh, within its time budget), and fails on any failure,
# any skipped test or tour, a smoke test that did not pass to its end, or when
# no test ran.
# The sales margins bridge (bridges/crm_pipeline_pilot_sale) is tested in a
# second throwaway database with Odoo's sale_margin (see PILOT_SUITE below).
#   scripts/test.sh [pytest arguments, e.g. -k margin]
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$PILOT_ROOT/scripts/setup.sh"
pilot_pg_env

pilot_require_browser

status=0
bash "$PILOT_ROOT/scripts/lint.sh" || status=1

db="${PILOT_TEST_DB:-pilot_test_$(date +%s)_$$}"
work="$(mktemp -d)"
dbs=()
cleanup() {
    local one
    for one in "${dbs[@]}"; do
        if [ -z "${PILOT_KEEP_DB:-}" ]; then
            dropdb --if-exists "$one" >/dev/null 2>&1 || true
            rm -rf "$PILOT_CACHE/filestore/$one"
        else
            log "kept database $one"
        fi
    done
    rm -rf "$work"
}
trap cleanup EXIT


# run_suite DB MODULES TESTS [pytest arguments]: install MODULES (comma-separated)
# with demo data in the throwaway database DB and run the tests under TESTS
# (a folder of the addons path entry) with pytest-odoo; counts in the junit
# report: no test, a skipped test or a failure fails the run.
run_suite() {
    local db="$1" modules="$2" tests_dir="$3"
    shift 3
    local conf="$work/$db.conf" junit="$work/$db.junit.xml" rc
    {
        echo "[options]"
        echo "addons_path = $ODOO_DIR/odoo/addons,$ODOO_DIR/addons,$ADDONS_LINKS"
        echo "data_dir = $PILOT_CACHE"
        echo "db_name = $db"
        echo "db_host = ${PGHOST:-}"
        echo "db_port = ${PGPORT:-5432}"
        echo "db_user = $PGUSER"
        echo "db_password = ${PGPASSWORD:-False}"
        echo "http_interface = 127.0.0.1"
        echo "max_cron_threads = 0"
    } > "$conf"
    dbs+=("$db")
    log "installing $modules with demo data in the throwaway database $db"
    "$PY" "$ODOO_DIR/odoo-bin" -c "$conf" -d "$db" -i "$modules" --stop-after-init \
        --log-level=warn 2>&1 | tee "$work/$db.install.log" >&2
    if grep -qE " (ERROR|CRITICAL) " "$work/$db.install.log"; then
        log "the installation of $modules logged errors (see above)"; return 1
    fi
    local module
    for module in ${modules//,/ } "${tests_dir%%/*}"; do
        psql -qAtX -d "$db" -c "SELECT 1 FROM ir_module_module WHERE name='$module' AND state='installed'" \
            | grep -q 1 || { log "$module is not installed in $db"; return 1; }
    done
    log "running the tests of $tests_dir with pytest-odoo"
    set +e
    (cd "$ADDONS_LINKS" && "$PY" -m pytest -p no:cacheprovider --odoo-config="$conf" --odoo-database="$db" \
        --odoo-http --odoo-log-level=warn --junitxml="$junit" -rfEs \
        "$tests_dir" "$@")
    rc=$?
    set -e
    local suite_status=0
    [ $rc -eq 0 ] || suite_status=1
    if [ -f "$junit" ]; then
        read -r tests failures errors skipped < <("$PY" - "$junit" <<'PYEOF'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
total = {k: sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors", "skipped")}
print(total["tests"], total["failures"], total["errors"], total["skipped"])
PYEOF
)
        log "tests of $tests_dir: $tests, failures: $failures, errors: $errors, skipped: $skipped"
        if [ "$tests" -eq 0 ]; then
            log "no test ran: that is a failure"; suite_status=1
        fi
        if [ "$skipped" -ne 0 ]; then
            log "$skipped test(s) were skipped (a skipped tour is not a pass): failure"; suite_status=1
        fi
    else
        log "pytest produced no report: failure"; suite_status=1
    fi
    return $suite_status
}

# PILOT_SUITE chooses the suites: "main" (the add-on's), "sale" (its sales
# margins bridge, installed with Odoo's sale_margin), or "all": both, the
# default of the full run (a subset run, with pytest arguments, defaults to main).
if [ $# -eq 0 ]; then suite="${PILOT_SUITE:-all}"; else suite="${PILOT_SUITE:-main}"; fi
if [ "$suite" != sale ]; then
    run_suite "$db" "$PILOT_MODULE" "$PILOT_MODULE/tests" "$@" || status=1
fi
if [ "$suite" != main ]; then
    run_suite "${db}_sale" "sale_margin,$PILOT_MODULE" crm_pipeline_pilot_sale/tests "$@" || status=1
fi

# The lifecycle check (install, upgrade, uninstall on a populated database, about
# a minute) is part of the full run; a subset run (pytest arguments) skips it.
if [ $# -eq 0 ]; then
    log "running the lifecycle check (scripts/lifecycle.sh)"
    bash "$PILOT_ROOT/scripts/lifecycle.sh" || { log "the lifecycle check failed"; status=1; }
    log "running the lifecycle check of the sales margins bridge (scripts/lifecycle_sale.sh)"
    bash "$PILOT_ROOT/scripts/lifecycle_sale.sh" || { log "the bridge's lifecycle check failed"; status=1; }
    log "running the upgrade check from the previous release (scripts/upgrade_check.sh)"
    bash "$PILOT_ROOT/scripts/upgrade_check.sh" || { log "the upgrade check failed"; status=1; }
    # The smoke test serves Odoo on free ports from SMOKE_PORT; it is stopped
    # and fails beyond SMOKE_BUDGET seconds. Only its own "passed" line is a pass.
    log "running the multi-worker smoke test (scripts/smoke_workers.sh)"
    smoke_rc=0
    bash "$PILOT_ROOT/scripts/smoke_workers.sh" 2>&1 | tee "$work/smoke.log" || smoke_rc=$?
    if [ "$smoke_rc" -ne 0 ] || ! grep -q "^Workers smoke test passed" "$work/smoke.log"; then
        log "the multi-worker smoke test failed or did not finish"; status=1
    fi
else
    log "subset run: the lifecycle, upgrade and smoke checks are skipped (they run with the full suite)"
fi
if [ $status -eq 0 ]; then
    log "all checks passed"
else
    log "FAILED"
fi
exit $status
