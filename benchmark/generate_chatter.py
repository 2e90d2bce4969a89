# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The chatter and the planned activities of the generated opportunities
(benchmark/generate.py): creation notices, notes and followers, and a planned
activity on 30 % of the open deals."""

from odoo.tools import SQL

ACTIVITY_TYPES = (
    "mail.mail_activity_data_call",
    "mail.mail_activity_data_email",
    "mail.mail_activity_data_todo",
)


def _chatter(env, first_id, last_id, messages_per_lead):
    """Creation notice and notes in the chatter, the salesperson as follower."""
    cr = env.cr
    subtypes = {
        "create": env.ref("crm.mt_lead_create").id,
        "note": env.ref("mail.mt_note").id,
        "comment": env.ref("mail.mt_comment").id,
    }
    cr.execute(
        SQL(
            """
            INSERT INTO mail_message (model, res_id, record_name, record_company_id,
                                      message_type, subtype_id, is_internal, body,
                                      author_id, email_from, message_id, date,
                                      reply_to_force_new, email_add_signature,
                                      create_uid, write_uid, create_date, write_date)
            SELECT 'crm.lead', l.id, l.name, l.company_id,
                   CASE WHEN k = 1 THEN 'notification' ELSE 'comment' END,
                   CASE WHEN k = 1 THEN %(create)s WHEN mod(k, 2) = 0 THEN %(note)s
                        ELSE %(comment)s END,
                   mod(k, 2) = 0,
                   CASE WHEN k = 1 THEN '<p>Opportunity created</p>'
                        ELSE '<p>Called the customer about ' || l.name
                             || ': waiting for their feedback.</p>' END,
                   p.id, p.email, '<bench.' || l.id || '.' || k || '@example.com>',
                   l.create_date + (l.write_date - l.create_date) * (k - 1) / %(count)s,
                   FALSE, TRUE, l.user_id, l.user_id,
                   l.create_date + (l.write_date - l.create_date) * (k - 1) / %(count)s,
                   l.create_date + (l.write_date - l.create_date) * (k - 1) / %(count)s
              FROM crm_lead l
              JOIN res_users u ON u.id = l.user_id
              JOIN res_partner p ON p.id = u.partner_id
             CROSS JOIN generate_series(1, %(count)s) AS k
             WHERE l.id BETWEEN %(first)s AND %(last)s
            """,
            count=messages_per_lead,
            first=first_id,
            last=last_id,
            **subtypes,
        )
    )
    cr.execute(
        SQL(
            """
            WITH followers AS (
                INSERT INTO mail_followers (res_model, res_id, partner_id)
                SELECT 'crm.lead', l.id, u.partner_id
                  FROM crm_lead l JOIN res_users u ON u.id = l.user_id
                 WHERE l.id BETWEEN %(first)s AND %(last)s
                RETURNING id
            )
            INSERT INTO mail_followers_mail_message_subtype_rel
                   (mail_followers_id, mail_message_subtype_id)
            SELECT f.id, s.id
              FROM followers f
             CROSS JOIN mail_message_subtype s
             WHERE s."default" AND NOT COALESCE(s.hidden, FALSE)
               AND (s.res_model IS NULL OR s.res_model = 'crm.lead')
            """,
            first=first_id,
            last=last_id,
        )
    )


def _activities(env, first_id, last_id):
    """A planned activity (overdue, today or later) on 30 % of the open deals.

    Open deals whose id is a multiple of 5 get none: the benchmark makes those
    the inactive ones, which the follow-ups must find without a next action.
    """
    types = [env.ref(xmlid).id for xmlid in ACTIVITY_TYPES]
    env.cr.execute(
        SQL(
            """
            INSERT INTO mail_activity (res_model_id, res_model, res_id, res_name,
                                       activity_type_id, summary, date_deadline, user_id,
                                       automated, active, create_uid, write_uid,
                                       create_date, write_date)
            SELECT %(model)s, 'crm.lead', l.id, l.name,
                   (%(types)s::int[])[1 + mod(l.id, %(ntypes)s)],
                   'Next step on ' || l.name,
                   current_date + (mod(l.id, 31) - 10), l.user_id, FALSE, TRUE,
                   l.user_id, l.user_id, l.write_date, l.write_date
              FROM crm_lead l
             WHERE l.id BETWEEN %(first)s AND %(last)s
               AND l.active AND l.probability < 100 AND mod(l.id, 10) IN (1, 3, 7)
            """,
            model=env["ir.model"]._get_id("crm.lead"),
            types=types,
            ntypes=len(types),
            first=first_id,
            last=last_id,
        )
    )
