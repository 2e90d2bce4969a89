# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The forecast back-test's reading of the past: the pipeline of the first
day of each month, the revenue won, the submitted forecasts and the teams'
in-month business, each in set-based SQL.

What the rebuild of a month reads (nothing recorded on or after the first
day of the month, midnight UTC, changes the figures of that month):
- open opportunities: created before the day, in a stay of the stage
  history covering the day in a stage that is not won, not lost before the
  day (lost opportunities are archived with their closing date);
- stage and sales team: those of that stay;
- expected closing date: from the ledger of the expected closing dates (the
  previous date of the first change made on or after the day), otherwise the
  current one;
- expected revenue: from Odoo's tracking of the field in the chatter (the
  previous value of the first change on or after the day), otherwise the
  current one;
- forecast category: from its tracking in the chatter, likewise; without a
  tracked change, the current category while the opportunity is still in the
  stay of the day, otherwise the default category of the stage of the day;
- in-month business: the wins of the months fully over before the day
  (forecast_methods.py).
Limits: the configuration (stage probabilities and default categories) is
today's; changes made without tracking (SQL, imports without tracking) are
not seen.
"""

from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import api, models
from odoo.tools import SQL

from ..crm_lead import won_sql
from ..forecast_category.crm_lead import FORECAST_CATEGORIES
from .forecast_methods import in_month_sql


class CrmForecastBacktest(models.Model):
    _inherit = "crm.forecast.backtest"

    @api.model
    def _pilot_rebuild_context(self):
        """What every monthly rebuild needs, read once: the tracked fields and
        the labels of the forecast categories (tracked as labels, in the
        language of whoever changed them)."""
        fields_by_name = {
            field.name: field.id
            for field in self.env["ir.model.fields"]
            .sudo()
            .search(
                [
                    ("model", "=", "crm.lead"),
                    ("name", "in", ("expected_revenue", "forecast_category")),
                ]
            )
        }
        labels = {}
        languages = [code for code, _name in self.env["res.lang"].get_installed()]
        field = self.env["crm.lead"]._fields["forecast_category"]
        for code in dict.fromkeys(["en_US", *languages]):
            selection = field._description_selection(self.with_context(lang=code).env)
            for key, label in selection:
                labels.setdefault(label, key)
        for key, label in FORECAST_CATEGORIES:
            labels.setdefault(label, key)
        return {
            "amount_field": fields_by_name.get("expected_revenue") or 0,
            "category_field": fields_by_name.get("forecast_category") or 0,
            "labels": list(labels),
            "keys": list(labels.values()),
        }

    def _pilot_rebuild_month(self, month, teams, context):
        """One query: the pipeline as it stood on the first day of ``month``
        (midnight UTC), and per team the forecast of the month by the stage
        probabilities, the history-based projection, Commit and Commit + Best
        case. Returns [(team id, stage, history, commit, best case)]; history
        is None when no opportunity of the team's pipeline is in a stage with a
        known win rate (no opportunity that stayed in it had closed before the
        day): the projection is then unknown, not 0."""
        self.ensure_one()
        day = datetime.combine(month, time.min)
        self.env["crm.lead"].flush_model()
        self.env["crm.lead.stage.history"].flush_model()
        self.env["crm.lead.close.date.change"].flush_model()
        self.env["mail.tracking.value"].flush_model()
        self.env["mail.message"].flush_model(["model", "res_id", "date"])
        self.env.cr.execute(
            SQL(
                """
                WITH stay AS (
                    SELECT DISTINCT ON (h.lead_id) h.lead_id, h.stage_id, h.team_id, h.date_out
                      FROM crm_lead_stage_history h
                     WHERE h.date_in < %(day)s
                       AND (h.date_out IS NULL OR h.date_out >= %(day)s)
                     ORDER BY h.lead_id, h.date_in DESC, h.id DESC
                ), deadline AS (
                    SELECT DISTINCT ON (c.lead_id) c.lead_id, c.date_old
                      FROM crm_lead_close_date_change c
                     WHERE c.date_changed >= %(day)s
                     ORDER BY c.lead_id, c.date_changed, c.id
                ), tracked AS (
                    SELECT DISTINCT ON (m.res_id, v.field_id)
                           m.res_id AS lead_id, v.field_id, v.old_value_float, v.old_value_char
                      FROM mail_tracking_value v
                      JOIN mail_message m ON m.id = v.mail_message_id
                     WHERE v.field_id IN (%(amount_field)s, %(category_field)s)
                       AND m.model = 'crm.lead'
                       AND m.date >= %(day)s
                     ORDER BY m.res_id, v.field_id, m.date, m.id, v.id
                ), label AS (
                    SELECT * FROM unnest(%(labels)s::varchar[], %(keys)s::varchar[])
                           AS label(name, key)
                ), win AS MATERIALIZED (
                    -- Computed once: the planner cannot estimate how many
                    -- rows the pipeline has (its filters are CASEs) and, left
                    -- to itself, joined this aggregate row by row (minutes
                    -- on 100,000 opportunities instead of a second).
                    SELECT h.stage_id, cl.company_id,
                           100.0 * COUNT(DISTINCT h.lead_id) FILTER (WHERE cl.active)
                                 / COUNT(DISTINCT h.lead_id) AS rate
                      FROM crm_lead_stage_history h
                      JOIN crm_lead cl ON cl.id = h.lead_id
                      LEFT JOIN crm_stage cs ON cs.id = cl.stage_id
                     WHERE h.date_in < %(day)s
                       AND cl.type = 'opportunity'
                       AND cl.date_closed < %(day)s
                       AND (%(won)s OR (NOT cl.active AND COALESCE(cl.probability, 0) = 0))
                     GROUP BY h.stage_id, cl.company_id
                ), pipe AS (
                    SELECT COALESCE(stay.team_id, l.team_id) AS team_id,
                           l.company_id,
                           stay.stage_id,
                           s.pilot_probability,
                           CASE WHEN amount.lead_id IS NOT NULL
                                    THEN COALESCE(amount.old_value_float, 0)
                                ELSE COALESCE(l.expected_revenue, 0) END AS amount,
                           CASE WHEN category.lead_id IS NOT NULL
                                    THEN COALESCE(label.key, s.pilot_forecast_category)
                                WHEN stay.date_out IS NULL THEN l.forecast_category
                                ELSE s.pilot_forecast_category END AS category
                      FROM stay
                      JOIN crm_lead l ON l.id = stay.lead_id
                      JOIN crm_stage s ON s.id = stay.stage_id
                      LEFT JOIN deadline ON deadline.lead_id = l.id
                      LEFT JOIN tracked amount
                             ON amount.lead_id = l.id AND amount.field_id = %(amount_field)s
                      LEFT JOIN tracked category
                             ON category.lead_id = l.id AND category.field_id = %(category_field)s
                      LEFT JOIN label ON label.name = category.old_value_char
                     WHERE l.type = 'opportunity'
                       AND l.create_date < %(day)s
                       AND NOT COALESCE(s.is_won, FALSE)
                       AND (l.active OR l.date_closed >= %(day)s)
                       AND (l.company_id = %(company)s OR l.company_id IS NULL)
                       AND CASE WHEN deadline.lead_id IS NOT NULL THEN deadline.date_old
                                ELSE l.date_deadline END >= %(month)s
                       AND CASE WHEN deadline.lead_id IS NOT NULL THEN deadline.date_old
                                ELSE l.date_deadline END < %(next_month)s
                )
                SELECT p.team_id,
                       COALESCE(SUM(p.amount * COALESCE(p.pilot_probability, 0) / 100.0), 0),
                       -- No stage of the pipeline with a known win rate: no
                       -- projection (a gap, not a zero).
                       CASE WHEN COUNT(w.rate) > 0
                            THEN COALESCE(SUM(p.amount * COALESCE(w.rate, 0) / 100.0), 0) END,
                       COALESCE(SUM(p.amount) FILTER (WHERE p.category = 'commit'), 0),
                       COALESCE(SUM(p.amount) FILTER (WHERE p.category IN ('commit', 'best_case')),
                                0)
                  FROM pipe p
                  LEFT JOIN win w ON w.stage_id = p.stage_id
                                 AND w.company_id IS NOT DISTINCT FROM p.company_id
                 WHERE p.team_id = ANY(%(teams)s)
                   AND p.category IS DISTINCT FROM 'omitted'
                 GROUP BY p.team_id
                """,
                won=SQL(won_sql("cl", "cs")),
                day=day,
                month=month,
                next_month=month + relativedelta(months=1),
                company=self.company_id.id,
                teams=teams.ids,
                **context,
            )
        )
        return [
            (
                team_id,
                float(stage),
                float(history) if history is not None else None,
                float(commit),
                float(best_case),
            )
            for team_id, stage, history, commit, best_case in self.env.cr.fetchall()
        ]

    def _pilot_won(self, teams, date_from, date_to):
        """[(team id, month, revenue won)] of the opportunities won (the
        add-on's one definition) in [date_from, date_to), by closing month."""
        self.env["crm.lead"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT l.team_id, date_trunc('month', l.date_closed)::date,
                       COALESCE(SUM(l.expected_revenue), 0)
                  FROM crm_lead l
                  JOIN crm_stage s ON s.id = l.stage_id
                 WHERE l.type = 'opportunity'
                   AND %(won)s
                   AND l.date_closed >= %(date_from)s AND l.date_closed < %(date_to)s
                   AND l.team_id = ANY(%(teams)s)
                   AND (l.company_id = %(company)s OR l.company_id IS NULL)
                 GROUP BY 1, 2
                """,
                won=SQL(won_sql("l", "s")),
                date_from=datetime.combine(date_from, time.min),
                date_to=datetime.combine(date_to, time.min),
                teams=teams.ids,
                company=self.company_id.id,
            )
        )
        rows = self.env.cr.fetchall()
        return [(team_id, month, float(amount)) for team_id, month, amount in rows]

    def _pilot_submitted(self, teams, date_from, date_to):
        """[(team id, month, forecast)]: for each team and month with submitted
        forecasts, the team leader's adjusted team figure of their first
        submission of the month when recorded, otherwise the sum of the commits
        of the first submission of each salesperson."""
        self.env["crm.forecast.submission"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                WITH first AS (
                    SELECT DISTINCT ON (s.team_id, s.user_id, s.month)
                           s.team_id, s.month, s.commit_amount,
                           CASE WHEN t.user_id = s.user_id THEN s.team_adjusted_amount END
                               AS adjusted
                      FROM crm_forecast_submission s
                      JOIN crm_team t ON t.id = s.team_id
                     WHERE s.state = 'submitted'
                       AND s.month >= %(date_from)s AND s.month < %(date_to)s
                       AND s.team_id = ANY(%(teams)s)
                       AND s.company_id = %(company)s
                     ORDER BY s.team_id, s.user_id, s.month, s.week, s.id
                )
                SELECT team_id, month,
                       COALESCE(MAX(adjusted) FILTER (WHERE adjusted <> 0),
                                SUM(COALESCE(commit_amount, 0)))
                  FROM first
                 GROUP BY team_id, month
                """,
                date_from=date_from,
                date_to=date_to,
                teams=teams.ids,
                company=self.company_id.id,
            )
        )
        rows = self.env.cr.fetchall()
        return [(team_id, month, float(amount)) for team_id, month, amount in rows]

    def _pilot_in_month(self, months):
        """{(team id, month): the team's in-month business as of the first day
        of ``month``} for each of ``months``, for the teams with history
        before that day (the others have no entry). One query."""
        self.env["crm.lead"].flush_model()
        self.env.cr.execute(
            SQL(
                "SELECT month, team_id, amount FROM (%s) in_month",
                in_month_sql(SQL("%s::date[]", list(months)), company=self.company_id.id),
            )
        )
        return {
            (team_id, month): float(amount) for month, team_id, amount in self.env.cr.fetchall()
        }
