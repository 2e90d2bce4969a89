#!/usr/bin/env bash
# Compatibility check with OCA's CRM add-ons (scripts/requirements-oca.txt):
# downloads their pinned 18.0 wheels from the Python package registry into the
# cache (never into the clone), puts them on the addons path, and, with demo
# data as OCA's own CI runs them:
#   plain:     each add-on installed with crm alone: its own tests, then all of
#              them installed at once with crm: their tests (the baselines: some
#              OCA tests fail next to other OCA add-ons, e.g. forms that another
#              one makes require a field);
#   with:      each add-on installed on a database where crm_pipeline_pilot is
#              installed: its own tests again;
#   all:       all of them installed at once after crm_pipeline_pilot: their tests,
#              this add-on's tests that need them (tests_oca/, always all of them)
#              and its suite (PILOT_OCA_SUITE="EXPR": the subset of pytest's
#              -k EXPR; the whole suite when empty);
#   lifecycle: the other order (all of them first, then crm_pipeline_pilot) and
#              their tests on that database ("order"), then on both databases an
#              upgrade (-u) and the uninstallation of crm_pipeline_pilot, the OCA
#              add-ons staying installed.
#   scripts/test_oca.sh            (PILOT_OCA_STEPS=plain,with,all,lifecycle by default)
# It prints a table and fails on any OCA test that passes without the add-on
# and fails (or does not run) with it, unless tests/oca_intended_failures.txt
# lists it with its reason (for some steps only: "[with,all] test reason"), on
# any failed or skipped test of this add-on unless that file lists it for the
# "all" step (a test that passes while listed fails the check too), and on any
# error logged by an installation, upgrade or uninstallation.
# The baseline does not depend on this clone: it is kept in the cache, per set
# of pinned versions, and reused when PILOT_OCA_STEPS leaves "plain" out.
# PILOT_OCA_ADDONS=a,b limits the check to these add-ons.
# PILOT_OCA_RESULTS=folder takes the reports of the other steps from a folder
# kept by an earlier run (PILOT_REPORT_DIR), e.g. to print the table again
# after the baseline was completed: PILOT_OCA_STEPS= PILOT_OCA_RESULTS=folder.
# PILOT_REPORT_DIR=folder keeps the logs and JUnit reports there.
# PILOT_OCA_DB_PREFIX=prefix_ names its throwaway databases (pilot_oca_ by
# default; each also carries the time and the process id of its run): give a
# prefix of your own where several people share the PostgreSQL server.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# shellcheck source=scripts/odoo_tests.sh
source "$(dirname "${BASH_SOURCE[0]}")/odoo_tests.sh"

steps=",${PILOT_OCA_STEPS-plain,with,all,lifecycle},"
requirements="$PILOT_ROOT/scripts/requirements-oca.txt"
listing="$PILOT_ROOT/tests/oca_intended_failures.txt"
pilot_prepare
key="$(cat "$requirements" "$ODOO_DIR/.pilot-source" 2>/dev/null | sha1sum | cut -c1-12)"
oca="$PILOT_CACHE/oca"
addons="$oca/addons/$key"
baseline="$oca/baseline/$key"
mkdir -p "$oca/wheels" "$baseline"

# ------------------------------------------------------------ download, unpack
tested=()
installed=()
while read -r line; do
    spec="${line%%#*}"
    spec="${spec// /}"
    [ -n "$spec" ] || continue
    package="${spec%%==*}" version="${spec#*==}"
    module="${package#odoo-addon-}"
    module="${module//-/_}"
    wheel=$(ls "$oca/wheels/odoo_addon_${module}-${version}-"*.whl 2>/dev/null | head -n 1 || true)
    if [ -z "$wheel" ]; then
        log "downloading $spec"
        "$PY" -m pip download -q --no-deps -d "$oca/wheels" "$spec" >&2
        wheel=$(ls "$oca/wheels/odoo_addon_${module}-${version}-"*.whl | head -n 1)
    fi
    if [ ! -f "$addons/$module/__manifest__.py" ]; then
        "$PY" - "$wheel" "$addons" "$module" <<'PYEOF'
import os
import shutil
import sys
import zipfile

wheel, dest, module = sys.argv[1:4]
prefix = f"odoo/addons/{module}/"
with zipfile.ZipFile(wheel) as archive:
    for name in archive.namelist():
        if name.startswith(prefix) and not name.endswith("/"):
            target = os.path.join(dest, module, name[len(prefix):])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with archive.open(name) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
PYEOF
    fi
    installed+=("$module")
    case "$line" in *"#"*dependency*) ;; *) tested+=("$module") ;; esac
done < "$requirements"
if [ -n "${PILOT_OCA_ADDONS:-}" ]; then
    IFS=, read -r -a tested <<< "$PILOT_OCA_ADDONS"
fi
all_csv="$(IFS=,; echo "${installed[*]}")"

pilot_require_browser

db_prefix="${PILOT_OCA_DB_PREFIX:-pilot_oca_}"
[[ $db_prefix =~ ^[a-z][a-z0-9_]{0,15}$ ]] || die "PILOT_OCA_DB_PREFIX: lower-case letters, digits and _, at most 16."
odoo_tests_workdir
conf="$work/odoo.conf"
odoo_tests_conf "$conf" 1 "$addons"
mkdir -p "$work/collect"
for module in "${installed[@]}"; do
    ln -sfn "$addons/$module" "$work/collect/$module"
done
ln -sfn "$PILOT_ROOT" "$work/collect/$PILOT_MODULE"

new_db() {  # new_db NAME [TEMPLATE]: a throwaway database in $made, copied from TEMPLATE
    # (names of at most 63 characters: PostgreSQL would cut them)
    local db
    db="${db_prefix}${1:0:20}$(printf '%s' "$1" | sha1sum | cut -c1-4)_$stamp"
    dbs+=("$db")
    if [ -n "${2:-}" ]; then
        createdb -T "$2" "$db"
        # The filestore goes with the database (attachments of the demo data).
        if [ -d "$PILOT_CACHE/filestore/$2" ]; then
            cp -a "$PILOT_CACHE/filestore/$2" "$PILOT_CACHE/filestore/$db"
        fi
    fi
    made="$db"
}
drop_db() {
    dropdb --if-exists "$1" >/dev/null 2>&1 || true
    rm -rf "${PILOT_CACHE:?}/filestore/$1"
}
install() {  # install NAME DB MODULES_CSV
    log "[$1] installing $3"
    odoo_tests_odoo "$1" "$conf" "$2" "$work/$1.install.log" -i "$3"
    odoo_tests_check_installed "$1" "$2" "$3"
}
oca_tests() {  # oca_tests NAME DB MODULE...: their own tests, JUnit in $work/NAME.xml
    local name="$1" db="$2"
    shift 2
    local dirs=()
    for module in "$@"; do
        [ -d "$addons/$module/tests" ] && dirs+=("$module/tests")
    done
    if [ ${#dirs[@]} -eq 0 ]; then  # an add-on without tests
        echo '<testsuites/>' > "$work/$name.xml"
        return
    fi
    log "[$name] running the tests of $*"
    odoo_tests_pytest "$name" "$conf" "$db" "$work/collect" "$work/$name.xml" "$work/$name.log" "${dirs[@]}"
}

# Templates: crm with its demo data, and the same with crm_pipeline_pilot.
tpl_crm="" tpl_pilot=""
template_crm() {
    [ -n "$tpl_crm" ] && return
    new_db tpl_crm; tpl_crm="$made"
    install tpl_crm "$tpl_crm" crm
}
template_pilot() {
    [ -n "$tpl_pilot" ] && return
    template_crm
    new_db tpl_pilot "$tpl_crm"; tpl_pilot="$made"
    install tpl_pilot "$tpl_pilot" "$PILOT_MODULE"
}

# ------------------------------------------------------------ each add-on alone
for module in "${tested[@]}"; do
    if [[ $steps == *,plain,* ]]; then
        template_crm
        new_db "plain_$module" "$tpl_crm"; db="$made"
        install "plain_$module" "$db" "$module"
        oca_tests "plain_$module" "$db" "$module"
        cp "$work/plain_$module.xml" "$baseline/"
        drop_db "$db"
    fi
    if [[ $steps == *,with,* ]]; then
        template_pilot
        new_db "with_$module" "$tpl_pilot"; db="$made"
        install "with_$module" "$db" "$module"
        oca_tests "with_$module" "$db" "$module"
        drop_db "$db"
    fi
done

if [[ $steps == *,plain,* ]]; then
    template_crm
    new_db plain_all "$tpl_crm"; db="$made"
    install plain_all "$db" "$all_csv"
    oca_tests plain_all "$db" "${tested[@]}"
    cp "$work/plain_all.xml" "$baseline/"
    drop_db "$db"
fi

# ------------------------------------------------------------ all of them at once
lifecycle() {  # lifecycle NAME DB: upgrade, then uninstall crm_pipeline_pilot
    log "[$1] upgrading $PILOT_MODULE"
    odoo_tests_odoo "$1" "$conf" "$2" "$work/$1.upgrade.log" -u "$PILOT_MODULE"
    log "[$1] uninstalling $PILOT_MODULE"
    "$PY" "$ODOO_DIR/odoo-bin" shell -c "$conf" -d "$2" --no-http --log-level=warn \
        > "$work/$1.uninstall.log" 2>&1 <<PYEOF || true
env["ir.module.module"].search([("name", "=", "$PILOT_MODULE")]).button_immediate_uninstall()
env.cr.commit()
PYEOF
    if grep -qE " (ERROR|CRITICAL) |Traceback" "$work/$1.uninstall.log"; then
        grep -E -A8 " (ERROR|CRITICAL) |Traceback" "$work/$1.uninstall.log" | head -n 60 >&2
        die "[$1] the uninstallation of $PILOT_MODULE failed (see above)."
    fi
    local state
    state=$(psql -qAtX -d "$2" -c "SELECT state FROM ir_module_module WHERE name='$PILOT_MODULE'")
    [ "$state" = uninstalled ] || die "[$1] $PILOT_MODULE is $state after its uninstallation."
    odoo_tests_check_installed "$1" "$2" "$all_csv"
    log "[$1] upgrade and uninstallation: ok"
}
lifecycle_failed=""
if [[ $steps == *,all,* ]]; then
    template_pilot
    new_db all "$tpl_pilot"; db_all="$made"
    install all "$db_all" "$all_csv"
    oca_tests all "$db_all" "${tested[@]}"
    log "[all] running this add-on's tests that need them (tests_oca)"
    odoo_tests_pytest all_pilot_oca "$conf" "$db_all" "$work/collect" "$work/all_pilot_oca.xml" \
        "$work/all_pilot_oca.log" "$PILOT_MODULE/tests_oca"
    log "[all] running this add-on's suite: ${PILOT_OCA_SUITE:-whole}"
    suite_args=()
    [ -z "${PILOT_OCA_SUITE:-}" ] || suite_args=(-k "$PILOT_OCA_SUITE")
    odoo_tests_pytest all_pilot "$conf" "$db_all" "$work/collect" "$work/all_pilot.xml" \
        "$work/all_pilot.log" "$PILOT_MODULE/tests" -- "${suite_args[@]}"
    if [[ $steps == *,lifecycle,* ]]; then
        (lifecycle all "$db_all") || lifecycle_failed+=" all"
    fi
    drop_db "$db_all"
fi
if [[ $steps == *,lifecycle,* ]]; then
    # The other order: the OCA add-ons first (as on an integrator's database),
    # then this add-on; their tests again on that database.
    template_crm
    new_db order "$tpl_crm"; db_order="$made"
    install order "$db_order" "$all_csv"
    install order "$db_order" "$PILOT_MODULE"
    oca_tests order "$db_order" "${tested[@]}"
    (lifecycle order "$db_order") || lifecycle_failed+=" order"
    drop_db "$db_order"
fi

# ------------------------------------------------------------ the table
status=0
"$PY" - "$listing" "${PILOT_OCA_RESULTS:-$work}" "$baseline" "$(IFS=,; echo "${tested[*]}")" \
    "$PILOT_ROOT/scripts" <<'PYEOF' || status=1
import os
import sys

sys.path.insert(0, sys.argv[5])
from junit_outcome import outcome  # noqa: E402

listing, work, baseline, modules = sys.argv[1:5]
modules = modules.split(",")
STEPS = ("with", "all", "order")
listed = {}  # {(step, test id): reason}
with open(listing, encoding="utf-8") as lines:
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            only = STEPS
            if line.startswith("["):  # "[with,all] test reason": for these steps only
                only, _sep, line = line[1:].partition("]")
                only, line = only.split(","), line.strip()
            test_id, _sep, reason = line.partition(" ")
            for step in only:
                listed[step, test_id] = reason.strip()


details = {}


def read(folder, name):
    path = os.path.join(folder, f"{name}.xml")
    return outcome(path, details) if os.path.exists(path) else None


def why(test_id):
    """The end of the traceback."""
    return "".join(f"\n      {line}" for line in details.get(test_id, "").splitlines()[-12:])


def counts(results, module):
    if results is None:
        return "-"
    ids = [t for t in results if t.split(".")[0] == module]
    return f"{sum(results[t] == 'passed' for t in ids)}/{len(ids)}"


every, order = read(work, "all"), read(work, "order")
plain_all = read(baseline, "plain_all")
problems, lines = 0, []
print("tests passed / run; alone: each add-on with crm, without and with this add-on;")
print("all: all of them at once, without this add-on, after it, before it (order)")
print(f"{'add-on':32} {'alone':>8} {'with':>8} {'all':>8} {'with':>8} {'order':>8}")
for module in modules:
    plain, with_ = read(baseline, f"plain_{module}"), read(work, f"with_{module}")
    print(f"{module:32} {counts(plain, module):>8} {counts(with_, module):>8} "
          f"{counts(plain_all, module):>8} {counts(every, module):>8} {counts(order, module):>8}")
    if plain is None or (plain_all is None and (every or order)):
        problems += 1
        lines.append(f"  NO BASELINE {module}: run with plain in PILOT_OCA_STEPS")
        continue
    if not any(t.split(".")[0] == module for t in plain):
        lines.append(f"  no test     {module}: the add-on has no tests (installation checked)")
    for name, results, base in (
        ("with", with_, plain), ("all", every, plain_all), ("order", order, plain_all)
    ):
        if results is None:
            continue
        for test_id, state in sorted(base.items()):
            if test_id.split(".")[0] != module:
                continue
            if state != "passed":
                lines.append(f"  BASELINE    {test_id}: {state} without this add-on ({name})")
                continue
            got = results.get(test_id, "not run")
            if got == "passed":
                if (name, test_id) in listed:
                    problems += 1
                    lines.append(f"  PASSES      [{name}] {test_id}: listed as failing, remove it")
            elif (name, test_id) in listed:
                lines.append(f"  intended    [{name}] {test_id}: {listed[name, test_id]}")
            else:
                problems += 1
                lines.append(f"  REGRESSION  [{name}] {test_id}: {got} with the add-on{why(test_id)}")
ours = {}
pilot = read(work, "all_pilot")
if pilot is not None:
    pilot.update(read(work, "all_pilot_oca") or {})
    ours = {t: s for t, s in pilot.items() if s != "passed"}
    print(f"{'crm_pipeline_pilot (all)':32} {'':>8} {'':>8} "
          f"{sum(s == 'passed' for s in pilot.values())}/{len(pilot)}")
    for test_id, state in sorted(pilot.items()):
        # This add-on's tests listed for the "all" step: the set-up or the
        # behaviour they check is one a neighbour legitimately changes.
        if ("all", test_id) in listed:
            if state == "passed":
                problems += 1
                lines.append(f"  PASSES      [all] {test_id}: listed as failing, remove it")
            else:
                lines.append(f"  intended    [all] {test_id}: {listed['all', test_id]}")
        elif state != "passed":
            problems += 1
            lines.append(f"  {state.upper():11} [all] {test_id}{why(test_id)}")
    if not pilot:
        problems += 1
        lines.append("  NO TEST     crm_pipeline_pilot: no test ran")
print("\n".join(dict.fromkeys(lines)))
print(f"{problems} problem(s)")
sys.exit(1 if problems else 0)
PYEOF
if [ -n "$lifecycle_failed" ]; then
    log "upgrade or uninstallation failed on:$lifecycle_failed (see above)"
    status=1
fi
exit $status
