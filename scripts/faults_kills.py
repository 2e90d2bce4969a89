# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The faults of the load and faults check (scripts/test_faults.py): a worker
killed during a mass stage change or during the follow-up run, and the
database restarted during the follow-up run."""

import os
import re
import signal
import subprocess
import threading
import time

import psutil
import psycopg2
import requests
from pilot_rpc import Failure, db_connect, trigger_crons, utcnow, wait_crons_idle


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
