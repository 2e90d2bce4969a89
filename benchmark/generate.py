# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Data generator of the benchmark: realistic CRM pipelines, fast.

Fills a database where ``crm`` is installed with sales teams, salespeople
(``res.users`` in the sales groups), stages, loss reasons and customers through
the ORM (a few dozen records), then opportunities, chatter messages, followers
and planned activities in bulk SQL (``INSERT ... SELECT generate_series``), so
that 100,000 or 1,000,000 opportunities take seconds, not hours.

The rows keep what the ORM relies on: every opportunity has a company, a
stage, a salesperson of its team, a customer, ``type = 'opportunity'``, a
probability consistent with its state (won: stage flagged won, probability 100;
lost: archived, probability 0, with a loss reason; open: active, probability of
its stage), and the stored computed columns of ``crm`` filled as the ORM would.
Messages and activities point to existing leads, users, subtypes and activity
types.

Standalone use (the benchmark calls :func:`generate` in-process)::

    python benchmark/generate.py -d DB --open 2000 --closed 600 -- ODOO_ARGS...
"""

import argparse
import logging
import sys

from generate_chatter import _activities, _chatter

import odoo
from odoo.modules.registry import Registry
from odoo.tools import SQL

_logger = logging.getLogger("crm_pipeline_pilot.benchmark")

# Share of open opportunities per stage, from the first stage on.
OPEN_STAGE_WEIGHTS = (0.40, 0.30, 0.20, 0.10)
# Share of won deals among the closed ones.
WON_SHARE = 0.6
EXTRA_LOST_REASONS = ("Competitor chosen", "No budget", "Bad timing", "No answer")


def _people(env, teams, salespeople_per_team):
    """Sales teams with a leader each, salespeople and one sales manager."""
    Users = env["res.users"].with_context(
        no_reset_password=True, mail_create_nolog=True, tracking_disable=True
    )
    salesman = env.ref("sales_team.group_sale_salesman")
    all_leads = env.ref("sales_team.group_sale_salesman_all_leads")
    manager_group = env.ref("sales_team.group_sale_manager")
    base_user = env.ref("base.group_user")
    manager = Users.create(
        {
            "name": "Bench Sales Manager",
            "login": "bench_manager",
            "email": "bench_manager@example.com",
            "groups_id": [(6, 0, (base_user | manager_group).ids)],
        }
    )
    members = []
    for t in range(1, teams + 1):
        leader = Users.create(
            {
                "name": f"Bench Team Leader {t}",
                "login": f"bench_leader_{t}",
                "email": f"bench_leader_{t}@example.com",
                "groups_id": [(6, 0, (base_user | all_leads).ids)],
            }
        )
        sellers = Users.create(
            [
                {
                    "name": f"Bench Salesperson {t}.{k}",
                    "login": f"bench_sales_{t}_{k}",
                    "email": f"bench_sales_{t}_{k}@example.com",
                    "groups_id": [(6, 0, (base_user | salesman).ids)],
                }
                for k in range(1, salespeople_per_team + 1)
            ]
        )
        team = env["crm.team"].create(
            {
                "name": f"Bench Team {t}",
                "user_id": leader.id,
                "member_ids": [(6, 0, (leader | sellers).ids)],
            }
        )
        members += [(user, team) for user in leader | sellers]
    return manager, members


def _stages(env):
    """The pipeline's stages: Odoo's own ones plus a negotiation stage."""
    Stage = env["crm.stage"]
    open_stages = Stage.search([("is_won", "=", False)], order="sequence, id")
    if len(open_stages) < len(OPEN_STAGE_WEIGHTS):
        last = open_stages[-1:].sequence or 1
        open_stages |= Stage.create({"name": "Negotiation", "sequence": last + 1})
    won = Stage.search([("is_won", "=", True)], order="sequence, id", limit=1)
    if not won:
        won = Stage.create({"name": "Won", "sequence": 70, "is_won": True})
    return open_stages[: len(OPEN_STAGE_WEIGHTS)], won


def _lost_reasons(env):
    Reason = env["crm.lost.reason"]
    existing = set(Reason.search([]).mapped("name"))
    Reason.create([{"name": name} for name in EXTRA_LOST_REASONS if name not in existing])
    return Reason.search([])


def _customers(env, count):
    """Customer companies in bulk SQL; returns their ids."""
    cr = env.cr
    cr.execute(
        SQL(
            """
            INSERT INTO res_partner (name, complete_name, active, is_company, type, lang,
                                     email, email_normalized, color, partner_share, employee,
                                     create_uid, write_uid, create_date, write_date)
            SELECT 'Customer ' || i, 'Customer ' || i, TRUE, TRUE, 'contact', 'en_US',
                   'info@customer' || i || '.example.com', 'info@customer' || i || '.example.com',
                   0, TRUE, FALSE, %(uid)s, %(uid)s, now() at time zone 'UTC',
                   now() at time zone 'UTC'
              FROM generate_series(1, %(count)s) AS i
            RETURNING id
            """,
            uid=env.uid,
            count=count,
        )
    )
    ids = [row[0] for row in cr.fetchall()]
    cr.execute(
        SQL(
            "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%(ids)s)",
            ids=ids,
        )
    )
    return ids


def _opportunities(env, ctx, open_count, closed_count):
    """Opportunities in one INSERT ... SELECT; returns the id range."""
    cr = env.cr
    cr.execute("SELECT COALESCE(MAX(id), 0) FROM crm_lead")
    first_id = cr.fetchone()[0] + 1
    open_stage_ids = ctx["open_stages"].ids
    # Cumulative weights: an open lead goes to the first stage whose bound
    # exceeds its random draw.
    bounds, total = [], 0.0
    for weight in OPEN_STAGE_WEIGHTS[: len(open_stage_ids)]:
        total += weight
        bounds.append(total)
    probabilities = [10.0, 30.0, 50.0, 70.0][: len(open_stage_ids)]
    # Reproducible, independent uniform draws in [0, 1) per lead and purpose.
    cr.execute(
        """
        CREATE OR REPLACE FUNCTION pg_temp.bench_draw(i integer, purpose text)
        RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
            SELECT ('x' || substr(md5(i || purpose), 1, 8))::bit(32)::bigint / 4294967296.0
        $$
        """
    )
    cr.execute(
        SQL(
            """
            WITH draw AS (
                SELECT i,
                       CASE WHEN floor(i * %(closed)s::float / %(total)s)
                                 = floor((i - 1) * %(closed)s::float / %(total)s)
                            THEN 'pending'
                            WHEN pg_temp.bench_draw(i, 'won') < %(won_share)s THEN 'won'
                            ELSE 'lost' END AS state,
                       pg_temp.bench_draw(i, 'stage') AS r_stage,
                       pg_temp.bench_draw(i, 'amount') AS r_amount,
                       pg_temp.bench_draw(i, 'age') AS r_age,
                       pg_temp.bench_draw(i, 'close') AS r_close,
                       pg_temp.bench_draw(i, 'priority') AS r_prio,
                       pg_temp.bench_draw(i, 'reason') AS r_reason
                  FROM generate_series(1, %(total)s) AS i
            ), shaped AS (
                SELECT d.*,
                       1 + mod(i, %(nusers)s) AS u,
                       1 + mod(i::bigint * 7919, %(ncustomers)s) AS c,
                       (SELECT COUNT(*) FROM unnest(%(bounds)s::float[]) b
                         WHERE b <= d.r_stage) + 1 AS s,
                       (now() at time zone 'UTC')
                       - make_interval(days => (CASE WHEN state = 'pending' THEN 240 ELSE 730 END
                                                * r_age)::int,
                                       secs => (r_prio * 86400)::int) AS created
                  FROM draw d
            ), dated AS (
                SELECT s.*,
                       created + ((now() at time zone 'UTC') - created) * r_close AS moved,
                       round((500 + power(r_amount, 3) * 95000)::numeric, 2) AS amount,
                       CASE state WHEN 'won' THEN 100.0 WHEN 'lost' THEN 0.0
                            ELSE (%(probabilities)s::float[])[LEAST(s, %(nstages)s)] END
                       AS proba
                  FROM shaped s
            )
            INSERT INTO crm_lead (
                name, type, active, company_id, user_id, team_id, stage_id, partner_id,
                partner_name, contact_name, email_from, email_normalized,
                email_domain_criterion, priority, probability, automated_probability,
                expected_revenue, prorated_revenue, date_open, date_last_stage_update,
                date_closed, date_deadline, day_open, day_close, lost_reason_id,
                color, create_uid, write_uid, create_date, write_date)
            SELECT 'Opportunity ' || i, 'opportunity', state <> 'lost', %(company)s,
                   (%(users)s::int[])[u], (%(teams)s::int[])[u],
                   CASE WHEN state = 'won' THEN %(won_stage)s
                        ELSE (%(stages)s::int[])[LEAST(s, %(nstages)s)] END,
                   (%(customers)s::int[])[c],
                   'Customer ' || c, 'Buyer ' || i,
                   'buyer' || i || '@customer' || c || '.example.com',
                   'buyer' || i || '@customer' || c || '.example.com',
                   'customer' || c || '.example.com',
                   CASE WHEN r_prio < 0.6 THEN '0' WHEN r_prio < 0.85 THEN '1'
                        WHEN r_prio < 0.95 THEN '2' ELSE '3' END,
                   proba, proba, amount, round(amount * proba::numeric / 100, 2),
                   created, moved,
                   CASE WHEN state <> 'pending' THEN moved END,
                   (created + make_interval(days => 30 + (r_amount * 90)::int))::date,
                   0,
                   CASE WHEN state <> 'pending'
                        THEN extract(epoch FROM moved - created) / 86400 END,
                   CASE WHEN state = 'lost'
                        THEN (%(reasons)s::int[])[1 + floor(r_reason * %(nreasons)s)::int]
                        END,
                   0, (%(users)s::int[])[u], (%(users)s::int[])[u], created, moved
              FROM dated
            """,
            closed=closed_count,
            total=open_count + closed_count,
            won_share=WON_SHARE,
            nusers=len(ctx["users"]),
            ncustomers=len(ctx["customers"]),
            bounds=bounds[:-1],
            probabilities=probabilities,
            nstages=len(open_stage_ids),
            company=env.company.id,
            users=[user.id for user, _team in ctx["users"]],
            teams=[team.id for _user, team in ctx["users"]],
            won_stage=ctx["won_stage"].id,
            stages=open_stage_ids,
            customers=ctx["customers"],
            reasons=ctx["lost_reasons"].ids,
            nreasons=len(ctx["lost_reasons"]),
        )
    )
    cr.execute("SELECT MAX(id) FROM crm_lead")
    return first_id, cr.fetchone()[0]


def generate(
    env,
    open_count,
    closed_count,
    messages_per_lead=3,
    activities=True,
    teams=None,
    salespeople_per_team=8,
):
    """Fill ``env``'s database with a pipeline; returns a summary dict.

    ``env`` must be a superuser environment; nothing is committed here.
    """
    total = open_count + closed_count
    teams = teams or max(2, min(10, total // 25000))
    manager, users = _people(env, teams, salespeople_per_team)
    open_stages, won_stage = _stages(env)
    ctx = {
        "users": users,
        "open_stages": open_stages,
        "won_stage": won_stage,
        "lost_reasons": _lost_reasons(env),
        "customers": _customers(env, max(100, total // 10)),
    }
    env.flush_all()
    first_id, last_id = _opportunities(env, ctx, open_count, closed_count)
    if messages_per_lead:
        _chatter(env, first_id, last_id, messages_per_lead)
    if activities:
        _activities(env, first_id, last_id)
    env.cr.execute("ANALYZE")
    env.invalidate_all()
    _logger.info("generated %s opportunities (%s open)", total, open_count)
    return {
        "manager": manager.login,
        "salesperson": users[1][0].login,
        "leads": total,
        "open": open_count,
    }


def backtest_history(env):
    """History for the forecast back-test, once the add-on is installed (its
    install gave each opportunity one stay, in its current stage, from its
    last stage change): an earlier stay in an open stage from the creation
    until that change (the close for won and lost ones), and, for one
    opportunity in three, an expected closing date pushed by a month halfway
    through its life (a row of the ledger of the expected closing dates).
    Bulk SQL; returns the number of rows added."""
    cr = env.cr
    open_stage_ids = env["crm.stage"].search([("is_won", "=", False)], order="sequence, id").ids
    cr.execute(
        """
        INSERT INTO crm_lead_stage_history
               (lead_id, stage_id, user_id, team_id, company_id, date_in, date_out, days,
                amount_revised, create_uid, write_uid, create_date, write_date)
        SELECT l.id, (%(stages)s::int[])[1 + mod(l.id, %(nstages)s)], l.user_id, l.team_id,
               l.company_id, l.create_date, l.date_last_stage_update,
               ROUND((EXTRACT(EPOCH FROM (l.date_last_stage_update - l.create_date))
                      / 86400.0)::numeric, 2),
               FALSE, 1, 1, l.create_date, l.create_date
          FROM crm_lead l
         WHERE l.type = 'opportunity' AND l.date_last_stage_update > l.create_date
        """,
        {"stages": open_stage_ids, "nstages": max(1, len(open_stage_ids) - 1)},
    )
    stays = cr.rowcount
    cr.execute(
        """
        INSERT INTO crm_lead_close_date_change
               (lead_id, date_old, date_new, pushed, days_moved, date_changed, changed_by_id,
                user_id, team_id, company_id, create_uid, write_uid, create_date, write_date)
        SELECT l.id, l.date_deadline - 30, l.date_deadline, TRUE, 30,
               l.create_date + (l.date_last_stage_update - l.create_date) / 2, l.user_id,
               l.user_id, l.team_id, l.company_id, 1, 1, l.create_date, l.create_date
          FROM crm_lead l
         WHERE l.type = 'opportunity' AND mod(l.id, 3) = 0 AND l.date_deadline IS NOT NULL
        """
    )
    changes = cr.rowcount
    cr.execute("ANALYZE crm_lead_stage_history")
    cr.execute("ANALYZE crm_lead_close_date_change")
    env.invalidate_all()
    return stays + changes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--open", type=int, default=2000, help="open opportunities")
    parser.add_argument("--closed", type=int, default=600, help="won or lost ones")
    parser.add_argument("--messages", type=int, default=3, help="chatter messages per lead")
    parser.add_argument("--no-activities", action="store_true")
    parser.add_argument("odoo_args", nargs="*", help="odoo-bin options, after --")
    args = parser.parse_args(argv)
    odoo.tools.config.parse_config([*args.odoo_args, f"--database={args.database}"])
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        generate(env, args.open, args.closed, args.messages, not args.no_activities)
    return 0


if __name__ == "__main__":
    sys.exit(main())
