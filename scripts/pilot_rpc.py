# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the multi-worker checks share (``scripts/smoke_workers.py`` and
``scripts/test_faults.py``): a JSON-RPC client that talks to Odoo as the web
client does, the checks' bookkeeping, the records found by XML id, the crons
made due and waited for, and the server's log read for errors and retries.

Every record these checks use is found by its XML id (``ir.model.data``),
never by a display name: names are translatable and demo data changes.
"""

import os
import re
import time

import psycopg2
import requests

MODULE = "crm_pipeline_pilot"
ERROR_LINE = re.compile(r" (ERROR|CRITICAL) |Traceback \(most recent call last\)")
# Odoo's own retry of a request or cron after a serialization failure
# (odoo/service/model.py, retrying) and the error it gives up with.
RETRY_LINE = re.compile(r"(\w+), \d+ tries left, try again in")
CONCURRENCY_ERRORS = ("could not serialize access", "deadlock detected", "concurrent update")


class Failure(Exception):
    pass


class Checks:
    def __init__(self):
        self.lines = []
        self.failed = 0

    def __call__(self, ok, what, detail=""):
        line = ("ok  " if ok else "FAIL") + f"  {what}" + (f": {detail}" if detail else "")
        self.lines.append(line)
        self.failed += not ok
        print(line, flush=True)
        return ok

    def summary(self, title, seconds):
        """Print the summary; returns the exit status."""
        print()
        print(f"{title} summary")
        print(f"  {seconds:.0f} s, {len(self.lines)} checks, {self.failed} failed")
        if self.failed:
            for line in self.lines:
                if line.startswith("FAIL"):
                    print("  " + line)
            print(f"{title.upper()} FAILED")
            return 1
        print(f"{title} passed")
        return 0


class Client:
    """JSON-RPC as the web client does it. ``retries`` counts the requests
    sent again after a concurrency error that Odoo itself gave up on (it
    retries them first, up to 5 times)."""

    def __init__(self, url, database, timeout=120):
        self.url = url
        self.database = database
        self.session = requests.Session()
        self.timeout = timeout
        self.uid = None
        self.calls = 0
        self.retries = 0

    def _post(self, path, params):
        self.calls += 1
        response = self.session.post(
            self.url + path,
            json={"jsonrpc": "2.0", "method": "call", "id": self.calls, "params": params},
            timeout=self.timeout,
        )
        response.raise_for_status()
        return response.json()

    def authenticate(self, login, password):
        answer = self._post(
            "/web/session/authenticate",
            {"db": self.database, "login": login, "password": password},
        )
        if "error" in answer:
            raise Failure(f"authentication of {login} refused: {answer['error']}")
        self.uid = answer["result"]["uid"]
        return self.uid

    def call(self, model, method, *args, **kwargs):
        """(result, error message or None)."""
        kwargs.setdefault("context", {"lang": "en_US", "tz": "UTC", "uid": self.uid})
        answer = self._post(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )
        if "error" in answer:
            error = answer["error"]
            return None, (error.get("data") or {}).get("message") or error.get("message")
        return answer.get("result"), None

    def ok(self, model, method, *args, **kwargs):
        result, error = self.call(model, method, *args, **kwargs)
        if error:
            raise Failure(f"{model}.{method} refused: {error}")
        return result

    def ok_retried(self, model, method, *args, tries=3, **kwargs):
        """``ok``, sending the request again when Odoo gave up on a
        concurrency error after its own retries (as a user clicks again)."""
        for attempt in range(tries):
            result, error = self.call(model, method, *args, **kwargs)
            if not error:
                return result
            if not is_concurrency_error(error) or attempt == tries - 1:
                raise Failure(f"{model}.{method} refused: {error}")
            self.retries += 1
            time.sleep(0.5 * (attempt + 1))
        raise Failure("unreachable")


def is_concurrency_error(message):
    return any(text in (message or "") for text in CONCURRENCY_ERRORS)


# ----------------------------------------------------------------------
# Database: records by XML id, crons
# ----------------------------------------------------------------------


def db_connect(database):
    conn = psycopg2.connect(dbname=database)
    conn.autocommit = True
    return conn


def xmlids(conn, *names):
    """{"module.name": res_id} of XML ids; Failure when one is missing."""
    pairs = [tuple(name.split(".", 1)) for name in names]
    with conn.cursor() as cr:
        cr.execute(
            """
            SELECT module || '.' || name, res_id FROM ir_model_data
             WHERE (module, name) IN %s
            """,
            (tuple(pairs),),
        )
        found = dict(cr.fetchall())
    missing = sorted(set(names) - set(found))
    if missing:
        raise Failure(f"records not found by XML id: {', '.join(missing)}")
    return found


def xmlid(conn, name):
    return xmlids(conn, name)[name]


def trigger_crons(conn, database, ids):
    """Due now, and the cron workers woken up (Odoo's cron_trigger channel)."""
    with conn.cursor() as cr:
        cr.execute(
            """
            UPDATE ir_cron SET nextcall = (now() at time zone 'UTC') - interval '1 minute',
                               active = TRUE
             WHERE id IN %s
            """,
            (tuple(ids),),
        )
    # Cron workers listen on the "postgres" database, as Odoo's own triggers do.
    wakeup = db_connect("postgres")
    with wakeup.cursor() as cr:
        cr.execute("NOTIFY cron_trigger, %s", (database,))
    wakeup.close()


def crons_idle(conn, ids):
    """True when none of the crons is running nor due: made due by the last
    trigger, they can only be back in the future once a cron worker ran them
    (a run in progress keeps its row locked, and a trigger during a run waits
    for it)."""
    with conn.cursor() as cr:
        cr.execute("BEGIN")
        cr.execute(
            "SELECT id FROM ir_cron WHERE id IN %s FOR NO KEY UPDATE SKIP LOCKED",
            (tuple(ids),),
        )
        free = {row[0] for row in cr.fetchall()}
        cr.execute(
            """
            SELECT COUNT(*) FROM ir_cron
             WHERE id IN %s AND nextcall > (now() at time zone 'UTC')
            """,
            (tuple(ids),),
        )
        later = cr.fetchone()[0]
        cr.execute("ROLLBACK")
    return len(free) == len(ids) and later == len(ids)


def wait_crons_idle(conn, ids, timeout):
    deadline = time.monotonic() + timeout
    while not crons_idle(conn, ids):
        if time.monotonic() > deadline:
            raise Failure(f"the crons did not run within {timeout} s of being due")
        time.sleep(1)


def utcnow(conn):
    with conn.cursor() as cr:
        cr.execute("SELECT now() at time zone 'UTC'")
        return cr.fetchone()[0]


# ----------------------------------------------------------------------
# Server and logs
# ----------------------------------------------------------------------


def wait_for_server(url, pid, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError as exc:
            raise Failure("the Odoo server stopped while starting") from exc
        try:
            if requests.get(url + "/web/health", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise Failure(f"the Odoo server did not answer within {timeout} s")


def read_log(path):
    with open(path, encoding="utf-8", errors="replace") as log:
        return log.read()


def log_errors(path):
    return [line for line in read_log(path).splitlines() if ERROR_LINE.search(line)]


def log_problems(text):
    """(error lines, serialization conflicts) of a piece of the server's log.
    PostgreSQL's refusal of a statement under a concurrent update is logged by
    Odoo as an error ("bad query", then the database's "ERROR: could not
    serialize access...") before Odoo retries the request: such a conflict is
    counted, not an error; any other ERROR, CRITICAL or Traceback line is."""
    lines = text.splitlines()
    errors, conflicts = [], 0
    for index, line in enumerate(lines):
        if not ERROR_LINE.search(line):
            continue
        if "bad query" in line:
            detail = next(
                (ln for ln in lines[index + 1 : index + 80] if ln.startswith("ERROR:")), ""
            )
            if is_concurrency_error(detail):
                conflicts += 1
                continue
        errors.append(line)
    return errors, conflicts


def log_retries(path):
    """How many times Odoo retried a request or a job after a concurrency
    error, by error (e.g. {"serialization_failure": 3})."""
    counts = {}
    for match in RETRY_LINE.finditer(read_log(path)):
        counts[match[1]] = counts.get(match[1], 0) + 1
    return counts
