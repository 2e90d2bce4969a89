# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Load and faults check (run by ``scripts/test_faults.sh``, ``make test-faults``).

Odoo runs in multi-worker mode on a database with the add-on, its demo data
and generated inactive opportunities. Every record used is found by XML id.
Scenarios, each followed by the invariants checked in SQL (``invariants``):

1. Concurrency: salespeople (users created with the salesperson group, by XML
   id) work at once over JSON-RPC for a bounded time -- kanban, stage moves,
   messages, activities, the slip dialog (expected closing date pushed to a
   later month, refused without a reason then given one), forecast
   submissions, the Won and Lost dialogs -- while the follow-up, snapshot and
   back-test crons are made due again and again on the cron workers. Odoo
   retries serialization failures itself (counted in its log); a request it
   gave up on is sent again, as a user clicks again (counted); any other
   error fails the check.
2. Two users, one deal: two salespeople write the stage and the expected
   closing date of the same opportunity at the same moment, several times.
   Every write that succeeded is one row of the close-date ledger, in commit
   order; the stage history has one stay per stage change of that order, a
   contiguous chain ending in the current stage; the push count is the
   ledger's.
3. A worker killed (SIGKILL) mid-request during a mass stage change: the
   request is held on a row lock taken by this driver, the HTTP worker
   executing it is found by its PostgreSQL application name (``odoo-<pid>``)
   and killed. Nothing of the move is left (no stay, no stage); sent again,
   each lead moves once with one stay.
4. A worker killed during the follow-up run: the run is held on a lock of the
   activities table after claiming its leads, the cron worker killed. No
   claim is left without its activity; the next trigger creates each
   follow-up once; a further run creates none.
5. The database restarted (``pg_ctl restart``, local cluster only) during the
   follow-up run, held as in 4: the next trigger creates each follow-up once.

Prints one line per check, the figures (users, requests, conflicts retried,
faults injected, rows checked) and exits with status 1 on any failure.
"""

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import date, timedelta

import psutil
import psycopg2
import requests
from pilot_rpc import (
    Checks,
    Client,
    Failure,
    db_connect,
    is_concurrency_error,
    log_problems,
    log_retries,
    read_log,
    trigger_crons,
    utcnow,
    wait_crons_idle,
    wait_for_server,
    xmlid,
    xmlids,
)

CRONS = (
    "crm_pipeline_pilot.ir_cron_follow_up",
    "crm_pipeline_pilot.ir_cron_crm_pipeline_snapshot",
    "crm_pipeline_pilot.ir_cron_forecast_backtest",
)
FOLLOW_UP_CRON = CRONS[0]
REFS = (
    "base.user_admin",
    "sales_team.group_sale_salesman_all_leads",
    "sales_team.team_sales_department",
    "crm.stage_lead1",
    "crm.stage_lead2",
    "crm.stage_lead3",
    "crm.lost_reason_1",
    "crm_pipeline_pilot.slip_reason_customer_postponed",
    "crm_pipeline_pilot.won_reason_fit",
    "mail.mail_activity_data_todo",
)
LEADS_PER_USER = 5
ADMIN_PASSWORD = "admin"  # Odoo's demo data


class Figures:
    """Counters shared by the salespeople's threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.client_retries = 0
        self.refused_as_expected = 0
        self.errors = []
        self.actions = {}

    def add(self, action, client=None):
        with self.lock:
            self.actions[action] = self.actions.get(action, 0) + 1
            if client is not None:
                self.requests += client.calls
                self.client_retries += client.retries
                client.calls = client.retries = 0


def month_end(day):
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


# ----------------------------------------------------------------------
# Setup: the salespeople and their opportunities
# ----------------------------------------------------------------------


def create_salespeople(admin, refs, count):
    users = []
    for number in range(1, count + 1):
        login = f"faults_salesperson_{number}"
        user_id = admin.ok(
            "res.users",
            "create",
            {
                "name": f"Faults Salesperson {number}",
                "login": login,
                "password": login,
                "email": f"{login}@example.com",
                "groups_id": [[4, refs["sales_team.group_sale_salesman_all_leads"]]],
                "tz": "UTC",
            },
        )
        admin.ok(
            "crm.team.member",
            "create",
            {"crm_team_id": refs["sales_team.team_sales_department"], "user_id": user_id},
        )
        users.append((user_id, login))
    return users


def salesperson_session(url, database, login):
    client = Client(url, database)
    client.authenticate(login, login)
    return client


def create_deals(client, refs, today):
    return [
        client.ok_retried(
            "crm.lead",
            "create",
            {
                "name": f"Deal {number} of {client.uid}",
                "type": "opportunity",
                "user_id": client.uid,
                "team_id": refs["sales_team.team_sales_department"],
                "stage_id": refs["crm.stage_lead1"],
                "expected_revenue": 1000 * number,
                "date_deadline": today.isoformat(),
            },
        )
        for number in range(1, LEADS_PER_USER + 1)
    ]


# ----------------------------------------------------------------------
# 1. Concurrency
# ----------------------------------------------------------------------


def kanban(client, refs):
    domain = [("type", "=", "opportunity"), ("user_id", "=", client.uid)]
    groups = client.ok_retried(
        "crm.lead",
        "web_read_group",
        domain=domain,
        fields=["expected_revenue:sum", "prorated_revenue:sum"],
        groupby=["stage_id"],
        lazy=True,
    )["groups"]
    for group in groups:
        client.ok_retried(
            "crm.lead",
            "web_search_read",
            domain=group["__domain"],
            specification={
                "name": {},
                "stage_id": {"fields": {"display_name": {}}},
                "urgency": {},
                "is_stagnant": {},
                "exit_criteria_progress": {},
                "expected_revenue": {},
                "date_deadline": {},
                "activity_ids": {"fields": {}},
            },
            limit=40,
        )


def slip(client, refs, figures, lead_id, today):
    """The slip dialog: a push to next month is refused without a reason,
    then written with one (crm.lead.slip), then the date comes back."""
    later = (month_end(today) + timedelta(days=10)).isoformat()
    _result, error = client.call("crm.lead", "write", [lead_id], {"date_deadline": later})
    if error and "slip reason" in error:
        with figures.lock:
            figures.refused_as_expected += 1
    elif error and is_concurrency_error(error):
        client.retries += 1
    else:
        raise Failure(f"a push out of the month without a slip reason was not refused: {error}")
    wizard = client.ok_retried(
        "crm.lead.slip",
        "create",
        {
            "lead_ids": [[6, 0, [lead_id]]],
            "date_deadline": later,
            "slip_reason_id": refs["crm_pipeline_pilot.slip_reason_customer_postponed"],
            "note": "<p>The customer postponed the decision.</p>",
        },
    )
    client.ok_retried("crm.lead.slip", "action_apply", [wizard])
    client.ok_retried("crm.lead", "write", [lead_id], {"date_deadline": today.isoformat()})


def salesperson_work(client, refs, figures, leads, today, until, seed):
    rng = random.Random(seed)
    stages = [refs["crm.stage_lead1"], refs["crm.stage_lead2"], refs["crm.stage_lead3"]]
    lost_id, won_id, open_ids = leads[0], leads[1], leads[2:]
    steps = 0
    try:
        client.ok_retried(
            "crm.forecast.submission",
            "action_submit",
            [
                client.ok_retried(
                    "crm.forecast.submission",
                    "create",
                    {
                        "user_id": client.uid,
                        "team_id": refs["sales_team.team_sales_department"],
                    },
                )
            ],
        )
        figures.add("forecast submitted", client)
        while time.monotonic() < until and steps < 200:
            steps += 1
            lead_id = rng.choice(open_ids)
            action = steps % 5
            if action == 0:
                kanban(client, refs)
                figures.add("kanban opened", client)
            elif action == 1:
                client.ok_retried(
                    "crm.lead",
                    "web_save",
                    [lead_id],
                    {"stage_id": rng.choice(stages)},
                    specification={"stage_id": {}},
                )
                figures.add("stage moved", client)
            elif action == 2:
                client.ok_retried(
                    "crm.lead",
                    "message_post",
                    [lead_id],
                    body="Called the customer.",
                    message_type="comment",
                    subtype_xmlid="mail.mt_comment",
                )
                figures.add("message posted", client)
            elif action == 3:
                activity_id = client.ok_retried(
                    "mail.activity",
                    "create",
                    {
                        "res_id": lead_id,
                        "activity_type_id": refs["mail.mail_activity_data_todo"],
                        "summary": "Send the proposal",
                        "user_id": client.uid,
                        "date_deadline": today.isoformat(),
                    },
                    context={"lang": "en_US", "tz": "UTC", "default_res_model": "crm.lead"},
                )
                client.ok_retried(
                    "mail.activity", "action_feedback", [activity_id], feedback="Sent"
                )
                figures.add("activity done", client)
            else:
                slip(client, refs, figures, lead_id, today)
                figures.add("slip dialog", client)
        wizard = client.ok_retried(
            "crm.lead.lost",
            "create",
            {
                "lead_ids": [[6, 0, [lost_id]]],
                "lost_reason_id": refs["crm.lost_reason_1"],
                "lost_feedback": "<p>Chose a competitor.</p>",
            },
        )
        client.ok_retried("crm.lead.lost", "action_lost_reason_apply", [wizard])
        figures.add("marked lost (dialog)", client)
        wizard = client.ok_retried(
            "crm.lead.pilot.won",
            "create",
            {
                "lead_ids": [[6, 0, [won_id]]],
                "won_reason_id": refs["crm_pipeline_pilot.won_reason_fit"],
            },
        )
        client.ok_retried("crm.lead.pilot.won", "action_won_reason_apply", [wizard])
        figures.add("marked won (dialog)", client)
    except Exception as exc:  # any error fails the check, with its text
        with figures.lock:
            figures.errors.append(f"{client.uid}: {type(exc).__name__}: {exc}")


def concurrency(args, conn, check, refs, cron_ids, sessions, deals, today):
    figures = Figures()
    for client in sessions:
        client.calls = client.retries = 0
    until = time.monotonic() + args.duration
    threads = [
        threading.Thread(
            target=salesperson_work,
            args=(client, refs, figures, deals[client.uid], today, until, index),
            daemon=True,
        )
        for index, client in enumerate(sessions)
    ]
    for thread in threads:
        thread.start()
    triggers = 0
    while any(thread.is_alive() for thread in threads):
        if time.monotonic() > until + 300:
            raise Failure("the salespeople did not finish within 300 s of the end of the load")
        trigger_crons(conn, args.database, cron_ids)
        triggers += 1
        for thread in threads:
            thread.join(timeout=args.trigger_every / len(threads))
    wait_crons_idle(conn, cron_ids, 300)
    check(
        not figures.errors,
        f"{len(sessions)} salespeople at once for {args.duration} s, no request failed",
        "; ".join(figures.errors[:3])
        or ", ".join(f"{name} {count}" for name, count in sorted(figures.actions.items())),
    )
    check(
        figures.actions.get("marked won (dialog)") == len(sessions)
        and figures.actions.get("marked lost (dialog)") == len(sessions)
        and figures.actions.get("forecast submitted") == len(sessions),
        "every salesperson submitted a forecast, won a deal and lost one with a reason",
    )
    check(
        figures.refused_as_expected > 0,
        "pushes out of the month without a slip reason refused, then given one",
        f"{figures.refused_as_expected} refused",
    )
    with conn.cursor() as cr:
        cr.execute(
            """
            SELECT COUNT(*) FROM crm_forecast_submission
             WHERE user_id = ANY(%s) AND state = 'submitted'
            """,
            ([client.uid for client in sessions],),
        )
        submitted = cr.fetchone()[0]
    check(submitted == len(sessions), "one submitted forecast per salesperson", str(submitted))
    return figures, triggers


# ----------------------------------------------------------------------
# 2. Two users, one deal
# ----------------------------------------------------------------------


def two_users_one_deal(conn, check, refs, first, second, lead_id, today, rounds):
    stages = {first.uid: refs["crm.stage_lead2"], second.uid: refs["crm.stage_lead3"]}
    history_before, ledger_before = lead_rows(conn, lead_id)
    with conn.cursor() as cr:
        cr.execute("SELECT stage_id FROM crm_lead WHERE id = %s", (lead_id,))
        initial_stage = cr.fetchone()[0]
    outcomes = {}  # date -> (user, error)
    barrier = threading.Barrier(2)

    def edit(client, day):
        barrier.wait(timeout=60)
        _result, error = client.call(
            "crm.lead",
            "write",
            [lead_id],
            {
                "stage_id": stages[client.uid],
                "date_deadline": day.isoformat(),
                "slip_reason_id": refs["crm_pipeline_pilot.slip_reason_customer_postponed"],
            },
        )
        outcomes[day] = (client.uid, error)

    for round_no in range(rounds):
        days = [today + timedelta(days=40 + 2 * round_no + offset) for offset in (0, 1)]
        threads = [
            threading.Thread(target=edit, args=(client, day))
            for client, day in zip((first, second), days, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)
    succeeded = {day: uid for day, (uid, error) in outcomes.items() if not error}
    refused = [error for uid, error in outcomes.values() if error]
    check(
        all(is_concurrency_error(error) for error in refused),
        f"two salespeople on one deal, {rounds} rounds: each write saved or refused "
        "as a concurrent update",
        f"{len(succeeded)} saved, {len(refused)} refused"
        + (f": {refused[0][:200]}" if refused else ""),
    )
    history, ledger = lead_rows(conn, lead_id)
    new_ledger = ledger[len(ledger_before) :]
    check(
        len(new_ledger) == len(succeeded) and {row[1] for row in new_ledger} == set(succeeded),
        "one close-date ledger row per saved write",
        f"{len(new_ledger)} rows for {len(succeeded)} saved writes",
    )
    # The commit order is the ledger's: the stages the lead went through.
    order = [stages[succeeded[row[1]]] for row in new_ledger if row[1] in succeeded]
    expected_stays, current = 0, initial_stage
    for stage in order:
        if stage != current:
            expected_stays += 1
            current = stage
    new_history = history[len(history_before) :]
    with conn.cursor() as cr:
        cr.execute(
            "SELECT stage_id, date_deadline, close_date_push_count FROM crm_lead WHERE id = %s",
            (lead_id,),
        )
        stage_id, deadline, push_count = cr.fetchone()
    check(
        len(new_history) == expected_stays and stage_id == current,
        "one stage-history stay per stage change, in commit order; the lead in the last stage",
        f"{len(new_history)} new stays, {expected_stays} expected",
    )
    check(
        ledger[-1][1] == deadline and push_count == sum(1 for row in ledger if row[2]),
        "the expected closing date is the last ledger row's, the push count the ledger's",
        f"push count {push_count}",
    )
    return len(succeeded), len(refused)


def lead_rows(conn, lead_id):
    with conn.cursor() as cr:
        cr.execute(
            "SELECT id, stage_id FROM crm_lead_stage_history WHERE lead_id = %s ORDER BY id",
            (lead_id,),
        )
        history = cr.fetchall()
        cr.execute(
            """
            SELECT id, date_new, pushed FROM crm_lead_close_date_change
             WHERE lead_id = %s ORDER BY id
            """,
            (lead_id,),
        )
        ledger = cr.fetchall()
    return history, ledger


# ----------------------------------------------------------------------
# 3-5. Faults: a worker killed, the database restarted
# ----------------------------------------------------------------------


def blocked_backend(conn, database, holder_pid, query, timeout=120):
    """The PostgreSQL backend of the Odoo connection whose query (``ILIKE
    query``) waits for the lock held by the backend ``holder_pid``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with conn.cursor() as cr:
            cr.execute(
                """
                SELECT pid, client_port FROM pg_stat_activity
                 WHERE datname = %s AND %s = ANY(pg_blocking_pids(pid))
                   AND application_name LIKE 'odoo-%%' AND query ILIKE %s
                """,
                (database, holder_pid, query),
            )
            row = cr.fetchone()
        if row:
            return row
        time.sleep(0.2)
    raise Failure(f"no Odoo request waited for the lock within {timeout} s")


def worker_of_backend(server_pid, backend):
    """The worker process of the Odoo server ``server_pid`` connected to the
    PostgreSQL backend ``(pid, client_port)``. Odoo names its connections
    odoo-<pid>, but with the pid of the process that loaded the registry (the
    server's main process, before it forks its workers): the worker is found
    by its end of the connection, a TCP port or, on a Unix socket, the peer
    of the backend's socket (``ss``)."""
    backend_pid, client_port = backend
    workers = {child.pid: child for child in psutil.Process(server_pid).children(recursive=True)}
    if client_port and client_port > 0:
        for pid, child in workers.items():
            if any(c.laddr and c.laddr.port == client_port for c in child.net_connections("tcp")):
                return pid
        raise Failure(f"no worker of the server holds the port {client_port}")
    sockets = {}  # inode -> (peer inode, pids of the processes holding it)
    listing = subprocess.run(["ss", "-xpn"], capture_output=True, text=True, check=True)
    for line in listing.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 9 and fields[1] == "ESTAB":
            sockets[fields[5]] = (fields[7], [int(pid) for pid in re.findall(r"pid=(\d+)", line)])
    for peer, pids in sockets.values():
        if backend_pid in pids:
            found = [pid for pid in sockets.get(peer, (None, []))[1] if pid in workers]
            if len(found) == 1:
                return found[0]
    raise Failure(f"no worker of the server found at the end of the backend {backend_pid}")


def kill_mass_move(args, conn, check, admin, lead_ids, target):
    """SIGKILL of the HTTP worker in the middle of a mass stage change."""
    with conn.cursor() as cr:
        cr.execute(
            "SELECT COUNT(*) FROM crm_lead_stage_history WHERE lead_id = ANY(%s)", (lead_ids,)
        )
        stays_before = cr.fetchone()[0]
        cr.execute(
            "SELECT COUNT(*) FROM crm_lead WHERE id = ANY(%s) AND stage_id = %s",
            (lead_ids, target),
        )
        moved_before = cr.fetchone()[0]
    holder = db_connect(args.database)
    holder.autocommit = False
    with holder.cursor() as cr:
        cr.execute("SELECT pg_backend_pid()")
        holder_pid = cr.fetchone()[0]
        cr.execute("SELECT 1 FROM crm_lead WHERE id = %s FOR UPDATE", (max(lead_ids),))
    answer = {}

    def mass_move():
        try:
            answer["result"] = admin.call("crm.lead", "write", lead_ids, {"stage_id": target})
        except requests.RequestException as exc:
            answer["error"] = exc

    thread = threading.Thread(target=mass_move)
    thread.start()
    try:
        backend = blocked_backend(conn, args.database, holder_pid, "%crm_lead%")
        worker = worker_of_backend(args.server_pid, backend)
        os.kill(worker, signal.SIGKILL)
    finally:
        holder.rollback()
        holder.close()
    thread.join(timeout=120)
    with conn.cursor() as cr:
        cr.execute(
            "SELECT COUNT(*) FROM crm_lead_stage_history WHERE lead_id = ANY(%s)", (lead_ids,)
        )
        stays_after_kill = cr.fetchone()[0]
        cr.execute(
            "SELECT COUNT(*) FROM crm_lead WHERE id = ANY(%s) AND stage_id = %s",
            (lead_ids, target),
        )
        moved_after_kill = cr.fetchone()[0]
    check(
        "error" in answer and stays_after_kill == stays_before and moved_after_kill == moved_before,
        f"HTTP worker {worker} killed during a mass stage change of {len(lead_ids)} "
        "opportunities: nothing of it written",
        f"request answered {'an error' if 'error' in answer else answer.get('result')}, "
        f"stays {stays_before} -> {stays_after_kill}",
    )
    admin.ok_retried("crm.lead", "write", lead_ids, {"stage_id": target})
    with conn.cursor() as cr:
        cr.execute(
            "SELECT COUNT(*) FROM crm_lead_stage_history WHERE lead_id = ANY(%s)", (lead_ids,)
        )
        stays_done = cr.fetchone()[0]
    check(
        stays_done == stays_before + len(lead_ids) - moved_before,
        "the mass stage change sent again: each opportunity moved once, one stay each",
        f"{stays_done - stays_before} new stays for {len(lead_ids) - moved_before} moves",
    )
    return 1


def follow_up_counts(conn, since):
    """(claims, follow-up activities) created since ``since`` and the claims
    without their activity."""
    with conn.cursor() as cr:
        cr.execute("SELECT COUNT(*) FROM crm_lead_follow_up_log WHERE create_date >= %s", (since,))
        claims = cr.fetchone()[0]
        cr.execute(
            """
            SELECT COUNT(*) FROM mail_activity
             WHERE res_model = 'crm.lead' AND pilot_follow_up_step_id IS NOT NULL
               AND create_date >= %s
            """,
            (since,),
        )
        activities = cr.fetchone()[0]
        cr.execute(
            """
            SELECT COUNT(*) FROM crm_lead_follow_up_log log
             WHERE log.create_date >= %s AND NOT EXISTS (
                   SELECT 1 FROM mail_activity a
                    WHERE a.res_model = 'crm.lead' AND a.res_id = log.lead_id
                      AND a.pilot_follow_up_step_id = log.automation_id)
            """,
            (since,),
        )
        orphans = cr.fetchone()[0]
    return claims, activities, orphans


def make_follow_ups_due(conn):
    """Every open opportunity without a next action looks inactive for a
    month: the follow-up run has work again."""
    with conn.cursor() as cr:
        cr.execute(
            """
            UPDATE crm_lead SET date_last_interaction = now() - interval '40 days'
             WHERE active AND type = 'opportunity' AND probability < 100
            RETURNING id
            """
        )
        return cr.rowcount


def fault_during_follow_ups(args, conn, check, cron_ids, fault):
    """Hold the follow-up run on a lock of the activities table (after it
    claimed its leads), inject ``fault`` ("kill" or "restart"), then let the
    next trigger run: each follow-up created once."""
    follow_up = cron_ids[0]
    wait_crons_idle(conn, cron_ids, 300)
    due = make_follow_ups_due(conn)
    since = utcnow(conn)
    holder = db_connect(args.database)
    holder.autocommit = False
    with holder.cursor() as cr:
        cr.execute("SELECT pg_backend_pid()")
        holder_pid = cr.fetchone()[0]
        cr.execute("LOCK TABLE mail_activity IN SHARE MODE")
    trigger_crons(conn, args.database, [follow_up])
    try:
        backend = blocked_backend(conn, args.database, holder_pid, 'INSERT INTO "mail_activity"%')
        worker = worker_of_backend(args.server_pid, backend)
        if fault == "kill":
            os.kill(worker, signal.SIGKILL)
            what = f"cron worker {worker} killed (SIGKILL)"
        else:
            print(
                "  restarting PostgreSQL (pg_ctl restart -m fast): every database of the "
                "cluster loses its connections for a few seconds",
                flush=True,
            )
            subprocess.run(args.pg_restart, shell=True, check=True, timeout=120)
            what = "database restarted (pg_ctl restart)"
    finally:
        try:
            holder.rollback()
            holder.close()
        except psycopg2.Error:
            pass  # the restart closed it
    if fault == "restart":
        conn = reconnect(args.database)
    time.sleep(2)
    claims, activities, orphans = follow_up_counts(conn, since)
    check(
        orphans == 0 and claims == activities,
        f"{what} during the follow-up run: no claim without its activity",
        f"{claims} claims, {activities} activities kept",
    )
    trigger_crons(conn, args.database, [follow_up])
    wait_crons_idle(conn, [follow_up], 300)
    claims, activities, orphans = follow_up_counts(conn, since)
    check(
        orphans == 0 and claims == activities and activities > 0,
        "the next trigger completed the run: one activity per claim",
        f"{activities} follow-ups created for {due} opportunities made inactive",
    )
    trigger_crons(conn, args.database, [follow_up])
    wait_crons_idle(conn, [follow_up], 300)
    again = follow_up_counts(conn, since)
    check(
        again == (claims, activities, 0),
        "a further run creates no follow-up again",
        f"{again[1] - activities} more",
    )
    return conn


def reconnect(database, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return db_connect(database)
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


# ----------------------------------------------------------------------
# Invariants
# ----------------------------------------------------------------------

INVARIANTS = (
    (
        "no two open follow-ups for the same opportunity and step",
        """SELECT res_id, pilot_follow_up_step_id FROM mail_activity
            WHERE res_model = 'crm.lead' AND pilot_follow_up_step_id IS NOT NULL AND active
            GROUP BY 1, 2 HAVING COUNT(*) > 1""",
        "SELECT COUNT(*) FROM mail_activity WHERE pilot_follow_up_step_id IS NOT NULL",
    ),
    (
        "no open follow-up without its claim (follow-up log)",
        """SELECT a.id FROM mail_activity a
            WHERE a.res_model = 'crm.lead' AND a.pilot_follow_up_step_id IS NOT NULL
              AND a.active AND NOT EXISTS (
                  SELECT 1 FROM crm_lead_follow_up_log log
                   WHERE log.lead_id = a.res_id
                     AND log.automation_id = a.pilot_follow_up_step_id)""",
        "SELECT COUNT(*) FROM crm_lead_follow_up_log",
    ),
    (
        "one snapshot per week and sales team (company, salesperson, stage)",
        """SELECT date, company_id, team_id, user_id, stage_id FROM crm_pipeline_snapshot
            GROUP BY 1, 2, 3, 4, 5 HAVING COUNT(*) > 1""",
        "SELECT COUNT(*) FROM crm_pipeline_snapshot",
    ),
    (
        "every lost opportunity has a loss reason",
        """SELECT id FROM crm_lead
            WHERE type = 'opportunity' AND NOT active AND probability = 0
              AND lost_reason_id IS NULL AND id <> ALL(%(lost_before)s)""",
        "SELECT COUNT(*) FROM crm_lead WHERE NOT active AND probability = 0",
    ),
    (
        "every opportunity has exactly one current stay, in its stage",
        """SELECT l.id FROM crm_lead l
             LEFT JOIN crm_lead_stage_history h ON h.lead_id = l.id AND h.date_out IS NULL
            GROUP BY l.id, l.stage_id
           HAVING COUNT(h.id) <> 1 OR MIN(h.stage_id) IS DISTINCT FROM l.stage_id""",
        "SELECT COUNT(*) FROM crm_lead_stage_history",
    ),
    (
        "every change of stage has its stay (consecutive stays in different stages)",
        """SELECT id FROM (
                SELECT id, stage_id,
                       LAG(id) OVER stays AS previous_id,
                       LAG(stage_id) OVER stays AS previous_stage_id
                  FROM crm_lead_stage_history
                WINDOW stays AS (PARTITION BY lead_id ORDER BY date_in, id)) h
            WHERE previous_id IS NOT NULL
              AND previous_stage_id IS NOT DISTINCT FROM stage_id""",
        None,
    ),
    (
        "every change of expected closing date has its ledger row (last row = current date)",
        """SELECT l.id FROM crm_lead l
             JOIN LATERAL (SELECT date_new FROM crm_lead_close_date_change c
                            WHERE c.lead_id = l.id ORDER BY c.id DESC LIMIT 1) last ON TRUE
            WHERE last.date_new IS DISTINCT FROM l.date_deadline""",
        "SELECT COUNT(*) FROM crm_lead_close_date_change",
    ),
    (
        "push counts equal the ledger's",
        """SELECT l.id FROM crm_lead l
             LEFT JOIN crm_lead_close_date_change c ON c.lead_id = l.id AND c.pushed
            WHERE l.id IN (SELECT lead_id FROM crm_lead_close_date_change)
            GROUP BY l.id, l.close_date_push_count
           HAVING COUNT(c.id) <> COALESCE(l.close_date_push_count, 0)""",
        None,
    ),
)


def lost_without_reason(conn):
    """Opportunities lost without a reason before the check: Odoo's demo data
    marks one lost before the add-on is installed (crm.crm_case_28)."""
    with conn.cursor() as cr:
        cr.execute(
            """
            SELECT id FROM crm_lead WHERE type = 'opportunity' AND NOT active
               AND probability = 0 AND lost_reason_id IS NULL
            """
        )
        return [row[0] for row in cr.fetchall()]


def invariants(conn, check, after, lost_before):
    """The SQL invariants; returns the number of rows they read."""
    rows = 0
    with conn.cursor() as cr:
        for what, query, count in INVARIANTS:
            cr.execute(query, {"lost_before": lost_before})
            bad = cr.fetchall()
            if count:
                cr.execute(count)
                rows += cr.fetchone()[0]
            check(
                not bad,
                f"after {after}: {what}",
                f"{len(bad)} violations, e.g. {bad[:3]}" if bad else "",
            )
    return rows


# ----------------------------------------------------------------------


def scenario(args, check):
    conn = db_connect(args.database)
    refs = xmlids(conn, *REFS)
    cron_ids = [xmlid(conn, name) for name in CRONS]
    wait_for_server(args.url, args.server_pid)
    check(True, f"server started with {args.workers} HTTP workers and 2 cron workers", args.url)
    today = date.fromisoformat(str(utcnow(conn).date()))
    admin = Client(args.url, args.database)
    with conn.cursor() as cr:
        cr.execute("SELECT login FROM res_users WHERE id = %s", (refs["base.user_admin"],))
        admin.authenticate(cr.fetchone()[0], ADMIN_PASSWORD)
    users = create_salespeople(admin, refs, args.users)
    sessions = [salesperson_session(args.url, args.database, login) for _uid, login in users]
    deals = {client.uid: create_deals(client, refs, today) for client in sessions}
    check(
        True,
        f"{len(sessions)} salespeople created (group by XML id) and logged in",
        f"{LEADS_PER_USER} opportunities each",
    )
    lost_before = lost_without_reason(conn)
    print(f"  lost without a reason before the check (Odoo's demo data): ids {lost_before}")
    rows = invariants(conn, check, "the setup", lost_before)
    log_start = len(read_log(args.log))

    figures, triggers = concurrency(args, conn, check, refs, cron_ids, sessions, deals, today)
    rows += invariants(conn, check, "the concurrency", lost_before)
    errors, conflicts = log_problems(read_log(args.log)[log_start:])
    check(
        not errors,
        "no error logged by the server under load (serialization conflicts aside)",
        f"{len(errors)} line(s), {conflicts} conflicts",
    )
    for line in errors[:10]:
        print(f"        {line[:300]}")

    first, second = sessions[0], sessions[1]
    shared = deals[first.uid][2]
    saved, refused = two_users_one_deal(
        conn, check, refs, first, second, shared, today, args.rounds
    )
    rows += invariants(conn, check, "two users on one deal", lost_before)

    faults = 0
    mass = [lead for client in sessions for lead in deals[client.uid][2:]]
    faults += kill_mass_move(args, conn, check, admin, mass, refs["crm.stage_lead2"])
    rows += invariants(conn, check, "the worker killed during a mass stage change", lost_before)

    conn = fault_during_follow_ups(args, conn, check, cron_ids, "kill")
    faults += 1
    rows += invariants(conn, check, "the cron worker killed during the follow-up run", lost_before)

    errors, conflicts = log_problems(read_log(args.log)[log_start:])
    retries = log_retries(args.log)
    check(
        not errors and conflicts <= sum(retries.values()),
        "no error logged by the server from the load to the killed workers; every "
        "serialization conflict retried by Odoo",
        f"{len(errors)} line(s), {conflicts} conflicts, {sum(retries.values())} retries",
    )
    for line in errors[:10]:
        print(f"        {line[:300]}")

    if args.pg_restart:
        conn = fault_during_follow_ups(args, conn, check, cron_ids, "restart")
        faults += 1
        rows += invariants(
            conn, check, "the database restarted during the follow-up run", lost_before
        )
    else:
        print(f"  not run: the database restarted during the follow-up run ({args.no_restart_why})")

    retries = log_retries(args.log)
    print()
    print("Figures")
    print(f"  salespeople: {len(sessions)} at once for {args.duration} s, {triggers} cron triggers")
    print(f"  requests: {figures.requests} by the salespeople under load")
    for name, count in sorted(figures.actions.items()):
        print(f"    {name}: {count}")
    print(
        "  conflicts retried: "
        + (", ".join(f"{count} {name}" for name, count in retries.items()) or "none")
        + f" by Odoo; {figures.client_retries} requests sent again after Odoo gave up"
    )
    print(f"  two users, one deal: {saved} writes saved, {refused} refused as concurrent")
    print(f"  faults injected: {faults}")
    print(f"  rows checked by the invariants: {rows}")
    conn.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--log", required=True, help="the server's log file")
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--trigger-every", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=6, help="rounds of two users, one deal")
    parser.add_argument("--pg-restart", default="", help="command restarting PostgreSQL")
    parser.add_argument("--no-restart-why", default="no restart command given")
    args = parser.parse_args(argv)
    check = Checks()
    start = time.perf_counter()
    try:
        scenario(args, check)
    except (Failure, requests.RequestException, psycopg2.Error, subprocess.SubprocessError) as exc:
        check(False, "fault check interrupted", str(exc))
    return check.summary("Load and faults check", time.perf_counter() - start)


if __name__ == "__main__":
    sys.exit(main())
