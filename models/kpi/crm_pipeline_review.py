# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
import logging
import re
from datetime import datetime, time, timedelta

from psycopg2.errors import SerializationFailure, UniqueViolation

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, float_compare, format_date, formatLang

from ..crm_lead import TRUSTED, is_trusted
from .kpi_definitions import KPI_BY_CODE

TREND_WEEKS = 12

_logger = logging.getLogger(__name__)


class CrmPipelineReview(models.Model):
    """The manager's weekly review: for a week and one or more teams, each KPI
    with its current value, target, gap and the suggested action when off
    target; exported to XLSX (one sheet per team).

    Reviews are kept: one per week, set of teams and scope. A review is
    either of the whole teams (``scope_user_id`` empty: computed by someone
    who sees every opportunity of the teams, or by the scheduled action) or
    personal (``scope_user_id``: a salesperson who sees only their own
    opportunities, computed with their visibility)."""

    _name = "crm.pipeline.review"
    _description = "Weekly Review"
    _order = "week_start desc, id desc"

    date = fields.Date(
        string="Week of",
        required=True,
        default=fields.Date.context_today,
        help="Any day of the week to review.",
    )
    week_start = fields.Date(compute="_compute_week", string="From", store=True, index=True)
    week_end = fields.Date(compute="_compute_week", string="To", store=True)
    team_ids = fields.Many2many(
        "crm.team",
        string="Sales Teams",
        required=True,
        default=lambda self: self.env.user.sale_team_id,
    )
    scope_user_id = fields.Many2one(
        "res.users",
        string="Own Opportunities Of",
        readonly=True,
        index=True,
        help="Empty: the review of the whole teams. Set: the review of a salesperson "
        "who sees only their own opportunities, computed with their visibility.",
    )
    review_key = fields.Char(
        compute="_compute_review_key",
        store=True,
        help="Scope and teams of the review: one review per week and key.",
    )
    company_id = fields.Many2one(
        "res.company",
        compute="_compute_company_id",
        store=True,
        index=True,
        help="The company of the teams (empty when they belong to several).",
    )
    line_ids = fields.One2many("crm.pipeline.review.line", "review_id", string="KPIs")
    on_target_count = fields.Integer(
        string="On Target", compute="_compute_target_counts", store=True
    )
    off_target_count = fields.Integer(
        string="Off Target", compute="_compute_target_counts", store=True
    )
    computed_by_id = fields.Many2one("res.users", readonly=True, copy=False, pilot_maintained=True)
    computed_on = fields.Datetime(readonly=True, copy=False, pilot_maintained=True)
    xlsx_file = fields.Binary(
        string="XLSX File", readonly=True, attachment=True, copy=False, pilot_maintained=True
    )
    xlsx_filename = fields.Char(readonly=True, copy=False, pilot_maintained=True)

    _sql_constraints = [
        (
            "week_key_uniq",
            "unique(week_start, review_key)",
            "There is already a weekly review of this week for these sales teams.",
        ),
    ]

    @api.depends("date")
    def _compute_week(self):
        for review in self:
            start = self.env["crm.pipeline.snapshot"]._week_start(review.date)
            review.week_start = start
            review.week_end = start + timedelta(days=6)

    @api.depends("week_start", "week_end")
    def _compute_display_name(self):
        for review in self:
            review.display_name = self.env._(
                "Weekly Review %(start)s - %(end)s",
                start=format_date(self.env, review.week_start),
                end=format_date(self.env, review.week_end),
            )

    @api.constrains("date")
    def _check_date(self):
        today = fields.Date.context_today(self)
        for review in self:
            if review.week_start > today:
                raise ValidationError(
                    self.env._(
                        "The week of %(date)s has not started yet: choose a day of "
                        "this week or of a past week.",
                        date=review.date,
                    )
                )

    @api.depends("team_ids", "scope_user_id")
    def _compute_review_key(self):
        for review in self:
            review.review_key = self._pilot_review_key(review.team_ids, review.scope_user_id)

    @api.model
    def _pilot_review_key(self, teams, scope_user):
        team_ids = ",".join(str(team_id) for team_id in sorted(teams.ids))
        return f"{scope_user.id if scope_user else 0}:{team_ids}"

    @api.depends("team_ids.company_id")
    def _compute_company_id(self):
        for review in self:
            companies = review.team_ids.company_id
            review.company_id = companies if len(companies) == 1 else False

    @api.depends("line_ids.status")
    def _compute_target_counts(self):
        for review in self:
            statuses = review.line_ids.mapped("status")
            review.on_target_count = statuses.count("on_target")
            review.off_target_count = statuses.count("off_target")

    @api.constrains("date", "team_ids")
    def _check_one_review_per_week(self):
        """One review per week, set of teams and scope; checked on the values
        being saved before they reach the database (its unique constraint
        refuses what gets past, e.g. concurrent transactions)."""
        seen = set()
        for review in self:
            key = (review.week_start, review.review_key)
            # Raw SQL on purpose: a search would first write the pending
            # values, which the unique constraint would refuse with an SQL error.
            self.env.cr.execute(
                SQL(
                    """SELECT 1 FROM crm_pipeline_review
                        WHERE week_start = %s AND review_key = %s AND NOT (id = ANY(%s))
                        LIMIT 1""",
                    review.week_start,
                    review.review_key,
                    self.ids,
                )
            )
            if key in seen or self.env.cr.fetchone():
                raise ValidationError(
                    self.env._(
                        "There is already a weekly review of the week of %(date)s for "
                        "%(teams)s: open it from the list of weekly reviews.",
                        date=format_date(self.env, review.week_start),
                        teams=", ".join(review.team_ids.mapped("display_name")),
                    )
                )
            seen.add(key)

    @api.model
    def _pilot_scope_user(self):
        """The scope of a review created by the current user: the whole teams
        for the scheduled actions and for users who see every opportunity,
        else the user's own opportunities."""
        user = self.env.user
        if user._is_superuser() or user.has_group("sales_team.group_sale_salesman_all_leads"):
            return user.browse()
        return user

    @api.model_create_multi
    def create(self, vals_list):
        # The scope follows the creator (never chosen by the client); code
        # running as superuser may store the review of the whole teams.
        scope = self._pilot_scope_user()
        for vals in vals_list:
            if not (self.env.su and "scope_user_id" in vals):
                vals["scope_user_id"] = scope.id
        reviews = super().create(vals_list)
        reviews._compute_lines()
        return reviews

    def write(self, vals):
        # The scope is the application's: never typed (the author, the date
        # and the file are refused, see models/trust/base.py).
        if not is_trusted(self.env, "pilot_review_compute"):
            vals.pop("scope_user_id", None)
        result = super().write(vals)
        if {"date", "team_ids"} & set(vals):
            # Another week or other teams: the figures follow.
            self._compute_lines()
        return result

    def _pilot_scoped(self, model):
        """``model`` with the visibility of the review: the whole teams
        (superuser), or the opportunities of the salesperson of the scope."""
        self.ensure_one()
        if self.scope_user_id:
            return model.with_user(self.scope_user_id)
        return model.sudo()

    def _pilot_week_kpi_values(self, week_start, teams=None, live_pipeline=True, pipeline=None):
        """The seven KPIs of each of ``teams`` (default: the review's) for
        the week starting on ``week_start`` within the review's scope:
        ``{team id: values}``. The pipeline value of a past week is the one
        stored by the weekly snapshot taken when that week ended (the Monday
        after); without such a snapshot it is the current pipeline
        (``live_pipeline``) or unknown; ``pipeline`` ({team id: value}) is
        the current pipeline when already read (see
        ``crm.pipeline.report._pilot_pipeline_value_by``). The queries are grouped by
        team: their number depends neither on the teams nor on the
        opportunities."""
        self.ensure_one()
        teams = self.team_ids if teams is None else teams
        Report = self._pilot_scoped(self.env["crm.pipeline.report"])
        date_from = datetime.combine(week_start, time.min)
        values = Report._pilot_kpi_values_by(
            date_from,
            date_from + timedelta(days=7),
            [("team_id", "in", teams.ids)],
            groupby="team_id",
            keys=teams.ids,
            pipeline=pipeline,
        )
        Snapshot = self._pilot_scoped(self.env["crm.pipeline.snapshot"])
        if week_start < Snapshot._week_start(fields.Date.context_today(self)):
            snapshots = {
                team.id: (count, pipeline_value)
                for team, count, pipeline_value in Snapshot._read_group(
                    [("team_id", "in", teams.ids), ("date", "=", week_start + timedelta(days=7))],
                    ["team_id"],
                    ["__count", "expected_revenue:sum"],
                )
            }
            for team in teams:
                count, pipeline_value = snapshots.get(team.id, (0, 0.0))
                if count:
                    values[team.id]["pipeline_value"] = pipeline_value or 0.0
                elif not live_pipeline:
                    values[team.id]["pipeline_value"] = None
        return values

    def _compute_lines(self):
        """(Re)build the KPI lines of each team: the week's value, its target
        (each month's targets weighted by its days in the week), the gap, the
        status against the target (direction-aware) and the trend against the
        previous week. The values are kept per week for the trends
        (``crm.pipeline.kpi.value``)."""
        kpis = self.env["crm.pipeline.kpi"].search([("active", "=", True)])
        Target = self.env["crm.pipeline.target"]
        # The teams must be visible to the user (not of another company); the
        # figures come from the reports, within the review's scope.
        self.team_ids.check_access("read")
        # KPI lines are computed, never typed: users only read them.
        Line = self.env["crm.pipeline.review.line"].sudo()
        Value = self.env["crm.pipeline.kpi.value"].sudo()
        for review in self:
            review.line_ids.sudo().unlink()
            vals_list = []
            # The current pipeline, read once for both weeks.
            pipeline = review._pilot_scoped(
                self.env["crm.pipeline.report"]
            )._pilot_pipeline_value_by([("team_id", "in", review.team_ids.ids)], "team_id")
            values = review._pilot_week_kpi_values(review.week_start, pipeline=pipeline)
            previous = review._pilot_week_kpi_values(
                review.week_start - timedelta(days=7), pipeline=pipeline
            )
            for team in review.team_ids:
                targets = Target._get_week_target_values(
                    team, review.week_start, user=review.scope_user_id
                )
                for kpi in kpis:
                    vals_list.append(
                        review._line_values(
                            team,
                            kpi,
                            values[team.id].get(kpi.code),
                            targets[kpi.code],
                            previous[team.id].get(kpi.code),
                        )
                    )
            lines = Line.create(vals_list)
            Value._pilot_store_lines(lines)
        self.sudo().with_context(pilot_review_compute=TRUSTED).write(
            {"computed_by_id": self.env.uid, "computed_on": fields.Datetime.now()}
        )

    def _format_kpi_value(self, team, kpi, value):
        """A KPI value with its unit, in the user's language."""
        unit = KPI_BY_CODE[kpi.code].unit
        if unit == "currency":
            currency = (team.company_id or self.env.company).currency_id
            return formatLang(self.env, value, currency_obj=currency)
        text = formatLang(self.env, value, digits=1)
        if unit == "percent":
            return f"{text} %"
        return self.env._("%(value)s days", value=text)

    def _format_gap(self, team, kpi, gap):
        """A gap with its sign where the language and currency put the minus
        sign of a negative amount ("$ -80 900,00" → "$ +80 900,00")."""
        text = self._format_kpi_value(team, kpi, gap)
        if float_compare(gap, 0.0, precision_digits=2) > 0:
            text = re.sub(r"(\d)", r"+\1", text, count=1)
        return text

    def _line_values(self, team, kpi, current, target, previous=None):
        has_value = current is not None
        has_target = target is not None  # 0 is a target (0 % attrition)
        off_target = False
        if has_value and has_target:
            off_target = current < target if kpi.higher_is_better else current > target
        if not has_value:
            status = "no_value"
        elif not has_target:
            status = "no_target"
        else:
            status = "off_target" if off_target else "on_target"
        trend = False
        if has_value and previous is not None:
            change = float_compare(current, previous, precision_digits=2)
            trend = {1: "up", -1: "down", 0: "flat"}[change]
        gap = (current - target) if has_value and has_target else 0.0
        return {
            "review_id": self.id,
            "team_id": team.id,
            "kpi_id": kpi.id,
            "current": current or 0.0,
            "has_value": has_value,
            "target": target or 0.0,
            "has_target": has_target,
            "gap": gap,
            "off_target": off_target,
            "status": status,
            "unit": KPI_BY_CODE[kpi.code].unit,
            "previous": previous or 0.0,
            "trend": trend,
            "trend_good": bool(trend)
            and trend != "flat"
            and (trend == "up") == bool(kpi.higher_is_better),
        }

    @api.model
    def _pilot_get_or_create(self, day, teams, scope_user=None):
        """The review of the week of ``day`` for ``teams`` in the scope of
        ``scope_user`` (the current user's by default), computed: the stored
        one recomputed, or a new one. Never two for the same week and teams."""
        if scope_user is None:
            scope_user = self._pilot_scope_user()
        week = self.env["crm.pipeline.snapshot"]._week_start(day)
        review = self.sudo().search(
            [
                ("week_start", "=", week),
                ("review_key", "=", self._pilot_review_key(teams, scope_user)),
            ],
            limit=1,
        )
        if review:
            review = review.with_env(self.env)
            review._compute_lines()
            return review
        vals = {"date": day, "team_ids": [(6, 0, teams.ids)]}
        if self.env.su:
            vals["scope_user_id"] = scope_user.id
        return self.create(vals)

    @api.model
    def action_open_current_week(self):
        """The menu's entry: the review of the current week for the user's
        sales team (or every team they see), computed when it opens; the
        week's review is reopened, not duplicated."""
        teams = self.env.user.sale_team_id or self.env["crm.team"].search(
            [("company_id", "in", [False, *self.env.companies.ids])]
        )
        review = self._pilot_get_or_create(fields.Date.context_today(self), teams)
        return review._reopen()

    @api.model
    def _pilot_store_past_week(self, day=None):
        """The scheduled action's part: the review of the week before the
        week of ``day`` (today by default), one per active sales team, of the
        whole team. A review stored meanwhile by a concurrent run is left to
        it."""
        today = fields.Date.to_date(day or fields.Date.context_today(self))
        last_week = self.env["crm.pipeline.snapshot"]._week_start(today) - timedelta(days=7)
        Review = self.sudo()
        reviews = Review.browse()
        for team in self.env["crm.team"].sudo().search([("active", "=", True)], order="id"):
            try:
                with self.env.cr.savepoint():
                    reviews |= Review._pilot_get_or_create(last_week, team, self.env["res.users"])
            except (UniqueViolation, SerializationFailure):
                _logger.info(
                    "Weekly review of %s for team %s stored by a concurrent run", last_week, team.id
                )
        return reviews

    def action_refresh(self):
        # The lines are rebuilt as superuser: by whom may write the reviews.
        self.check_access("write")
        self._compute_lines()
        # Reloaded in place: no new breadcrumb.
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    def action_export_xlsx(self):
        self.ensure_one()
        content = self.env["report.crm_pipeline_pilot.review_xlsx"]._generate_xlsx(self)
        # The file is the application's (never typed): written as superuser,
        # for a user who may write the review.
        self.check_access("write")
        self.sudo().write(
            {
                "xlsx_file": base64.b64encode(content),
                "xlsx_filename": self.env._(
                    "weekly_review_%(week)s.xlsx", week=fields.Date.to_string(self.week_start)
                ),
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/xlsx_file/{self.xlsx_filename}"
            "?download=true",
            "target": "self",
        }

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }


class CrmPipelineReviewLine(models.Model):
    _name = "crm.pipeline.review.line"
    _description = "Weekly Review KPI"
    _order = "team_id, sequence, id"

    review_id = fields.Many2one(
        "crm.pipeline.review", required=True, ondelete="cascade", index=True
    )
    week_start = fields.Date(related="review_id.week_start", string="Week")
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    kpi_id = fields.Many2one("crm.pipeline.kpi", string="KPI", readonly=True)
    sequence = fields.Integer(related="kpi_id.sequence")
    current = fields.Float(string="Current Value", readonly=True, digits=(16, 2))
    has_value = fields.Boolean(readonly=True)
    target = fields.Float(string="Target Value", readonly=True, digits=(16, 2))
    has_target = fields.Boolean(readonly=True)
    gap = fields.Float(string="Gap Value", readonly=True, digits=(16, 2))
    off_target = fields.Boolean(readonly=True)
    status = fields.Selection(
        [
            ("on_target", "On target"),
            ("off_target", "Off target"),
            ("no_target", "No target"),
            ("no_value", "No data"),
        ],
        readonly=True,
    )
    unit = fields.Selection(
        [("currency", "Amount"), ("percent", "Percentage"), ("days", "Days")], readonly=True
    )
    # The texts are rendered when read, in the reader's language, whoever
    # computed the figures (the scheduled action, a user of another language).
    current_display = fields.Char(string="Current", compute="_compute_displays")
    target_display = fields.Char(string="Target", compute="_compute_displays")
    gap_display = fields.Char(string="Gap", compute="_compute_displays")
    previous = fields.Float(string="Previous Week", readonly=True, digits=(16, 2))
    trend = fields.Selection(
        [("up", "Up"), ("down", "Down"), ("flat", "Stable")],
        readonly=True,
        help="The value against the previous week.",
    )
    trend_good = fields.Boolean(
        readonly=True, help="The trend goes the right way for this KPI (direction-aware)."
    )
    action = fields.Text(
        string="Action When Off Target",
        compute="_compute_action",
        help="The action suggested for this KPI when it is off target, in the reader's language.",
    )

    @api.depends("current", "target", "gap", "has_value", "has_target", "team_id", "kpi_id")
    @api.depends_context("lang")
    def _compute_displays(self):
        for line in self:
            review = line.review_id
            format_value = review._format_kpi_value
            shown = line.has_value and line.kpi_id
            line.current_display = (
                format_value(line.team_id, line.kpi_id, line.current) if shown else False
            )
            line.target_display = (
                format_value(line.team_id, line.kpi_id, line.target)
                if line.has_target and line.kpi_id
                else False
            )
            line.gap_display = (
                review._format_gap(line.team_id, line.kpi_id, line.gap)
                if shown and line.has_target
                else False
            )

    @api.depends("off_target", "kpi_id.action")
    @api.depends_context("lang")
    def _compute_action(self):
        for line in self:
            line.action = line.kpi_id.action if line.off_target else False

    def action_open_trend(self):
        """The graph of this KPI for this team over the 12 weeks up to the
        review's week, with the target of each week (the weeks no review
        computed are computed now, in the review's scope)."""
        self.ensure_one()
        # The missing weeks are stored as superuser: readers of the line only.
        self.check_access("read")
        review = self.review_id
        Value = self.env["crm.pipeline.kpi.value"]
        first = review.week_start - timedelta(weeks=TREND_WEEKS - 1)
        Value._pilot_fill_weeks(review, self.team_id, first, review.week_start)
        scope = review.scope_user_id
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "%(kpi)s of %(team)s: %(weeks)s weeks to %(date)s",
                kpi=self.kpi_id.name,
                team=self.team_id.name,
                weeks=TREND_WEEKS,
                date=format_date(self.env, review.week_end),
            ),
            "res_model": Value._name,
            "view_mode": "graph,list",
            "views": [
                (self.env.ref("crm_pipeline_pilot.crm_pipeline_kpi_value_view_graph").id, "graph"),
                (self.env.ref("crm_pipeline_pilot.crm_pipeline_kpi_value_view_list").id, "list"),
            ],
            "domain": [
                ("team_id", "=", self.team_id.id),
                ("kpi_id", "=", self.kpi_id.id),
                ("scope_user_id", "=", scope.id),
                ("week", ">=", first),
                ("week", "<=", review.week_start),
            ],
            # One point per week (the Monday), not one per day between them.
            "context": {"create": False, "edit": False, "delete": False, "fill_temporal": False},
            "target": "current",
        }
