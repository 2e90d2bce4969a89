# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The invariants of the load and faults check (scripts/test_faults.py),
checked in SQL after each scenario."""

INVARIANTS = (
    (
        "no two open follow-ups for the same opportunity and step",
        """SELECT res_id, pilot_follow_up_step_id FROM mail_activity
            WHERE res_model = 'crm.lead' AND pilot_follow_up_step_id IS NOT NULL AND active
            GROUP BY 1, 2 HAVING COUNT(*) > 1""",
        "SELECT COUNT(*) FROM mail_activity WHERE pilot_follow_up_step_id IS NOT NULL",
    ),
    (
        "no open follow-up without its claim (follow-up log)",
        """SELECT a.id FROM mail_activity a
            WHERE a.res_model = 'crm.lead' AND a.pilot_follow_up_step_id IS NOT NULL
              AND a.active AND NOT EXISTS (
                  SELECT 1 FROM crm_lead_follow_up_log log
                   WHERE log.lead_id = a.res_id
                     AND log.automation_id = a.pilot_follow_up_step_id)""",
        "SELECT COUNT(*) FROM crm_lead_follow_up_log",
    ),
    (
        "one snapshot per week and sales team (company, salesperson, stage)",
        """SELECT date, company_id, team_id, user_id, stage_id FROM crm_pipeline_snapshot
            GROUP BY 1, 2, 3, 4, 5 HAVING COUNT(*) > 1""",
        "SELECT COUNT(*) FROM crm_pipeline_snapshot",
    ),
    (
        "every lost opportunity has a loss reason",
        """SELECT id FROM crm_lead
            WHERE type = 'opportunity' AND NOT active AND probability = 0
              AND lost_reason_id IS NULL AND id <> ALL(%(lost_before)s)""",
        "SELECT COUNT(*) FROM crm_lead WHERE NOT active AND probability = 0",
    ),
    (
        "every opportunity has exactly one current stay, in its stage",
        """SELECT l.id FROM crm_lead l
             LEFT JOIN crm_lead_stage_history h ON h.lead_id = l.id AND h.date_out IS NULL
            GROUP BY l.id, l.stage_id
           HAVING COUNT(h.id) <> 1 OR MIN(h.stage_id) IS DISTINCT FROM l.stage_id""",
        "SELECT COUNT(*) FROM crm_lead_stage_history",
    ),
    (
        "every change of stage has its stay (consecutive stays in different stages)",
        """SELECT id FROM (
                SELECT id, stage_id,
                       LAG(id) OVER stays AS previous_id,
                       LAG(stage_id) OVER stays AS previous_stage_id
                  FROM crm_lead_stage_history
                WINDOW stays AS (PARTITION BY lead_id ORDER BY date_in, id)) h
            WHERE previous_id IS NOT NULL
              AND previous_stage_id IS NOT DISTINCT FROM stage_id""",
        None,
    ),
    (
        "every change of expected closing date has its ledger row (last row = current date)",
        """SELECT l.id FROM crm_lead l
             JOIN LATERAL (SELECT date_new FROM crm_lead_close_date_change c
                            WHERE c.lead_id = l.id ORDER BY c.id DESC LIMIT 1) last ON TRUE
            WHERE last.date_new IS DISTINCT FROM l.date_deadline""",
        "SELECT COUNT(*) FROM crm_lead_close_date_change",
    ),
    (
        "push counts equal the ledger's",
        """SELECT l.id FROM crm_lead l
             LEFT JOIN crm_lead_close_date_change c ON c.lead_id = l.id AND c.pushed
            WHERE l.id IN (SELECT lead_id FROM crm_lead_close_date_change)
            GROUP BY l.id, l.close_date_push_count
           HAVING COUNT(c.id) <> COALESCE(l.close_date_push_count, 0)""",
        None,
    ),
)


def lost_without_reason(conn):
    """Opportunities lost without a reason before the check: Odoo's demo data
    marks one lost before the add-on is installed (crm.crm_case_28)."""
    with conn.cursor() as cr:
        cr.execute(
            """
            SELECT id FROM crm_lead WHERE type = 'opportunity' AND NOT active
               AND probability = 0 AND lost_reason_id IS NULL
            """
        )
        return [row[0] for row in cr.fetchall()]


def invariants(conn, check, after, lost_before):
    """The SQL invariants; returns the number of rows they read."""
    rows = 0
    with conn.cursor() as cr:
        for what, query, count in INVARIANTS:
            cr.execute(query, {"lost_before": lost_before})
            bad = cr.fetchall()
            if count:
                cr.execute(count)
                rows += cr.fetchone()[0]
            check(
                not bad,
                f"after {after}: {what}",
                f"{len(bad)} violations, e.g. {bad[:3]}" if bad else "",
            )
    return rows
