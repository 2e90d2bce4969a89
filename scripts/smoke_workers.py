# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Workers smoke test driver (run by ``scripts/smoke_workers.sh``).

Odoo runs with ``--workers 2 --max-cron-threads 2`` on a database with the
add-on, its demo data and generated inactive opportunities. This driver:

- makes both crons of the add-on (follow-ups, weekly snapshot) due now, again
  before each round, and meanwhile runs both jobs once more in a separate
  ``odoo-bin shell`` process, so that they run concurrently;
- drives the pipeline over HTTP JSON-RPC as the demo salesperson (every
  record found by XML id, never by display name), in rounds:
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

import psycopg2
import requests
from pilot_rpc import (
    Checks,
    Client,
    Failure,
    db_connect,
    log_errors,
    read_log,
    trigger_crons,
    utcnow,
    wait_crons_idle,
    wait_for_server,
    xmlids,
)
from smoke_workers_steps import (
    allowed_moves,
    chatter_and_activity,
    mark_lost,
    open_kanban,
    refused_move,
)

CRONS = ("crm_pipeline_pilot.ir_cron_follow_up", "crm_pipeline_pilot.ir_cron_crm_pipeline_snapshot")
ROUNDS = 3
# Everything is found by XML id: the demo salesperson (Odoo's demo password is
# the login), their deal in the first stage of the Pre-Sales team's
# recommended pipeline (its forward move is refused: criteria missing),
# Odoo's shared stages, which have no exit criteria (the salesperson's own new
# deals, of no sales team, move there freely: the demo's teams all work with
# Pre-Sales' stages), a loss reason, an activity type.
SALESPERSON = "base.user_demo"
REFUSED_LEAD = "crm.crm_case_14"
FREE_STAGES = ("crm.stage_lead1", "crm.stage_lead2")
LOST_REASON = "crm.lost_reason_1"
TODO = "mail.mail_activity_data_todo"
CONCURRENT_RUN = (
    "created = env['crm.lead'].with_context(pilot_follow_up_commit=True)"
    "._cron_pilot_follow_ups()\n"
    "env.cr.commit()\n"
    "print('concurrent run: %s follow-up activities created' % created)\n"
    "env['crm.pipeline.snapshot']._cron_snapshot()\n"
    "env.cr.commit()\n"
    "print('concurrent run: snapshot taken')\n"
)


# ----------------------------------------------------------------------
# The records of the salesperson's work (the work itself: smoke_workers_steps.py)
# ----------------------------------------------------------------------


def prepare(conn, client, refs):
    """The records the salesperson works on, all found by XML id: the deal
    whose forward move is refused, with the next stage of its team's pipeline
    and a manual exit criterion of its stage it lacks; and ROUNDS + 1 deals
    the salesperson creates in Odoo's shared stages, free to move."""
    with conn.cursor() as cr:
        cr.execute(
            """
            SELECT l.id, l.name, l.stage_id, l.user_id, nxt.id, nxt.name->>'en_US', crit.name
              FROM crm_lead l
              JOIN crm_stage cur ON cur.id = l.stage_id
              JOIN LATERAL (SELECT s.id, s.name FROM crm_stage s
                             WHERE s.team_id = l.team_id AND s.sequence > cur.sequence
                               AND s.is_won IS NOT TRUE
                             ORDER BY s.sequence, s.id LIMIT 1) nxt ON TRUE
              JOIN LATERAL (SELECT c.name->>'en_US' AS name FROM crm_stage_exit_criterion c
                             WHERE c.stage_id = cur.id AND c.active
                               AND c.criterion_type = 'manual'
                               AND NOT EXISTS (SELECT 1 FROM crm_lead_exit_criterion_rel r
                                                WHERE r.lead_id = l.id
                                                  AND r.criterion_id = c.id)
                             ORDER BY c.sequence, c.id LIMIT 1) crit ON TRUE
             WHERE l.id = %s
            """,
            (refs[REFUSED_LEAD],),
        )
        row = cr.fetchone()
    if not row:
        raise Failure(
            f"the demo deal {REFUSED_LEAD} has no next stage or no manual exit criterion to miss"
        )
    lead_id, name, stage_id, user_id, target_id, target_name, criterion = row
    if user_id != client.uid:
        raise Failure(f"the demo deal {REFUSED_LEAD} is not the salesperson's")
    refused = {
        "lead": {"id": lead_id, "name": name, "stage_id": stage_id},
        "target": {"id": target_id, "name": target_name},
        "criterion": criterion,
    }
    free = [
        client.ok(
            "crm.lead",
            "create",
            {
                "name": f"Smoke test deal {number}",
                "type": "opportunity",
                "user_id": client.uid,
                "team_id": False,
                "stage_id": refs[FREE_STAGES[0]],
                "expected_revenue": 1000 * number,
            },
        )
        for number in range(1, ROUNDS + 2)
    ]
    return refused, free


# ----------------------------------------------------------------------
# Checks in the database and the logs
# ----------------------------------------------------------------------


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


def scenario(args, check):
    conn = db_connect(args.database)
    refs = xmlids(conn, *CRONS, SALESPERSON, REFUSED_LEAD, *FREE_STAGES, LOST_REASON, TODO)
    ids = [refs[name] for name in CRONS]
    started = utcnow(conn)
    wait_for_server(args.url, args.server_pid)
    check(True, "server started with 2 HTTP workers and 2 cron workers", args.url)
    with conn.cursor() as cr:
        cr.execute("SELECT login FROM res_users WHERE id = %s", (refs[SALESPERSON],))
        login = cr.fetchone()[0]
    client = Client(args.url, args.database)
    client.authenticate(login, login)
    check(True, f"authenticated as the salesperson {login} ({SALESPERSON})", f"uid {client.uid}")
    refused, free = prepare(conn, client, refs)
    todo = refs[TODO]
    stage_from, stage_to = (refs[name] for name in FREE_STAGES)

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
            refused_move(client, check, round_no, refused)
            lead_id = free[round_no - 1]
            allowed_moves(client, check, round_no, lead_id, stage_from, stage_to)
            chatter_and_activity(client, check, round_no, lead_id, todo)
        mark_lost(client, check, free[ROUNDS], refs[LOST_REASON])
        check(shell.wait(timeout=300) == 0, "concurrent follow-up and snapshot run in a shell")

    wait_crons_idle(conn, ids, 240)
    check(True, "both crons ran after the last trigger and are idle")
    database_checks(conn, check, started)
    errors = log_errors(args.log) + log_errors(shell_log)
    check(not errors, "no ERROR, CRITICAL or Traceback in the logs", f"{len(errors)} line(s)")
    for line in errors[:20]:
        print(f"        {line[:300]}")
    text = read_log(args.log)
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
    return check.summary("Workers smoke test", time.perf_counter() - start)


if __name__ == "__main__":
    sys.exit(main())
