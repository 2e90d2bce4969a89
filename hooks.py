# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Install hooks: stored fields are created and filled in bulk SQL so that
installing on a database with many leads does not compute them lead by lead."""

import logging

from odoo.tools import SQL, sql

from .models.forecast_category.crm_lead import (
    forecast_category_sql,
    init_stage_forecast_category_column,
)
from .models.kpi.crm_lead import DATE_CLOSED_INDEX
from .models.margin.crm_lead import MARGIN_SQL

_logger = logging.getLogger(__name__)


def pre_init_hook(env):
    cr = env.cr
    # Stored fields of crm.lead: creating and filling their columns first
    # makes the ORM skip its record-by-record computation at install. Only
    # the columns created here are filled: a column that already exists
    # (another add-on's field of the same name) keeps its values. Each column
    # has the type the ORM gives its field (a Float with digits is numeric):
    # another type would make the ORM convert it, rewriting crm_lead again.
    columns = {
        "estimated_cost": "numeric",
        "margin_known": "boolean",
        "estimated_margin": "numeric",
        "estimated_margin_rate": "numeric",
        "prorated_margin": "numeric",
        "is_low_margin": "boolean",
        "urgency": "varchar",
        "reached_proposal_stage": "boolean",
        "date_last_interaction": "timestamp",
        "forecast_category": "varchar",
        "qualification_score": "int4",
        "qualification_missing": "varchar",
    }
    # The forecast category of a lead comes from its stage's.
    init_stage_forecast_category_column(cr)
    created = [name for name in columns if not sql.column_exists(cr, "crm_lead", name)]
    for name in created:
        sql.create_column(cr, "crm_lead", name, columns[name])
    if created:
        _fill_new_lead_columns(cr, {name: columns[name] for name in created})
    _init_stage_tables(env)


def _fill_new_lead_columns(cr, columns):
    """Fill the columns just created on crm_lead by rewriting the table once
    (ALTER COLUMN ... TYPE ... USING): PostgreSQL copies the rows and rebuilds
    each index in bulk, several times faster than an UPDATE of every row,
    which inserts into every index (crm_lead has about twenty) row by row.
    The last interaction from messages needs a subquery, which USING does not
    allow: it is set afterwards on the leads with a later message only."""
    values = {
        "estimated_cost": "0",
        # The margin formulas of the model (the new cost column is NULL here:
        # existing leads have no cost, so their margin is unknown)
        **MARGIN_SQL,
        # An unknown margin counts as low (a margin criterion is not met); a
        # known one (from a cost column another add-on already had) is taken
        # as reaching the floor, which the team settings do not define yet.
        "is_low_margin": f"NOT ({MARGIN_SQL['margin_known']})",
        "urgency": "'1'",
        "reached_proposal_stage": "FALSE",
        "date_last_interaction": "GREATEST(create_date, date_last_stage_update)",
        # Closed in won stages, the stage's category otherwise (one CASE on
        # the stage ids: an UPDATE of the leads of won stages afterwards would
        # insert into every index row by row, 7 s on 18,000 won deals).
        "forecast_category": forecast_category_sql(cr),
        # Computed from the rules after install (post_init_hook)
        "qualification_score": "0",
        "qualification_missing": "NULL",
    }
    cr.execute(
        SQL(
            "ALTER TABLE crm_lead %s",
            SQL(", ").join(
                SQL(
                    "ALTER COLUMN %s TYPE %s USING %s",
                    SQL.identifier(name),
                    SQL(columns[name]),
                    values[name] if isinstance(values[name], SQL) else SQL(values[name]),
                )
                for name in columns
            ),
        )
    )
    if "date_last_interaction" in columns:
        cr.execute(
            """
            UPDATE crm_lead lead
               SET date_last_interaction = message.last_date
              FROM (SELECT m.res_id, MAX(m.date) AS last_date
                      FROM mail_message m
                     WHERE m.model = 'crm.lead' AND m.message_type IN ('comment', 'email')
                  GROUP BY m.res_id) message
             WHERE message.res_id = lead.id
               AND (lead.date_last_interaction IS NULL
                    OR message.last_date > lead.date_last_interaction)
            """
        )
    _logger.info("crm_pipeline_pilot: filled the new columns %s", ", ".join(columns))


def _init_stage_tables(env):
    cr = env.cr
    # Stage history: one row per existing lead, loaded into a bare table
    # before the ORM creates it: the ORM then adds the foreign keys and the
    # indexes once on the filled table (one validation, one index build
    # each), instead of checking seven foreign keys and updating eight
    # indexes row by row, which took most of the install time on 100,000 leads.
    if not sql.table_exists(cr, "crm_lead_stage_history"):
        cr.execute(
            """
            CREATE TABLE crm_lead_stage_history (
                id SERIAL NOT NULL,
                lead_id int4, stage_id int4, user_id int4, team_id int4, company_id int4,
                date_in timestamp, date_out timestamp, days numeric, amount_revised bool,
                create_uid int4, create_date timestamp, write_uid int4, write_date timestamp,
                PRIMARY KEY (id)
            )
            """
        )
        start_stage_history(cr, env.uid)

    # Stagnation delay of the existing stages (the default of new stages comes
    # from the company setting, not yet installed at this point).
    if not sql.column_exists(cr, "crm_stage", "stagnation_days"):
        sql.create_column(cr, "crm_stage", "stagnation_days", "int4")
    cr.execute("UPDATE crm_stage SET stagnation_days = 7 WHERE stagnation_days IS NULL")


def start_stage_history(cr, uid):
    """One stage-history row, from its current stage, for each lead that has
    none (one INSERT)."""
    cr.execute(
        """
        INSERT INTO crm_lead_stage_history
               (lead_id, stage_id, user_id, team_id, company_id, date_in,
                amount_revised, create_uid, create_date, write_uid, write_date)
        SELECT l.id, l.stage_id, l.user_id, l.team_id, l.company_id,
               COALESCE(l.date_last_stage_update, l.create_date, NOW() AT TIME ZONE 'UTC'),
               FALSE, %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
          FROM crm_lead l
         WHERE NOT EXISTS (SELECT 1 FROM crm_lead_stage_history h WHERE h.lead_id = l.id)
        """,
        {"uid": uid},
    )
    _logger.info("crm_pipeline_pilot: stage history started for %s leads", cr.rowcount)


def post_init_hook(env):
    """Stage history of the leads the pre-init hook did not see (leads created
    while installing, e.g. demo data, already have their row and are
    skipped), then the proposal flag from the history; the first scoring of
    the existing opportunities is started in the background."""
    start_stage_history(env.cr, env.uid)
    env["crm.lead"]._pilot_recompute_reached_proposal()
    # The qualification scores of the existing opportunities: the refresh job,
    # started right after the installation, in the background: scoring
    # 130,000 existing opportunities takes about 20 s (they are marked as
    # never scored by the pre-init hook; the opportunities created by the
    # installation, such as demo data, are scored when created).
    cron = env.ref("crm_pipeline_pilot.ir_cron_qualification_refresh", raise_if_not_found=False)
    if cron:
        cron._trigger()


def uninstall_hook(env):
    """Drop the index the add-on put on Odoo's closing date, and keep the
    "Follow-up" activity type when activities still use it.

    Uninstalling deletes the add-on's data, but activities refuse the deletion
    of their type (``ondelete='restrict'``): the follow-ups planned by the
    add-on would make the uninstallation log a failed query and leave the type
    behind anyway. When activities (open or done and kept) use it, the type is
    detached from the add-on beforehand and stays as an ordinary activity type
    with its activities; otherwise it is removed with the add-on.
    """
    env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(DATE_CLOSED_INDEX)))
    activity_type = env.ref(
        "crm_pipeline_pilot.mail_activity_type_follow_up", raise_if_not_found=False
    )
    if not activity_type:
        return
    used = (
        env["mail.activity"]
        .with_context(active_test=False)
        .search_count([("activity_type_id", "=", activity_type.id)], limit=1)
    )
    if used:
        env["ir.model.data"].search(
            [
                ("module", "=", "crm_pipeline_pilot"),
                ("model", "=", "mail.activity.type"),
                ("res_id", "=", activity_type.id),
            ]
        ).unlink()
        _logger.info(
            "crm_pipeline_pilot: the activity type %s is kept for its activities",
            activity_type.name,
        )
