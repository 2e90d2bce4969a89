#!/usr/bin/env bash
# Prepare everything the add-on needs to run and be tested; idempotent.
#   - Odoo 18.0 source: from $ODOO_SRC (a source folder, or a git directory with
#     $ODOO_COMMIT, default the 18.0 commit below), else a clone of 18.0 from GitHub;
#   - a Python virtualenv with Odoo's requirements and the test/lint tools;
#   - Debian packages that are missing (chromium, wkhtmltopdf, build headers) when
#     run as root;
#   - a local PostgreSQL cluster, unless PG* variables point to a server.
# The result is cached in $PILOT_CACHE (default ~/.cache/crm_pipeline_pilot).
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
mkdir -p "$PILOT_CACHE"

# ---------------------------------------------------------------- Debian packages
need_pkgs=()
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
    || command -v google-chrome >/dev/null 2>&1 || need_pkgs+=(chromium)
# The deal briefing is a PDF: Odoo renders its reports with wkhtmltopdf.
command -v wkhtmltopdf >/dev/null 2>&1 || need_pkgs+=(wkhtmltopdf)
for pkg in libpq-dev libldap2-dev libsasl2-dev libxml2-dev libxslt1-dev libjpeg-dev zlib1g-dev \
           postgresql-client fonts-dejavu-core; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || need_pkgs+=("$pkg")
done
if [ -z "${PGHOST:-}${PGPORT:-}" ] && [ -z "$PG_BIN" ]; then
    need_pkgs+=(postgresql)
fi
if [ ${#need_pkgs[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        log "installing Debian packages: ${need_pkgs[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null
        apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
        PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    else
        die "missing system packages: ${need_pkgs[*]}. Install them (e.g. 'sudo apt-get install ${need_pkgs[*]}') and run again."
    fi
fi

# ---------------------------------------------------------------- Odoo source
odoo_commit="${ODOO_COMMIT:-$ODOO_COMMIT_DEFAULT}"
stamp="$ODOO_DIR/.pilot-source"
if [ -n "${ODOO_SRC:-}" ]; then
    want="$ODOO_SRC@$odoo_commit"
elif [ -f "$stamp" ]; then
    want="$(cat "$stamp")"
else
    want="github@18.0"
fi
if [ ! -f "$ODOO_DIR/odoo-bin" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    rm -rf "$ODOO_DIR.tmp" && mkdir -p "$ODOO_DIR.tmp"
    if [ -n "${ODOO_SRC:-}" ] && [ -f "$ODOO_SRC/odoo-bin" ]; then
        log "copying Odoo from the folder $ODOO_SRC"
        cp -a "$ODOO_SRC/." "$ODOO_DIR.tmp/"
        rm -rf "$ODOO_DIR.tmp/.git"
    elif [ -n "${ODOO_SRC:-}" ] && git --git-dir="$ODOO_SRC" rev-parse --verify -q "$odoo_commit^{commit}" >/dev/null 2>&1; then
        log "extracting Odoo $odoo_commit from the git directory $ODOO_SRC"
        git --git-dir="$ODOO_SRC" archive "$odoo_commit" | tar -x -C "$ODOO_DIR.tmp"
        rm -rf "$ODOO_DIR.tmp/custom_addons"
    elif [ -n "${ODOO_SRC:-}" ]; then
        die "ODOO_SRC=$ODOO_SRC is neither an Odoo 18.0 source folder (with odoo-bin) nor a git directory holding commit $odoo_commit (set ODOO_COMMIT to another commit if needed)."
    elif git ls-remote --exit-code https://github.com/odoo/odoo.git refs/heads/18.0 >/dev/null 2>&1; then
        log "cloning Odoo 18.0 from GitHub (shallow)"
        rm -rf "$ODOO_DIR.tmp"
        git clone -q --depth 1 --branch 18.0 https://github.com/odoo/odoo.git "$ODOO_DIR.tmp"
    else
        rm -rf "$ODOO_DIR.tmp"
        die "no Odoo 18.0 source found. Provide one and run again:
    ODOO_SRC=/path/to/odoo-18.0 $0                (a source folder containing odoo-bin), or
    ODOO_SRC=/path/to/odoo.git ODOO_COMMIT=<sha> $0 (a git directory; default commit $ODOO_COMMIT_DEFAULT),
or run it on a machine that can reach github.com to clone the 18.0 branch.
The prepared source is cached in $ODOO_DIR, so this is needed only once per machine."
    fi
    [ -f "$ODOO_DIR.tmp/odoo-bin" ] || die "the Odoo source obtained has no odoo-bin"
    echo "$want" > "$ODOO_DIR.tmp/.pilot-source"
    rm -rf "$ODOO_DIR" && mv "$ODOO_DIR.tmp" "$ODOO_DIR"
    rm -f "$VENV/.pilot-ready"
fi

# ---------------------------------------------------------------- virtualenv
req_hash="$(cat "$ODOO_DIR/requirements.txt" "$PILOT_ROOT/scripts/requirements-dev.txt" | sha1sum | cut -c1-16)"
if [ "$(cat "$VENV/.pilot-ready" 2>/dev/null)" != "$req_hash" ]; then
    pybin="${PILOT_PYTHON:-$(command -v python3.11 || command -v python3)}"
    log "preparing the virtualenv in $VENV with $("$pybin" --version)"
    [ -x "$PY" ] || "$pybin" -m venv "$VENV"
    constraints="$PILOT_CACHE/constraints.txt"
    # Some pinned requirements build from sdists that need an old setuptools.
    echo 'setuptools<70' > "$constraints"
    export PIP_CONSTRAINT="$constraints" PIP_DISABLE_PIP_VERSION_CHECK=1
    "$PY" -m pip install -q --upgrade 'pip<25' 'setuptools<70' wheel
    "$PY" -m pip install -q -r "$ODOO_DIR/requirements.txt"
    "$PY" -m pip install -q -r "$PILOT_ROOT/scripts/requirements-dev.txt"
    # Make "import odoo" work for pytest-odoo without installing Odoo.
    site="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    echo "$ODOO_DIR" > "$site/odoo-src.pth"
    echo "$req_hash" > "$VENV/.pilot-ready"
fi

# ---------------------------------------------------------------- addons path
pilot_link_addons

# ---------------------------------------------------------------- PostgreSQL
pilot_pg_env
if [ "$PILOT_PG_MODE" = local ]; then
    as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
    if [ ! -f "$PG_LOCAL_DIR/data/PG_VERSION" ]; then
        log "creating a local PostgreSQL cluster in $PG_LOCAL_DIR"
        mkdir -p "$PG_LOCAL_DIR/socket"
        [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$PG_LOCAL_DIR"
        as_pg "$PG_BIN/initdb" -D "$PG_LOCAL_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_LOCAL_DIR/data" status >/dev/null 2>&1; then
        log "starting PostgreSQL on port $PG_LOCAL_PORT (socket $PGHOST)"
        as_pg "$PG_BIN/pg_ctl" -D "$PG_LOCAL_DIR/data" -l "$PG_LOCAL_DIR/postgresql.log" -w \
            -o "-k $PG_LOCAL_DIR/socket -p $PG_LOCAL_PORT -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
    fi
    PGUSER=postgres psql -qAtX -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname='odoo'" | grep -q 1 \
        || PGUSER=postgres psql -qX -d postgres -c "CREATE ROLE odoo LOGIN SUPERUSER" >/dev/null
else
    psql -qAtX -d postgres -c 'SELECT 1' >/dev/null \
        || die "cannot connect to the PostgreSQL server given by PGHOST/PGPORT/PGUSER."
fi
log "ready: Odoo in $ODOO_DIR, virtualenv $VENV, PostgreSQL ($PILOT_PG_MODE) at ${PGHOST:-local socket}:${PGPORT:-5432}"
