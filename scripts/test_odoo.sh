#!/usr/bin/env bash
# Run Odoo's own tests of the add-on's neighbours with pytest-odoo, on a
# throwaway database where these modules AND crm_pipeline_pilot are installed
# (one `odoo-bin -i`, so that Odoo's at-install tests run on the finished
# installation, without demo data: see docs/safety_checks.md).
#   scripts/test_odoo.sh SUITE [pytest arguments, e.g. -k lost]
#   SUITE crm:        Odoo's crm tests
#   SUITE neighbours: crm, sale_crm, event_crm, website_crm, crm_livechat, every
#                     crm_iap_* add-on, website_crm_partner_assign, test_crm_full
#   SUITE sale:       sale_crm and sale_margin, with the sales margins bridge
#                     (crm_pipeline_pilot_sale) installed too
# Every failure must be listed in tests/odoo_intended_failures.txt (test id,
# then the reason; a reason starting with "pre-existing:" marks a test that
# fails without the add-on too; a line starting with "[SUITE]" applies to
# that suite only). The command fails on any unlisted failure, on
# a listed test that passes, on any skipped test (a skipped tour is not a
# pass), or when no test ran.
# PILOT_BASELINE=1 also runs the suite on a database with the same modules but
# without the add-on, and checks that the tests listed as intended pass there
# and the ones listed as pre-existing fail there.
# PILOT_TEST_DB=name uses (and keeps) that database: installed when missing,
# the add-on upgraded when present (quick reruns after a fix).
# PILOT_REPORT_DIR=folder keeps the pytest logs and JUnit reports there.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# shellcheck source=scripts/odoo_tests.sh
source "$(dirname "${BASH_SOURCE[0]}")/odoo_tests.sh"

suite="${1:-}"
shift || true
case "$suite" in
    crm) modules=(crm) ;;
    neighbours)
        mapfile -t iap < <(ls "$ODOO_DIR/addons" | grep '^crm_iap_' || true)
        modules=(crm sale_crm event_crm website_crm crm_livechat "${iap[@]}"
                 website_crm_partner_assign test_crm_full) ;;
    sale) modules=(sale_crm sale_margin) ;;
    *) die "usage: scripts/test_odoo.sh crm|neighbours|sale [pytest arguments]" ;;
esac
# What is installed with the add-on beside the tested modules.
pilot_install="$PILOT_MODULE"
[ "$suite" = sale ] && pilot_install="$PILOT_MODULE,crm_pipeline_pilot_sale"
listing="$PILOT_ROOT/tests/odoo_intended_failures.txt"

pilot_prepare
pilot_require_browser

odoo_tests_workdir

# Collect from a folder holding only the tested modules (see odoo_tests_pytest).
mkdir -p "$work/collect"
test_dirs=()
for module in "${modules[@]}"; do
    ln -sfn "$ODOO_DIR/addons/$module" "$work/collect/$module"
    test_dirs+=("$module/tests")
done

run_suite() {  # run_suite NAME MODULES_TO_INSTALL DATABASE [pytest arguments]
    local name="$1" install="$2" db="$3" conf="$work/$1.conf"
    shift 3
    # Without demo data: the add-on's demo marks opportunities won and lost,
    # which changes the predictive lead scoring tables some of Odoo's tests
    # read; the comparison is about code, not data. The tested suites create
    # their own records (none reads a demo record).
    odoo_tests_conf "$conf" 0
    local action=(-i "$install")
    if odoo_tests_db_exists "$db"; then
        log "[$name] upgrading $PILOT_MODULE in the existing database $db"
        action=(-u "$PILOT_MODULE")
    else
        log "[$name] installing $install in $db"
    fi
    odoo_tests_odoo "$name" "$conf" "$db" "$work/$name.install.log" "${action[@]}"
    odoo_tests_check_installed "$name" "$db" "$install"
    log "[$name] running Odoo's tests of ${modules[*]}"
    odoo_tests_pytest "$name" "$conf" "$db" "$work/collect" "$work/$name.xml" "$work/$name.log" \
        "${test_dirs[@]}" -- "$@"
}

keep_db="${PILOT_TEST_DB:-}"
modules_csv="$(IFS=,; echo "${modules[*]}")"
if [ -n "${PILOT_BASELINE:-}" ]; then
    dbs+=("pilot_odoo_plain_$stamp")
    run_suite plain "$modules_csv" "pilot_odoo_plain_$stamp" "$@"
fi
pilot_db="${keep_db:-pilot_odoo_${suite}_$stamp}"
[ -n "$keep_db" ] || dbs+=("$pilot_db")
run_suite pilot "$pilot_install,$modules_csv" "$pilot_db" "$@"

plain_xml=""
[ -n "${PILOT_BASELINE:-}" ] && plain_xml="$work/plain.xml"
"$PY" - "$listing" "$work/pilot.xml" "$plain_xml" "$modules_csv" "$#" "$suite" "$PILOT_ROOT/scripts" <<'PYEOF'
import sys

sys.path.insert(0, sys.argv[7])
from junit_outcome import outcome  # noqa: E402

listing, pilot_xml, plain_xml, modules, subset, suite = sys.argv[1:7]
modules, subset = modules.split(","), subset != "0"

listed = {}
with open(listing, encoding="utf-8") as lines:
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            only = None
            if line.startswith("["):  # "[suite] test reason": for that suite only
                only, _sep, line = line[1:].partition("]")
                line = line.strip()
            test_id, _sep, reason = line.partition(" ")
            if test_id.split(".")[0] in modules and only in (None, suite):
                listed[test_id] = reason.strip()
pre_existing = {t for t, reason in listed.items() if reason.startswith("pre-existing:")}

details = {}
pilot = outcome(pilot_xml, details)
problems = 0
print(f"{'module':28} {'run':>5} {'passed':>7} {'failed':>7} {'intended':>9} {'pre-exist':>10} {'skipped':>8}")
for module in modules:
    ids = [t for t in pilot if t.split(".")[0] == module]
    failed = [t for t in ids if pilot[t] == "failed"]
    print(f"{module:28} {len(ids):5} {sum(pilot[t] == 'passed' for t in ids):7} {len(failed):7} "
          f"{sum(t in listed and t not in pre_existing for t in failed):9} "
          f"{sum(t in pre_existing for t in failed):10} {sum(pilot[t] == 'skipped' for t in ids):8}")
for test_id in sorted(pilot):
    state = pilot[test_id]
    if state == "failed" and test_id in listed:
        kind = "pre-exist" if test_id in pre_existing else "intended"
        print(f"  {kind:10} {test_id}  {listed[test_id]}")
    elif state in ("failed", "skipped"):
        problems += 1
        print(f"  {'UNEXPECTED' if state == 'failed' else 'SKIPPED':10} {test_id}")
        # The end of the traceback says why.
        print("\n".join(f"      {line}" for line in details[test_id].splitlines()[-15:]))
    elif test_id in listed:
        problems += 1
        print(f"  {'PASSES':10} {test_id}  listed as failing: remove it from the list")
if not subset:
    for test_id in sorted(set(listed) - set(pilot)):
        problems += 1
        print(f"  {'NOT RUN':10} {test_id}  listed but not found: remove it from the list")
if plain_xml:
    plain = outcome(plain_xml)
    print(f"without the add-on: {len(plain)} run, {sum(r == 'failed' for r in plain.values())} failed")
    for test_id in sorted(listed):
        if test_id not in plain:
            continue
        if test_id in pre_existing and plain[test_id] != "failed":
            problems += 1
            print(f"  {'BASELINE':10} {test_id}  listed as pre-existing but passes without the add-on")
        elif test_id not in pre_existing and plain[test_id] == "failed":
            problems += 1
            print(f"  {'BASELINE':10} {test_id}  listed as intended but fails without the add-on too")
if not pilot:
    print("no test ran")
    problems += 1
print(f"{len(pilot)} tests, {sum(r == 'failed' for r in pilot.values())} failed "
      f"({sum(pilot.get(t) == 'failed' for t in listed)} listed), {problems} problem(s)")
sys.exit(1 if problems else 0)
PYEOF
