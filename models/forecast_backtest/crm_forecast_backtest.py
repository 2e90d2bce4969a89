# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The forecast back-test: for each of the last N months, the pipeline is
rebuilt as it stood on the first day of the month, each forecast method is
applied to it and compared with the revenue won in the month.

What the rebuild reads (nothing recorded on or after the first day of the
month, midnight UTC, changes the figures of that month):
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
  stay of the day, otherwise the default category of the stage of the day.
The forecast of a month counts the opportunities expected to close in it,
except those in the category Omitted:
- stage probability: expected revenue x the probability of the stage, for the
  teams taking probabilities from stages (the automatic probability of
  predictive lead scoring is not recorded over time and is learnt from
  today's data: it cannot be rebuilt for a past day);
- history-based projection: expected revenue x the win rate of the stage
  among the opportunities closed before the day (same company);
- Commit, and Commit + Best case: the expected revenue of those categories;
- submitted forecasts: the first submitted forecast of each salesperson of
  the team for the month (the commit), or the team leader's adjusted team
  figure when recorded. Submissions are made during the month: this method
  alone uses what was known in the month's first days.
Limits: the configuration (stage probabilities and default categories) is
today's; changes made without tracking (SQL, imports without tracking) are
not seen.
"""

from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, float_compare, float_is_zero, format_date

from ..crm_lead import won_sql
from ..forecast_category.crm_lead import FORECAST_CATEGORIES
from ..stage_probability.crm_team import STAGE_PROBABILITY_MODES
from .crm_forecast_backtest_line import FORECAST_METHODS

DEFAULT_MONTHS = 12
MAX_MONTHS = 36
# A method is recommended only when measured over at least this many months.
MIN_MONTHS_RECOMMENDED = 3
# A forecast within this share of the revenue won (in %) is a hit.
HIT_TOLERANCE = 10.0


class CrmForecastBacktest(models.Model):
    _name = "crm.forecast.backtest"
    _description = "Forecast Back-test"
    _order = "id desc"
    _check_company_auto = True

    date = fields.Date(
        string="Reference Date",
        required=True,
        default=fields.Date.context_today,
        help="The back-test covers the months before the month of this date.",
    )
    months = fields.Integer(
        pilot_bounds=(1, MAX_MONTHS),
        required=True,
        default=DEFAULT_MONTHS,
        help="How many months before the month of the reference date are back-tested.",
    )
    team_ids = fields.Many2many(
        "crm.team",
        string="Sales Teams",
        check_company=True,
        help="The sales teams back-tested; empty: every team of the company.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft", required=True)
    date_run = fields.Datetime(string="Run On", readonly=True, copy=False)
    date_from = fields.Date(string="First Month", compute="_compute_period")
    date_to = fields.Date(string="Last Month", compute="_compute_period")
    result_ids = fields.One2many(
        "crm.forecast.backtest.result", "backtest_id", string="Results", readonly=True
    )
    detail_ids = fields.One2many(
        "crm.forecast.backtest.detail",
        "backtest_id",
        string="Monthly Figures",
        readonly=True,
        groups="sales_team.group_sale_manager",
    )
    recommendation_ids = fields.One2many(
        "crm.forecast.backtest.result",
        "backtest_id",
        string="Recommended Methods",
        domain=[("recommended", "=", True)],
        readonly=True,
    )

    @api.depends("date", "months")
    def _compute_period(self):
        for run in self:
            if run.date and 0 < run.months <= MAX_MONTHS:
                months = run._pilot_months()
                run.date_from, run.date_to = months[0], months[-1]
            else:
                run.date_from = run.date_to = False

    @api.depends("date", "months")
    def _compute_display_name(self):
        for run in self:
            run.display_name = self.env._(
                "Back-test of %(date)s (%(months)s months)",
                date=format_date(self.env, run.date) if run.date else "",
                months=run.months,
            )

    @api.constrains("months", "date")
    def _check_period(self):
        today = fields.Date.context_today(self)
        for run in self:
            if not 0 < run.months <= MAX_MONTHS:
                raise ValidationError(
                    self.env._(
                        "A back-test covers from 1 to %(max)s months, not %(months)s.",
                        max=MAX_MONTHS,
                        months=run.months,
                    )
                )
            if run.date > today:
                raise ValidationError(
                    self.env._(
                        "The reference date of a back-test cannot be in the future (%(date)s).",
                        date=format_date(self.env, run.date),
                    )
                )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_run(self):
        """Run the back-test (again): sales managers only."""
        self.check_access("write")
        for run in self:
            run.sudo()._pilot_run()
        return True

    @api.model
    def _cron_backtest(self):
        """Weekly: a back-test of the last twelve months for every company
        with sales teams (the recommended methods follow the latest)."""
        # Teams without a company count with the current company's.
        company_ids = {
            (company or self.env.company).id
            for [company] in self.env["crm.team"]._read_group(
                [("active", "=", True)], groupby=["company_id"]
            )
        }
        runs = self.create([{"company_id": company_id} for company_id in sorted(company_ids)])
        runs.action_run()
        return runs

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------

    def _pilot_months(self):
        """The first day of each back-tested month, oldest first."""
        self.ensure_one()
        current = self.date.replace(day=1)
        return [current - relativedelta(months=n) for n in range(self.months, 0, -1)]

    def _pilot_teams(self):
        self.ensure_one()
        if self.team_ids:
            return self.team_ids
        return self.env["crm.team"].search([("company_id", "in", [self.company_id.id, False])])

    def _pilot_run(self):
        """Compute the monthly forecasts of each method, the revenue won, then
        the errors and the recommended method of each team; replaces the
        lines of a previous run. Queries: one per month, plus a few."""
        self.ensure_one()
        teams = self._pilot_teams()
        months = self._pilot_months()
        end = months[-1] + relativedelta(months=1)
        forecasts = {}  # (team id, method, month) -> amount
        stage_teams = {
            team.id for team in teams if team.pilot_probability_mode in STAGE_PROBABILITY_MODES
        }
        context = self._pilot_rebuild_context()
        for month in months:
            for team_id, stage, history, commit, best_case in self._pilot_rebuild_month(
                month, teams, context
            ):
                if team_id in stage_teams:
                    forecasts[team_id, "stage_probability", month] = stage
                forecasts[team_id, "history", month] = history
                forecasts[team_id, "commit", month] = commit
                forecasts[team_id, "best_case", month] = best_case
        for team_id, month, amount in self._pilot_submitted(teams, months[0], end):
            forecasts[team_id, "submission", month] = amount
        actuals = {
            (team_id, month): amount
            for team_id, month, amount in self._pilot_won(teams, months[0], end)
        }
        starts = self._pilot_history_starts(teams)
        self.result_ids.unlink()
        self.detail_ids.unlink()
        details = []
        for team in teams:
            # No rows of 0 for the months before the team's history.
            team_months = [
                month
                for month in months
                if team.id in starts and month + relativedelta(months=1) > starts[team.id]
            ]
            for method, _label in FORECAST_METHODS:
                for month in team_months:
                    key = (team.id, method, month)
                    if key not in forecasts:
                        if method == "submission" or (
                            method == "stage_probability" and team.id not in stage_teams
                        ):
                            continue
                        forecasts[key] = 0.0
                    details.append(
                        self._pilot_detail_vals(
                            team, method, month, forecasts[key], actuals.get((team.id, month), 0.0)
                        )
                    )
        details = self.env["crm.forecast.backtest.detail"].create(details)
        self.env["crm.forecast.backtest.result"].create(self._pilot_result_vals(details))
        self.write({"state": "done", "date_run": fields.Datetime.now()})
        self._pilot_mark_latest(teams)

    @api.model
    def _pilot_history_starts(self, teams):
        """{team id: the day its first opportunity was created} (archived and
        lost ones included); a team without any has no history."""
        Lead = self.env["crm.lead"].sudo().with_context(active_test=False)
        return {
            team.id: fields.Datetime.to_datetime(first).date()
            for team, first in Lead._read_group(
                [("type", "=", "opportunity"), ("team_id", "in", teams.ids)],
                groupby=["team_id"],
                aggregates=["create_date:min"],
            )
            if first
        }

    @api.model
    def _pilot_mark_latest(self, teams):
        """Flag the lines of the latest back-test run of each of ``teams``
        (the highest run done that measured it): the lists and graphs show
        those unless the user asks for another run."""
        for model in ("crm.forecast.backtest.result", "crm.forecast.backtest.detail"):
            Line = self.env[model].sudo().with_context(active_test=False)
            latest = {
                team.id: max(runs)
                for team, runs in Line._read_group(
                    [("team_id", "in", teams.ids), ("backtest_id.state", "=", "done")],
                    groupby=["team_id"],
                    aggregates=["backtest_id:array_agg"],
                )
            }
            for team_id, run_id in latest.items():
                Line.search(
                    [
                        ("team_id", "=", team_id),
                        ("is_latest", "=", True),
                        ("backtest_id", "!=", run_id),
                    ]
                ).write({"is_latest": False})
                Line.search(
                    [
                        ("team_id", "=", team_id),
                        ("is_latest", "=", False),
                        ("backtest_id", "=", run_id),
                    ]
                ).write({"is_latest": True})

    def unlink(self):
        teams = self.sudo().result_ids.team_id | self.sudo().detail_ids.team_id
        result = super().unlink()
        # The previous run of each team becomes its latest again.
        self._pilot_mark_latest(teams)
        return result

    def _pilot_detail_vals(self, team, method, month, forecast, actual):
        used = not float_is_zero(actual, precision_digits=2)
        error = forecast - actual
        return {
            "backtest_id": self.id,
            "team_id": team.id,
            "method": method,
            "month": month,
            "forecast": forecast,
            "actual": actual,
            "error": error,
            "error_percent": error / actual * 100.0 if used else False,
            "used": used,
            "hit": used
            and float_compare(abs(error), actual * HIT_TOLERANCE / 100.0, precision_digits=2) <= 0,
        }

    def _pilot_result_vals(self, details):
        """Errors of each team and method over its months used, and the
        recommended method of each team: the lowest mean absolute error among
        the methods measured over at least MIN_MONTHS_RECOMMENDED months (then
        the smallest bias, then the order of FORECAST_METHODS)."""
        order = [method for method, _label in FORECAST_METHODS]
        grouped = {}
        for detail in details.filtered("used"):
            # The monthly error unrounded (error_percent is kept to one decimal)
            grouped.setdefault((detail.team_id.id, detail.method), []).append(
                ((detail.forecast - detail.actual) / detail.actual * 100.0, detail.hit)
            )
        results = []
        for (team_id, method), errors in grouped.items():
            count = len(errors)
            results.append(
                {
                    "backtest_id": self.id,
                    "team_id": team_id,
                    "method": method,
                    "mape": sum(abs(error) for error, _hit in errors) / count,
                    "bias": sum(error for error, _hit in errors) / count,
                    "hit_rate": 100.0 * sum(1 for _error, hit in errors if hit) / count,
                    "months_used": count,
                    "recommended": False,
                }
            )
        best = {}
        for vals in results:
            if vals["months_used"] < MIN_MONTHS_RECOMMENDED:
                continue
            rank = (
                round(vals["mape"], 6),
                round(abs(vals["bias"]), 6),
                order.index(vals["method"]),
            )
            if vals["team_id"] not in best or rank < best[vals["team_id"]][0]:
                best[vals["team_id"]] = (rank, vals)
        for _rank, vals in best.values():
            vals["recommended"] = True
        return results

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
        case. Returns [(team id, stage, history, commit, best case)]."""
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
                       COALESCE(SUM(p.amount * COALESCE(w.rate, 0) / 100.0), 0),
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
            (team_id, float(stage), float(history), float(commit), float(best_case))
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
