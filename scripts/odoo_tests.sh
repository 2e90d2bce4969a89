# shellcheck shell=bash
# Mechanics shared by the scripts that run other modules' tests with pytest-odoo
# (scripts/test_odoo.sh: Odoo's own tests; scripts/test_oca.sh: OCA's CRM
# add-ons); sourced after env.sh and pilot_prepare, never run.

# odoo_tests_conf CONF DEMO [EXTRA_ADDONS_PATH]: an Odoo configuration file for a
# test database, with demo data (DEMO=1) or without (DEMO=0), and an optional
# addons path entry after Odoo's and this clone's.
odoo_tests_conf() {
    local conf="$1" demo="$2" extra="${3:-}"
    {
        echo "[options]"
        echo "addons_path = $ODOO_DIR/odoo/addons,$ODOO_DIR/addons,$ADDONS_LINKS${extra:+,$extra}"
        echo "data_dir = $PILOT_CACHE"
        echo "db_host = ${PGHOST:-}"
        echo "db_port = ${PGPORT:-5432}"
        echo "db_user = $PGUSER"
        echo "db_password = ${PGPASSWORD:-False}"
        echo "http_interface = 127.0.0.1"
        echo "max_cron_threads = 0"
        [ "$demo" = 1 ] || echo "without_demo = all"
    } > "$conf"
}

odoo_tests_db_exists() {  # odoo_tests_db_exists DB
    psql -qAtX -d postgres -c "SELECT 1 FROM pg_database WHERE datname='$1'" | grep -q 1
}

# odoo_tests_odoo NAME CONF DB LOGFILE ODOO-BIN ARGUMENTS...: run odoo-bin
# (--stop-after-init) and fail when it logs an error.
odoo_tests_odoo() {
    local name="$1" conf="$2" db="$3" logfile="$4"
    shift 4
    "$PY" "$ODOO_DIR/odoo-bin" -c "$conf" -d "$db" "$@" --stop-after-init \
        --log-level=warn > "$logfile" 2>&1 || true
    if grep -qE " (ERROR|CRITICAL) " "$logfile"; then
        grep -E -A5 " (ERROR|CRITICAL) " "$logfile" | head -n 60 >&2
        die "[$name] odoo-bin $* logged errors (see above)."
    fi
}

# odoo_tests_check_installed NAME DB MODULES_CSV: every module installed.
odoo_tests_check_installed() {
    local missing
    missing=$(psql -qAtX -d "$2" -c "SELECT string_agg(name, ',') FROM ir_module_module
        WHERE name = ANY(string_to_array('$3', ',')) AND state <> 'installed'")
    [ -z "$missing" ] || die "[$1] not installed in $2: $missing"
}

# odoo_tests_pytest NAME CONF DB COLLECT_DIR JUNIT LOGFILE TEST_DIRS... [-- PYTEST ARGS]:
# run the tests found under COLLECT_DIR (a folder holding only the tested modules:
# with Odoo's addons folder itself on sys.path, its calendar add-on would shadow
# Python's calendar) and write a JUnit report.
odoo_tests_pytest() {
    local name="$1" conf="$2" db="$3" collect="$4" junit="$5" logfile="$6"
    shift 6
    local dirs=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do dirs+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    (cd "$collect" && "$PY" -m pytest -p no:cacheprovider -q --odoo-config="$conf" \
        --odoo-database="$db" --odoo-http --odoo-log-level=critical \
        --junitxml="$junit" "${dirs[@]}" "$@" > "$logfile" 2>&1) || true
    tail -n 1 "$logfile" >&2
    [ -f "$junit" ] || { tail -n 40 "$logfile" >&2; die "[$name] pytest produced no report."; }
}

# odoo_tests_workdir: a working folder ($work) and the list of throwaway
# databases ($dbs, filled by the caller) dropped at exit; the logs and JUnit
# reports are kept in PILOT_REPORT_DIR when it is set. Sets stamp, a suffix
# for database names unique to this run.
odoo_tests_workdir() {
    work="$(mktemp -d)"
    stamp="$(date +%s)_$$"
    dbs=()
    trap odoo_tests_cleanup EXIT
}

odoo_tests_cleanup() {
    local db
    for db in "${dbs[@]}"; do
        dropdb --if-exists "$db" >/dev/null 2>&1 || true
        rm -rf "${PILOT_CACHE:?}/filestore/$db"
    done
    if [ -n "${PILOT_REPORT_DIR:-}" ]; then
        mkdir -p "$PILOT_REPORT_DIR" && cp "$work"/*.log "$work"/*.xml "$PILOT_REPORT_DIR"/ 2>/dev/null || true
    fi
    rm -rf "$work"
}
