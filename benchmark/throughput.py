# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Throughput of the pipeline over HTTP (run by ``scripts/benchmark.sh
--throughput``): requests per second that one Odoo server in multi-worker mode
serves to salespeople working at once.

Each generated salesperson (``bench_sales_*``, given a password by the
administrator first) opens the pipeline kanban (``web_read_group`` by stage
and the first page of every column), moves one of their opportunities to the
next stage and back (``web_save``) and posts a message, again and again, for
``--duration`` seconds. Prints one JSON line: requests served, seconds,
requests per second, errors.

    python benchmark/throughput.py --url URL --database DB [--clients N --duration S]
"""

import argparse
import json
import os
import sys
import threading
import time

sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts")
)

from pilot_rpc import Client, Failure, db_connect, wait_for_server

ADMIN_PASSWORD = "admin"  # Odoo's default on a database created by odoo-bin
SPECIFICATION = {
    "name": {},
    "partner_id": {"fields": {"display_name": {}}},
    "expected_revenue": {},
    "stage_id": {"fields": {"display_name": {}}},
    "user_id": {"fields": {"display_name": {}}},
    "activity_ids": {"fields": {}},
    "tag_ids": {"fields": {"display_name": {}}},
    "priority": {},
    "date_deadline": {},
}


def salespeople(database, count):
    """(id, login, team stages in order, an open opportunity of theirs)."""
    conn = db_connect(database)
    with conn.cursor() as cr:
        cr.execute(
            """
            SELECT u.id, u.login, MIN(l.id), MIN(l.team_id)
              FROM res_users u JOIN crm_lead l ON l.user_id = u.id
             WHERE u.login LIKE 'bench\\_sales\\_%%' AND l.active AND l.type = 'opportunity'
               AND l.probability < 100
             GROUP BY u.id, u.login ORDER BY u.id LIMIT %s
            """,
            (count,),
        )
        rows = cr.fetchall()
        cr.execute(
            """
            SELECT id FROM crm_stage WHERE is_won IS NOT TRUE AND fold IS NOT TRUE
             ORDER BY sequence, id LIMIT 2
            """
        )
        stages = [row[0] for row in cr.fetchall()]
    conn.close()
    if len(rows) < count or len(stages) < 2:
        raise Failure(f"{len(rows)} generated salespeople with opportunities, {count} needed")
    return rows, stages


def work(client, lead_id, stages, until, counts, errors):
    domain = [("type", "=", "opportunity"), ("user_id", "=", client.uid)]
    try:
        while time.monotonic() < until:
            groups = client.ok(
                "crm.lead",
                "web_read_group",
                domain=domain,
                fields=["expected_revenue:sum"],
                groupby=["stage_id"],
                lazy=True,
            )["groups"]
            for group in groups:
                client.ok(
                    "crm.lead",
                    "web_search_read",
                    domain=group["__domain"],
                    specification=SPECIFICATION,
                    limit=40,
                )
            for stage in (stages[1], stages[0]):
                client.ok(
                    "crm.lead",
                    "web_save",
                    [lead_id],
                    {"stage_id": stage},
                    specification={"stage_id": {}},
                )
            client.ok(
                "crm.lead",
                "message_post",
                [lead_id],
                body="Called the customer.",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
    except Exception as exc:  # reported in the result, never hidden
        errors.append(f"{type(exc).__name__}: {exc}")
    counts.append(client.calls)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--duration", type=int, default=30)
    args = parser.parse_args(argv)
    wait_for_server(args.url, args.server_pid)
    users, stages = salespeople(args.database, args.clients)
    admin = Client(args.url, args.database)
    admin.authenticate("admin", ADMIN_PASSWORD)
    for user_id, login, _lead, _team in users:
        admin.ok("res.users", "write", [user_id], {"password": login})
    clients = []
    for _user_id, login, lead_id, _team in users:
        client = Client(args.url, args.database)
        client.authenticate(login, login)
        client.calls = 0
        clients.append((client, lead_id))
    counts, errors = [], []
    started = time.monotonic()
    until = started + args.duration
    threads = [
        threading.Thread(target=work, args=(client, lead_id, stages, until, counts, errors))
        for client, lead_id in clients
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=args.duration + 300)
    elapsed = time.monotonic() - started
    served = sum(counts)
    result = {
        "requests": served,
        "seconds": round(elapsed, 1),
        "per_second": round(served / elapsed, 2),
        "clients": len(clients),
        "errors": errors[:3],
    }
    sys.stdout.write(json.dumps(result) + "\n")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
