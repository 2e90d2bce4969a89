# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The salespeople's work in the load and faults check
(scripts/test_faults.py): their accounts and deals, and their session over
JSON-RPC (kanban, stage moves, messages, activities, the slip dialog, forecast
submissions, the Won and Lost dialogs), with its figures."""

import random
import threading
import time
from datetime import timedelta

from pilot_rpc import Client, Failure, is_concurrency_error

LEADS_PER_USER = 5


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
                # of no team: the demo's teams work with Pre-Sales' stages
                "team_id": False,
                "stage_id": refs["crm.stage_lead1"],
                "expected_revenue": 1000 * number,
                "date_deadline": today.isoformat(),
            },
        )
        for number in range(1, LEADS_PER_USER + 1)
    ]


# ----------------------------------------------------------------------
# The work of each salesperson (scenario 1, test_faults.py)
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
                        # of no team: the demo's teams work with Pre-Sales' stages
                        "team_id": False,
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
