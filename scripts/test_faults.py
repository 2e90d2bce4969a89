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
import subprocess
import sys
import threading
import time
from datetime import date, timedelta

import psycopg2
import requests
from faults_invariants import invariants, lost_without_reason
from faults_kills import fault_during_follow_ups, kill_mass_move
from faults_work import (
    LEADS_PER_USER,
    Figures,
    create_deals,
    create_salespeople,
    salesperson_session,
    salesperson_work,
)
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
ADMIN_PASSWORD = "admin"  # Odoo's demo data


# ----------------------------------------------------------------------
# 1. Concurrency (the salespeople's work: faults_work.py)
# ----------------------------------------------------------------------


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
# The scenarios, in order (the faults 3-5: faults_kills.py; the invariants
# checked after each: faults_invariants.py)
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
