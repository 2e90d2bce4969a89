"""Install hooks: stored fields are created and filled in bulk SQL so that
installing on a database with many leads does not compute them lead by lead."""

import logging

from odoo.tools import SQL, sql

_logger = logging.getLogger(__name__)


# Last interaction of a lead: the latest of its creation, its last stage
# change and the last message or note posted by a person (or email received).
LAST_INTERACTION_SET = """
    date_last_interaction = GREATEST(lead.create_date, lead.date_last_stage_update,
                                     message.last_date)
"""
LAST_INTERACTION_FROM = """
    FROM (SELECT l.id, MAX(m.date) AS last_date
            FROM crm_lead l
       LEFT JOIN mail_message m
              ON m.model = 'crm.lead'
             AND m.res_id = l.id
             AND m.message_type IN ('comment', 'email')
        GROUP BY l.id) message
   WHERE message.id = lead.id
"""


def pre_init_hook(env):
    cr = env.cr
    # Margin fields of crm.lead: with no estimated cost yet, the margin is the
    # whole expected revenue. Creating the columns first makes the ORM skip
    # its record-by-record computation at install.
    columns = {
        "estimated_cost": "numeric",
        "estimated_margin": "numeric",
        "estimated_margin_rate": "double precision",
        "prorated_margin": "numeric",
        "is_low_margin": "boolean",
        "urgency": "varchar",
        "reached_proposal_stage": "boolean",
        "date_last_interaction": "timestamp",
    }
    for name, sql_type in columns.items():
        if not sql.column_exists(cr, "crm_lead", name):
            sql.create_column(cr, "crm_lead", name, sql_type)
    # One UPDATE, so that the table (and each of its many indexes) is
    # rewritten once, not once per capability: on 100,000 leads each
    # rewrite costs seconds.
    cr.execute(
        SQL(
            """
        UPDATE crm_lead lead
           SET estimated_cost = 0,
               estimated_margin = COALESCE(lead.expected_revenue, 0),
               estimated_margin_rate = CASE WHEN COALESCE(lead.expected_revenue, 0) = 0
                                            THEN 0 ELSE 100 END,
               prorated_margin = COALESCE(lead.expected_revenue, 0)
                                 * COALESCE(lead.probability, 0) / 100.0,
               is_low_margin = FALSE,
               urgency = '1',
               reached_proposal_stage = FALSE,
               %s
        %s
        """,
            SQL(LAST_INTERACTION_SET),
            SQL(LAST_INTERACTION_FROM),
        )
    )
    _logger.info(
        "crm_pipeline_pilot: margin fields and last interaction filled for %s leads", cr.rowcount
    )

    # Stagnation delay of the existing stages (the default of new stages comes
    # from the company setting, not yet installed at this point).
    if not sql.column_exists(cr, "crm_stage", "stagnation_days"):
        sql.create_column(cr, "crm_stage", "stagnation_days", "int4")
    cr.execute("UPDATE crm_stage SET stagnation_days = 7 WHERE stagnation_days IS NULL")


def fill_date_last_interaction(cr):
    """Last interaction of crm.lead, in one UPDATE (the pre-init hook fills
    it together with the other columns)."""
    if not sql.column_exists(cr, "crm_lead", "date_last_interaction"):
        sql.create_column(cr, "crm_lead", "date_last_interaction", "timestamp")
    cr.execute(
        SQL(
            "UPDATE crm_lead lead SET %s %s",
            SQL(LAST_INTERACTION_SET),
            SQL(LAST_INTERACTION_FROM),
        )
    )
    _logger.info("crm_pipeline_pilot: last interaction filled for %s leads", cr.rowcount)


def post_init_hook(env):
    """One stage-history row per existing lead, from its current stage.

    A post-init hook: the history table is created by the ORM during the
    installation, after the pre-init hook. Leads created while installing
    (demo data) already have their row and are skipped.
    """
    cr = env.cr
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
        {"uid": env.uid},
    )
    _logger.info("crm_pipeline_pilot: stage history started for %s leads", cr.rowcount)
    env["crm.lead"]._pilot_recompute_reached_proposal()
