# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The salesperson's work in the workers smoke test
(scripts/smoke_workers.py), over HTTP JSON-RPC: the kanban, refused and
allowed stage moves, a message and an activity, marking lost."""

import re
import time
from datetime import datetime, timezone

from pilot_rpc import Failure


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


def refused_move(client, check, round_no, refused):
    lead = refused["lead"]
    _result, error = client.call(
        "crm.lead",
        "web_save",
        [lead["id"]],
        {"stage_id": refused["target"]["id"]},
        specification={"stage_id": {}},
    )
    expected = f'"{lead["name"]}" cannot move to the stage "{refused["target"]["name"]}" yet'
    check(
        bool(error) and expected in error and refused["criterion"] in error,
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


def mark_lost(client, check, lead_id, reason_id):
    _result, error = client.call("crm.lead", "write", [lead_id], {"active": False})
    check(
        bool(error) and "loss reason" in error,
        "archiving an opportunity without a loss reason refused",
        (error or "accepted").splitlines()[0],
    )
    wizard = client.ok(
        "crm.lead.lost",
        "create",
        {
            "lead_ids": [[6, 0, [lead_id]]],
            "lost_reason_id": reason_id,
            "lost_feedback": "<p>They chose a competitor.</p>",
        },
    )
    client.ok("crm.lead.lost", "action_lost_reason_apply", [wizard])
    lead = read(client, lead_id, ["active", "lost_reason_id", "probability"], active_test=False)
    check(
        not lead["active"] and lead["lost_reason_id"] == reason_id and lead["probability"] == 0,
        "marked lost with a reason (Lost wizard)",
        f"reason {reason_id}",
    )
