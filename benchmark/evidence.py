# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The cost of reading the exchanges (evidence), per message, and projected to
a backlog of 100,000 messages (not a test; a sample of a few thousand is read).

    python benchmark/evidence.py [--messages 3000]
        the reader alone (pure Python, no database)
    python benchmark/evidence.py --messages 3000 -d DB -- ODOO_ARGS...
        also the whole analysis on a database where the add-on is installed:
        opportunities and their emails are created in a transaction, read by
        the queued analysis's batches, then rolled back (nothing is kept)

The messages are those of the labelled corpus (tests/data/evidence_corpus.json),
cycled with other amounts and dates."""

import argparse
import datetime
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKLOG = 100000
MAX_MESSAGES = 20000


def _out(text=""):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _sample(count):
    with open(os.path.join(ROOT, "tests", "data", "evidence_corpus.json"), encoding="utf-8") as f:
        corpus = json.load(f)
    messages = corpus["messages"]
    sample = []
    for index in range(count):
        message = messages[index % len(messages)]
        shift = index // len(messages)
        body = message["body"].replace("40", str(40 + shift % 50))
        date = datetime.date.fromisoformat(message["date"]) + datetime.timedelta(days=shift % 300)
        sample.append((body, date, message["author"], message["type"]))
    return corpus["competitors"], sample


def _report(label, seconds, count):
    per_message = seconds / count
    _out(
        f"{label:<34} {count:>6} messages  {seconds:8.2f} s  {per_message * 1000:7.2f} ms/message"
        f"  backlog of {BACKLOG:,}: {per_message * BACKLOG / 60:6.1f} min (one worker)"
    )


def bench_reader(count):
    sys.path.insert(0, os.path.join(ROOT, "models", "evidence"))
    from reading import read_message

    competitors, sample = _sample(count)
    read_message(*sample[0][:2])  # imports and compiled patterns
    start = time.perf_counter()
    facts = 0
    for body, date, author, message_type in sample:
        facts += len(read_message(body, date, author, message_type, competitors))
    _report("reader (pure Python)", time.perf_counter() - start, count)
    _out(f"{'':<34} {facts} facts read")


def bench_database(count, database, odoo_args):
    from markupsafe import Markup

    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(odoo_args)
    competitors, sample = _sample(count)
    registry = Registry(database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        per_lead = 10
        customer = env["res.partner"].create({"name": "Evidence benchmark customer"})
        leads = env["crm.lead"].create(
            [
                {"name": f"Evidence benchmark {index}", "type": "opportunity"}
                for index in range(-(-count // per_lead))
            ]
        )
        comment = env.ref("mail.mt_comment").id
        env["mail.message"].create(
            [
                {
                    "model": "crm.lead",
                    "res_id": leads[index // per_lead].id,
                    "body": Markup("<p>%s</p>") % body,
                    "date": datetime.datetime.combine(date, datetime.time(9)),
                    "message_type": "email",
                    "subtype_id": comment,
                    "author_id": customer.id,
                }
                for index, (body, date, _author, _type) in enumerate(sample)
            ]
        )
        leads.team_id.write({"pilot_competitor_names": "\n".join(competitors)})
        cr.execute(
            "UPDATE crm_lead SET pilot_evidence_queue = 1 WHERE id IN %s", [tuple(leads.ids)]
        )
        env.flush_all()
        start = time.perf_counter()
        analysed = env["crm.lead"]._cron_pilot_analyze_exchanges(batch_size=100, max_batches=1000)
        env.flush_all()
        seconds = time.perf_counter() - start
        created = env["crm.lead.evidence"].search_count([("lead_id", "in", leads.ids)])
        _report("analysis (ORM, batches of 100)", seconds, count)
        _out(f"{'':<34} {analysed} opportunities, {created} suggestions created")
        cr.rollback()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("-d", "--database")
    parser.add_argument("odoo_args", nargs="*")
    args = parser.parse_args()
    count = max(1, min(args.messages, MAX_MESSAGES))
    bench_reader(count)
    if args.database:
        bench_database(count, args.database, ["-d", args.database, *args.odoo_args])


if __name__ == "__main__":
    main()
