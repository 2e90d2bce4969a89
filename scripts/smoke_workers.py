# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Workers smoke test driver (run by ``scripts/smoke_workers.sh``).

Odoo runs with ``--workers 2 --max-cron-threads 2`` on a database with the
add-on, its demo data and generated inactive opportunities. This driver:

- makes both crons of the add-on (follow-ups, weekly snapshot) due now, again
  before each round, and meanwhile runs both jobs once more in a separate
  ``odoo-bin shell`` process, so that they run concurrently;
- drives the pipeline over HTTP JSON-RPC as the demo salesperson, in rounds:
  the kanban (``get_views``, ``web_read_group``, ``web_search_read``), a
  forward stage move missing exit criteria (refused with the expected
  message, nothing changed), allowed forward and backward moves
  (``web_save``), a message, an activity marked done, archiving without a
  loss reason (refused), and finally marking lost with a reason (wizard);
- waits for the crons to finish, then checks: no ERROR, CRITICAL or
  Traceback in the server log (nor in the shell's), every HTTP call answered
  as expected, follow-ups created but never two open ones for the same lead
  and step, the week's snapshot taken but not duplicated.

Exits with status 1 on any failure.
"""

import argparse
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timezone

import psycopg2
import requests

MODULE = "crm_pipeline_pilot"
CRONS = ("ir_cron_follow_up", "ir_cron_crm_pipeline_snapshot")
ERROR_LINE = re.compile(r" (ERROR|CRITICAL) |Traceback \(most recent call last\)")
ROUNDS = 3
SALESPERSON = ("demo", "demo")
REFUSED_LEAD = "Fleet tracking roll-out"
REFUSED_TARGET = "Discovery"
CONCURRENT_RUN = (
    "created = env['crm.lead'].with_context(pilot_follow_up_commit=True)"
    "._cron_pilot_follow_ups()\n"
    "env.cr.commit()\n"
    "print('concurrent run: %s follow-up activities created' % created)\n"
    "env['crm.pipeline.snapshot']._cron_snapshot()\n"
    "env.cr.commit()\n"
    "print('concurrent run: snapshot taken')\n"
)


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


class Client:
    """JSON-RPC as the web client does it."""

    def __init__(self, url, database):
        self.url = url
        self.database = database
        self.session = requests.Session()
        self.uid = None
        self.calls = 0

    def _post(self, path, params):
        self.calls += 1
        response = self.session.post(
            self.url + path,
            json={"jsonrpc": "2.0", "method": "call", "id": self.calls, "params": params},
            timeout=120,
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


# ----------------------------------------------------------------------
# Crons
# ----------------------------------------------------------------------


def db_connect(database):
    conn = psycopg2.connect(dbname=database)
    conn.autocommit = True
    return conn


def cron_ids(conn):
    with conn.cursor() as cr:
        cr.execute(
            "SELECT name, res_id FROM ir_model_data WHERE module = %s AND name IN %s",
            (MODULE, CRONS),
        )
        found = dict(cr.fetchall())
    missing = set(CRONS) - set(found)
    if missing:
        raise Failure(f"crons not found: {', '.join(sorted(missing))}")
    return [found[name] for name in CRONS]


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
    with db_connect("postgres") as wakeup, wakeup.cursor() as cr:
        cr.execute("NOTIFY cron_trigger, %s", (database,))
    wakeup.close()


def crons_idle(conn, ids):
    """True when neither cron is running nor due: made due by the last trigger,
    they can only be back in the future once a cron worker ran them (a run in
    progress keeps its row locked, and a trigger during a run waits for it)."""
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


def utcnow(conn):
    with conn.cursor() as cr:
        cr.execute("SELECT now() at time zone 'UTC'")
        return cr.fetchone()[0]


# ----------------------------------------------------------------------
# The salesperson's work
# ----------------------------------------------------------------------


def open_kanban(client, check, round_no):
    views = client.ok(
        "crm.lead",
        "get_views",
        views=[[False, "kanban"], [False, "search"]],
        options={"toolbar": True, "load_filters": True},
    )
    arch = views["views"]["kanban"]["arch"]
    models = views.get("models", {})
    fields = models.get("crm.lead", {})
    fields = fields.get("fields", fields)
    names = sorted(set(re.findall(r'<field name="(\w+)"', arch)) & set(fields))
    specification = {}
    for name in names:
        if fields[name]["type"] in ("many2one", "one2many", "many2many"):
            specification[name] = {"fields": {"display_name": {}}}
        else:
            specification[name] = {}
    for name in ("urgency", "is_stagnant", "exit_criteria_progress", "stage_id"):
        if name not in specification:
            raise Failure(f"the kanban view does not show {name}")
    domain = [("type", "=", "opportunity"), ("user_id", "=", client.uid)]
    groups = client.ok(
        "crm.lead",
        "web_read_group",
        domain=domain,
        fields=["expected_revenue:sum", "prorated_revenue:sum"],
        groupby=["stage_id"],
        lazy=True,
    )["groups"]
    cards = 0
    for group in groups:
        if group.get("__fold"):
            continue
        page = client.ok(
            "crm.lead",
            "web_search_read",
            domain=group["__domain"],
            specification=specification,
            limit=40,
            count_limit=10001,
        )
        cards += len(page["records"])
    check(
        bool(groups) and cards > 0,
        f"round {round_no}: kanban opened",
        f"{len(groups)} columns, {cards} cards, {len(specification)} fields per card",
    )


def read(client, lead_id, fields, active_test=True):
    records = client.ok(
        "crm.lead",
        "web_search_read",
        domain=[("id", "=", lead_id)],
        specification={name: {} for name in fields},
        context={"lang": "en_US", "tz": "UTC", "active_test": active_test},
    )["records"]
    return records[0] if records else None


def refused_move(client, check, round_no, lead, target):
    _result, error = client.call(
        "crm.lead",
        "web_save",
        [lead["id"]],
        {"stage_id": target["id"]},
        specification={"stage_id": {}},
    )
    expected = f'"{REFUSED_LEAD}" cannot move to the stage "{REFUSED_TARGET}" yet'
    check(
        bool(error) and expected in error and "Need identified" in error,
        f"round {round_no}: forward move missing criteria refused",
        (error or "accepted").splitlines()[0],
    )
    after = read(client, lead["id"], ["stage_id"])
    check(
        after["stage_id"] == lead["stage_id"],
        f"round {round_no}: the refused lead stayed in its stage",
    )


def allowed_moves(client, check, round_no, lead_id, stage_from, stage_to):
    result = client.ok(
        "crm.lead",
        "web_save",
        [lead_id],
        {"stage_id": stage_to},
        specification={"stage_id": {}, "date_last_interaction": {}},
    )
    check(
        result[0]["stage_id"] == stage_to,
        f"round {round_no}: forward move without criteria saved (web_save)",
    )
    ok = client.ok("crm.lead", "write", [lead_id], {"stage_id": stage_from})
    back = read(client, lead_id, ["stage_id"])
    check(ok is True and back["stage_id"] == stage_from, f"round {round_no}: backward move (write)")


def chatter_and_activity(client, check, round_no, lead_id, todo_type):
    before = read(client, lead_id, ["date_last_interaction"])["date_last_interaction"]
    time.sleep(1.1)
    message_id = client.ok(
        "crm.lead",
        "message_post",
        [lead_id],
        body=f"Round {round_no}: called the customer, they want a demo.",
        message_type="comment",
        subtype_xmlid="mail.mt_comment",
    )
    after = read(client, lead_id, ["date_last_interaction"])["date_last_interaction"]
    check(
        bool(message_id) and after > before,
        f"round {round_no}: message posted, last interaction updated",
        f"{before} -> {after}",
    )
    activity_id = client.ok(
        "mail.activity",
        "create",
        {
            "res_id": lead_id,
            "activity_type_id": todo_type,
            "summary": f"Send the demo link (round {round_no})",
            "user_id": client.uid,
            "date_deadline": datetime.now(timezone.utc).date().isoformat(),
        },
        context={"lang": "en_US", "tz": "UTC", "default_res_model": "crm.lead"},
    )
    client.ok("mail.activity", "action_feedback", [activity_id], feedback="Demo link sent")
    left = client.ok(
        "mail.activity",
        "search_count",
        [("id", "=", activity_id)],
    )
    check(left == 0, f"round {round_no}: activity marked done")


def mark_lost(client, check, lead_id):
    _result, error = client.call("crm.lead", "write", [lead_id], {"active": False})
    check(
        bool(error) and "loss reason" in error,
        "archiving an opportunity without a loss reason refused",
        (error or "accepted").splitlines()[0],
    )
    reasons = client.ok(
        "crm.lost.reason",
        "search_read",
        [("require_feedback", "=", False)],
        fields=["name"],
        limit=1,
    )
    wizard = client.ok(
        "crm.lead.lost",
        "create",
        {"lead_ids": [[6, 0, [lead_id]]], "lost_reason_id": reasons[0]["id"]},
    )
    client.ok("crm.lead.lost", "action_lost_reason_apply", [wizard])
    lead = read(client, lead_id, ["active", "lost_reason_id", "probability"], active_test=False)
    check(
        lead["active"] is False
        and lead["lost_reason_id"] == reasons[0]["id"]
        and lead["probability"] == 0,
        "marked lost with a reason (Lost wizard)",
        f"reason {reasons[0]['name']}",
    )


def prepare(client):
    """The leads and stages the salesperson works on."""
    stages = client.ok(
        "crm.stage",
        "search_read",
        [],
        fields=["name", "sequence", "is_won", "team_id", "exit_criteria_count"],
        order="sequence, id",
    )
    leads = client.ok(
        "crm.lead",
        "search_read",
        [("type", "=", "opportunity"), ("user_id", "=", client.uid)],
        fields=["name", "stage_id", "team_id"],
        order="id",
    )
    refused = next((lead for lead in leads if lead["name"] == REFUSED_LEAD), None)
    target = next(
        (
            s
            for s in stages
            if s["name"] == REFUSED_TARGET
            and refused
            and s["team_id"]
            and s["team_id"][0] == refused["team_id"][0]
        ),
        None,
    )
    if not refused or not target:
        raise Failure(f'the demo lead "{REFUSED_LEAD}" or its stage "{REFUSED_TARGET}" is missing')
    refused["stage_id"] = refused["stage_id"][0]
    # Leads in a stage without exit criteria that has a later open stage of
    # the same pipeline (the stages of all teams, or of the lead's team).
    free = []
    for lead in leads:
        if lead["id"] == refused["id"]:
            continue
        stage = next(s for s in stages if s["id"] == lead["stage_id"][0])
        if stage["exit_criteria_count"] or stage["is_won"]:
            continue
        later = [
            s
            for s in stages
            if s["sequence"] > stage["sequence"]
            and not s["is_won"]
            and s["team_id"] in (False, stage["team_id"])
        ]
        if later:
            free.append((lead["id"], stage["id"], later[0]["id"]))
    if len(free) < ROUNDS + 1:
        raise Failure(f"only {len(free)} opportunities of the salesperson can move freely")
    return refused, target, free


# ----------------------------------------------------------------------
# Checks in the database and the logs
# ----------------------------------------------------------------------


def log_errors(path):
    with open(path, encoding="utf-8", errors="replace") as log:
        return [line.rstrip() for line in log if ERROR_LINE.search(line)]


def database_checks(conn, check, since):
    with conn.cursor() as cr:
        cr.execute(
            """
            SELECT COUNT(*) FROM mail_activity
             WHERE res_model = 'crm.lead' AND pilot_follow_up_step_id IS NOT NULL AND active
            """
        )
        follow_ups = cr.fetchone()[0]
        cr.execute(
            """
            SELECT res_id, pilot_follow_up_step_id, COUNT(*) FROM mail_activity
             WHERE res_model = 'crm.lead' AND pilot_follow_up_step_id IS NOT NULL AND active
             GROUP BY 1, 2 HAVING COUNT(*) > 1
            """
        )
        duplicated = cr.fetchall()
        # The week is the Monday of the cron user's own day (time zone).
        cr.execute(
            """
            SELECT COUNT(*), COUNT(DISTINCT date) FROM crm_pipeline_snapshot
             WHERE create_date >= %s
            """,
            (since,),
        )
        snapshots, weeks = cr.fetchone()
        cr.execute(
            """
            SELECT date, company_id, team_id, user_id, stage_id, COUNT(*)
              FROM crm_pipeline_snapshot
             GROUP BY 1, 2, 3, 4, 5 HAVING COUNT(*) > 1
            """
        )
        duplicated_snapshots = cr.fetchall()
        cr.execute(
            """
            SELECT COUNT(*) FROM mail_activity a
              JOIN crm_lead l ON l.id = a.res_id
             WHERE a.res_model = 'crm.lead' AND a.pilot_follow_up_step_id IS NOT NULL
               AND a.create_date >= %s
            """,
            (since,),
        )
        created_now = cr.fetchone()[0]
    check(
        follow_ups > 0 and created_now > 0,
        "follow-ups created (crons and the concurrent run)",
        f"{follow_ups} open follow-up activities",
    )
    check(
        not duplicated,
        "no two open follow-ups for the same lead and step",
        f"{len(duplicated)} duplicated, e.g. {duplicated[:3]}" if duplicated else "",
    )
    check(
        snapshots > 0 and weeks == 1,
        "this week's pipeline snapshot taken",
        f"{snapshots} rows, {weeks} week(s)",
    )
    check(
        not duplicated_snapshots,
        "snapshot rows not duplicated (week, company, team, salesperson, stage)",
        f"{len(duplicated_snapshots)} duplicated" if duplicated_snapshots else "",
    )


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


def scenario(args, check):
    conn = db_connect(args.database)
    ids = cron_ids(conn)
    started = utcnow(conn)
    wait_for_server(args.url, args.server_pid)
    check(True, "server started with 2 HTTP workers and 2 cron workers", args.url)
    client = Client(args.url, args.database)
    client.authenticate(*SALESPERSON)
    check(True, f"authenticated as the salesperson {SALESPERSON[0]}", f"uid {client.uid}")
    refused, target, free = prepare(client)
    todo = client.ok(
        "mail.activity.type", "search_read", [("category", "=", "default")], fields=["name"]
    )[0]["id"]

    shell_log = os.path.join(os.path.dirname(args.log), "concurrent_run.log")
    shell = None
    with open(shell_log, "w", encoding="utf-8") as shell_out:
        for round_no in range(1, ROUNDS + 1):
            trigger_crons(conn, args.database, ids)
            if round_no == 1:
                # The same jobs in another process, at the same time as the crons.
                shell = subprocess.Popen(
                    [
                        sys.executable,
                        args.odoo_bin,
                        "shell",
                        *args.odoo_args,
                        f"--database={args.database}",
                        "--no-http",
                        "--max-cron-threads=0",
                    ],
                    stdin=subprocess.PIPE,
                    stdout=shell_out,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
                shell.stdin.write(CONCURRENT_RUN)
                shell.stdin.close()
            open_kanban(client, check, round_no)
            refused_move(client, check, round_no, refused, target)
            lead_id, stage_from, stage_to = free[round_no - 1]
            allowed_moves(client, check, round_no, lead_id, stage_from, stage_to)
            chatter_and_activity(client, check, round_no, lead_id, todo)
        mark_lost(client, check, free[ROUNDS][0])
        check(shell.wait(timeout=300) == 0, "concurrent follow-up and snapshot run in a shell")

    deadline = time.monotonic() + 240
    while not crons_idle(conn, ids):
        if time.monotonic() > deadline:
            raise Failure("the crons did not run within 240 s of being due")
        time.sleep(2)
    check(True, "both crons ran after the last trigger and are idle")
    database_checks(conn, check, started)
    errors = log_errors(args.log) + log_errors(shell_log)
    check(not errors, "no ERROR, CRITICAL or Traceback in the logs", f"{len(errors)} line(s)")
    for line in errors[:20]:
        print(f"        {line[:300]}")
    with open(args.log, encoding="utf-8", errors="replace") as log:
        text = log.read()
    ran = {
        name: len(re.findall(rf"Job .* \({cron_id}\) done in", text))
        for name, cron_id in zip(CRONS, ids, strict=True)
    }
    check(
        all(ran.values()),
        "cron jobs run by the cron workers",
        ", ".join(f"{name} {count}x" for name, count in ran.items()),
    )
    # What ran where and when, to see the overlaps (information, not a check).
    print("  cron runs (time, process, job):")
    for match in re.finditer(
        rf"^\S+ (\S+) (\d+) .*Job '([^']*)' \(({'|'.join(map(str, ids))})\) (starting|done in \S+)",
        text,
        re.M,
    ):
        print(f"    {match[1]} pid {match[2]}: {match[3]} {match[5]}")
    with open(shell_log, encoding="utf-8", errors="replace") as log:
        for line in log:
            if line.startswith("concurrent run:"):
                print(f"  {line.rstrip()}")
    conn.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--log", required=True, help="the server's log file")
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--odoo-bin", required=True)
    parser.add_argument("odoo_args", nargs="*", help="odoo-bin options, after --")
    args = parser.parse_args(argv)
    check = Checks()
    start = time.perf_counter()
    try:
        scenario(args, check)
    except (Failure, requests.RequestException, psycopg2.Error, subprocess.SubprocessError) as exc:
        check(False, "smoke test interrupted", str(exc))
    print()
    print("Workers smoke test summary")
    print(
        f"  {time.perf_counter() - start:.0f} s, {len(check.lines)} checks, {check.failed} failed"
    )
    if check.failed:
        for line in check.lines:
            if line.startswith("FAIL"):
                print("  " + line)
        print("SMOKE TEST FAILED")
        return 1
    print("workers smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
