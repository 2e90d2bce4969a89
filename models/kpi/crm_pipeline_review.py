# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
import logging
from datetime import timedelta

from psycopg2.errors import SerializationFailure, UniqueViolation

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, format_date

from ..crm_lead import is_trusted

_logger = logging.getLogger(__name__)


class CrmPipelineReview(models.Model):
    """The manager's weekly review: for a week and one or more teams, each KPI
    with its current value, target, gap and the suggested action when off
    target; exported to XLSX (one sheet per team). The figures are computed
    in ``crm_pipeline_review_figures.py``, the KPI lines (their texts and
    trends) are ``crm_pipeline_review_line.py``.

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
        sales teams (every team they lead or are a member of, one table per
        team; without any, every team they see), computed when it opens; the
        week's review is reopened, not duplicated."""
        teams = self._pilot_own_teams() or self.env["crm.team"].search(
            [("company_id", "in", [False, *self.env.companies.ids])]
        )
        review = self._pilot_get_or_create(fields.Date.context_today(self), teams)
        return review._reopen()

    @api.model
    def _pilot_own_teams(self):
        """The active teams of the user's companies the user leads or is a
        member of."""
        return self.env["crm.team"].search(
            [
                ("company_id", "in", [False, *self.env.companies.ids]),
                "|",
                ("user_id", "=", self.env.uid),
                ("member_ids", "in", [self.env.uid]),
            ],
            order="sequence, id",
        )

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
