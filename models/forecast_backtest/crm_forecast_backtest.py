# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The forecast back-test: for each of the last N months, the pipeline is
rebuilt as it stood on the first day of the month (crm_forecast_backtest_rebuild.py
says what the rebuild reads), each forecast method is applied to it and
compared with the revenue won in the month.

The forecast of a month counts the opportunities expected to close in it,
except those in the category Omitted:
- stage probability: expected revenue x the probability of the stage, for the
  teams taking probabilities from stages (the automatic probability of
  predictive lead scoring is not recorded over time and is learnt from
  today's data: it cannot be rebuilt for a past day);
- history-based projection: expected revenue x the win rate of the stage
  among the opportunities closed before the day (same company); no figure for
  a month whose pipeline has no stage with a known win rate (a gap: the
  month is not measured for it), 0 for a stage without one otherwise;
- Commit, and Commit + Best case: the expected revenue of those categories;
- each of the four above + in-month business: the same forecast plus the
  team's in-month business as of the day (forecast_methods.py);
- submitted forecasts: the first submitted forecast of each salesperson of
  the team for the month (the commit), or the team leader's adjusted team
  figure when recorded. Submissions are made during the month: this method
  alone uses what was known in the month's first days.
"""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, float_is_zero, format_date

from ..stage_probability.crm_team import STAGE_PROBABILITY_MODES
from .forecast_methods import FORECAST_METHODS, IN_MONTH_BASES, base_method

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
        # The day of the user who changes the run may be behind the day of
        # the one who created it (another time zone): a day's margin.
        today = fields.Date.context_today(self) + timedelta(days=1)
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
        forecasts = {}  # (team id, method, month) -> amount, None: unknown
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
        in_month = self._pilot_in_month(months)
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
                base = base_method(method)
                for month in team_months:
                    key = (team.id, base, month)
                    if key not in forecasts:
                        if base == "submission" or (
                            base == "stage_probability" and team.id not in stage_teams
                        ):
                            continue
                        forecasts[key] = 0.0
                    if forecasts[key] is None:
                        # A gap (no known win rate), not a forecast of 0
                        continue
                    vals = self._pilot_detail_vals(
                        team,
                        method,
                        month,
                        forecasts[key],
                        actuals.get((team.id, month), 0.0),
                        in_month.get((team.id, month)) if method in IN_MONTH_BASES else None,
                    )
                    details.append(vals)
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

    def _pilot_detail_vals(self, team, method, month, forecast, actual, in_month=None):
        """The month of one method; ``in_month``: the in-month business the
        method adds to ``forecast`` (None: nothing, as without history)."""
        forecast += in_month or 0.0
        used = not float_is_zero(actual, precision_digits=2)
        error = forecast - actual
        return {
            "backtest_id": self.id,
            "team_id": team.id,
            "method": method,
            "month": month,
            "forecast": forecast,
            "in_month": in_month if in_month is not None else False,
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
