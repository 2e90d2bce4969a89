# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Weekly forecast submissions: each week a salesperson commits to a figure
for the current month, prefilled from the forecast categories of their deals;
after the month, the submission is compared with the revenue actually won."""

from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_is_zero, format_date

from ..crm_lead import company_today
from ..fields import NullableFloat
from ..trust.base import AMOUNT_BOUNDS

# Fields filled from the deals (prefill), then from the won revenue (actuals).
DEAL_AMOUNT_FIELDS = (
    "pipeline_amount",
    "best_case_deals_amount",
    "commit_deals_amount",
    "closed_amount",
    "weighted_amount",
    "projected_amount",
)
# What a salesperson can no longer change once the forecast is submitted.
SUBMITTED_FIELDS = ("commit_amount", "best_case_amount", "month", "week", "user_id", "team_id")


def forecast_accuracy(submitted, won):
    """The accuracy of a forecast: 100 - |submitted - won| / won x 100,
    bounded at 0. With nothing won, a forecast of 0 is exact (100) and any
    other is wrong (0)."""
    if float_is_zero(won, precision_digits=2):
        return 100.0 if float_is_zero(submitted, precision_digits=2) else 0.0
    return max(0.0, 100.0 - abs(submitted - won) / abs(won) * 100.0)


def month_start(day):
    return day.replace(day=1)


def week_start(day):
    return day - timedelta(days=day.weekday())


class CrmForecastSubmission(models.Model):
    _name = "crm.forecast.submission"
    _description = "Forecast Submission"
    _order = "month desc, week desc, team_id, user_id"

    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        required=True,
        index=True,
        default=lambda self: self.env.user,
        ondelete="cascade",
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        required=True,
        index=True,
        default=lambda self: self.env.user.sale_team_id,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    month = fields.Date(
        required=True,
        default=lambda self: month_start(company_today(self.env.company)),
        help="The month forecast (its first day).",
    )
    week = fields.Date(
        required=True,
        default=lambda self: week_start(company_today(self.env.company)),
        help="The week of the submission (its Monday).",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("submitted", "Submitted")], default="draft", required=True
    )
    # The amounts of the submissions add neither across weeks (each week
    # forecasts the same month again), nor months, nor teams' currencies:
    # no aggregate in lists and groupings.
    commit_amount = fields.Monetary(
        pilot_bounds=AMOUNT_BOUNDS,
        string="Commit",
        currency_field="currency_id",
        aggregator=None,
        help="The revenue the salesperson commits to win this month. Prefilled with "
        "the deals in Commit and the deals closed this month.",
    )
    best_case_amount = fields.Monetary(
        pilot_bounds=AMOUNT_BOUNDS,
        string="Best Case",
        currency_field="currency_id",
        aggregator=None,
        help="The revenue won this month if the Best case deals close too. Prefilled "
        "with the commit and the deals in Best case.",
    )
    comment = fields.Text()
    # The deals of the month when the forecast was prefilled
    pipeline_amount = fields.Monetary(
        pilot_maintained=True,
        string="Pipeline Deals",
        currency_field="currency_id",
        readonly=True,
        aggregator=None,
    )
    best_case_deals_amount = fields.Monetary(
        pilot_maintained=True,
        string="Best Case Deals",
        currency_field="currency_id",
        readonly=True,
        aggregator=None,
    )
    commit_deals_amount = fields.Monetary(
        pilot_maintained=True,
        string="Commit Deals",
        currency_field="currency_id",
        readonly=True,
        aggregator=None,
    )
    closed_amount = fields.Monetary(
        pilot_maintained=True,
        string="Closed Deals",
        currency_field="currency_id",
        readonly=True,
        aggregator=None,
    )
    weighted_amount = fields.Monetary(
        pilot_maintained=True,
        string="Weighted Revenue",
        currency_field="currency_id",
        aggregator=None,
        readonly=True,
        help="Prorated revenue of the open deals of the month (Pipeline Forecast).",
    )
    projected_amount = fields.Monetary(
        pilot_maintained=True,
        string="History-based Projection",
        currency_field="currency_id",
        aggregator=None,
        readonly=True,
        help="Expected revenue x historical win rate of the stage, for the open deals "
        "of the month (Pipeline Forecast).",
    )
    is_team_leader = fields.Boolean(compute="_compute_is_team_leader")
    team_adjusted_amount = fields.Monetary(
        pilot_bounds=AMOUNT_BOUNDS,
        string="Adjusted Team Forecast",
        currency_field="currency_id",
        aggregator=None,
        help="On the team leader's own submission: the figure the leader forecasts "
        "for the whole team this month, after reviewing the team's submissions.",
    )
    # After the month
    won_amount = fields.Monetary(
        pilot_maintained=True,
        string="Won Revenue",
        currency_field="currency_id",
        aggregator=None,
        readonly=True,
        help="Revenue of the salesperson's opportunities won in the month.",
    )
    accuracy = NullableFloat(
        string="Accuracy (%)",
        compute="_compute_accuracy",
        store=True,
        aggregator="avg",
        digits=(16, 1),
        help="Once the month is over: 100 - |commit - won| / won x 100, at least 0 "
        "(with nothing won: 100 for a commit of 0, otherwise 0).",
    )
    month_closed = fields.Boolean(
        pilot_maintained=True,
        string="Month Over",
        readonly=True,
        help="The month is over: the won revenue and the accuracy are final.",
    )
    reopened = fields.Boolean(
        pilot_maintained=True,
        readonly=True,
        copy=False,
        help="A sales manager reopened the submitted forecast: every change since is "
        "traced in its changes.",
    )
    change_ids = fields.One2many(
        "crm.forecast.submission.change",
        "submission_id",
        string="Changes After Reopening",
        readonly=True,
        copy=False,
    )

    _sql_constraints = [
        (
            "user_team_week_unique",
            "UNIQUE(user_id, team_id, month, week)",
            "A salesperson submits one forecast per sales team, month and week.",
        ),
    ]

    @api.depends("user_id", "month", "week")
    def _compute_display_name(self):
        for submission in self:
            submission.display_name = self.env._(
                "%(user)s, week of %(week)s",
                user=submission.user_id.name or "",
                week=format_date(self.env, submission.week) if submission.week else "",
            )

    @api.depends("user_id", "team_id.user_id")
    def _compute_is_team_leader(self):
        for submission in self:
            submission.is_team_leader = bool(submission.user_id) and (
                submission.user_id == submission.team_id.user_id
            )

    @api.depends("commit_amount", "won_amount", "month_closed")
    def _compute_accuracy(self):
        for submission in self:
            submission.accuracy = (
                forecast_accuracy(submission.commit_amount, submission.won_amount)
                if submission.month_closed
                else False
            )

    # ------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            for fname, start in (("month", month_start), ("week", week_start)):
                if vals.get(fname):
                    vals[fname] = start(fields.Date.to_date(vals[fname]))
        submissions = super().create(vals_list)
        submissions._check_team_adjusted_amount()
        submissions._pilot_check_period()
        submissions._pilot_check_team()
        # Amounts given at creation are kept; the others are prefilled (the
        # form shows them prefilled before saving: _onchange_prefill_amounts).
        prefill = self.browse(
            submission.id
            for submission, vals in zip(submissions, vals_list, strict=True)
            if not vals.keys() & {"commit_amount", "best_case_amount"}
        )
        submissions._pilot_fill_deal_amounts(prefill_forecast=prefill)
        return submissions

    def write(self, vals):
        self._check_write(vals)
        for fname, start in (("month", month_start), ("week", week_start)):
            if vals.get(fname):
                vals[fname] = start(fields.Date.to_date(vals[fname]))
        traced = self._pilot_traced_values(vals)
        result = super().write(vals)
        if "team_adjusted_amount" in vals or "user_id" in vals or "team_id" in vals:
            self._check_team_adjusted_amount()
        if vals.keys() & {"user_id", "team_id", "company_id"}:
            self._pilot_check_team()
        if traced:
            self._pilot_trace_changes(traced)
        return result

    @api.onchange("user_id", "team_id", "company_id", "month")
    def _onchange_prefill_amounts(self):
        """A new forecast shows the figures of its deals at once: the
        salesperson sees (and may change) the prefilled commit and best case
        before saving."""
        for submission in self:
            if submission._origin or submission.state != "draft":
                continue
            if not (submission.user_id and submission.team_id and submission.month):
                continue
            submission.update(submission._pilot_prefill_values())

    @api.ondelete(at_uninstall=False)
    def _unlink_except_submitted(self):
        if not self._is_manager() and any(s.state == "submitted" for s in self):
            raise UserError(self.env._("A submitted forecast cannot be deleted."))

    def _is_manager(self):
        return self.env.su or self.env.user.has_group("sales_team.group_sale_manager")

    def _check_write(self, vals):
        """A submitted forecast is frozen: nobody changes any of its fields
        (the team leader's adjusted figure included) until a sales manager
        reopens it. The period is the one of the creation. Only sales managers
        give a submission to someone else."""
        if self.env.su:
            return
        # Who may not write the records learns nothing more of them.
        self.check_access("write")
        manager = self._is_manager()
        if not manager and vals.keys() & {"user_id", "team_id", "company_id"}:
            raise AccessError(
                self.env._("Only sales managers can move a forecast to another salesperson.")
            )
        submitted = self.filtered(lambda s: s.state == "submitted")
        if submitted and not (vals.keys() == {"state"} and vals["state"] in ("draft", "submitted")):
            raise UserError(
                self.env._(
                    "This forecast is submitted: nothing can change until a sales manager "
                    "reopens it."
                )
            )
        for fname, start in (("month", month_start), ("week", week_start)):
            if fname in vals and any(
                not vals[fname] or s[fname] != start(fields.Date.to_date(vals[fname])) for s in self
            ):
                raise UserError(
                    self.env._(
                        "The month and the week of a forecast are those of the day it is "
                        "created: they cannot change."
                    )
                )
        if manager:
            return
        if vals.keys() & set(SUBMITTED_FIELDS) and any(s.state == "submitted" for s in self):
            raise UserError(
                self.env._(
                    "This forecast is submitted: its amounts and dates can no longer change."
                )
            )
        if vals.get("state") == "draft" and any(s.state == "submitted" for s in self):
            raise UserError(self.env._("Only sales managers can reopen a submitted forecast."))

    def _pilot_check_period(self):
        """A forecast is made for the current month and week (of its company):
        no submission backdated to a past period, nor made ahead."""
        if self.env.su:
            return
        for submission in self:
            today = company_today(submission.company_id)
            if (submission.month, submission.week) != (month_start(today), week_start(today)):
                raise UserError(
                    self.env._(
                        "A forecast is submitted for the current month and week only "
                        "(the week of %(week)s).",
                        week=format_date(self.env, week_start(today)),
                    )
                )

    def _pilot_check_team(self):
        """A forecast is submitted for a sales team its salesperson belongs to
        or leads, in the company of that team."""
        if self.env.su:
            return
        for submission in self.sudo():
            team = submission.team_id
            if submission.user_id not in team.member_ids | team.user_id:
                raise UserError(
                    self.env._(
                        "%(user)s is neither a member nor the leader of the sales team "
                        "%(team)s: a forecast is submitted for one's own teams only.",
                        user=submission.user_id.name,
                        team=team.name,
                    )
                )
            if submission.company_id not in submission.user_id.company_ids:
                raise UserError(
                    self.env._(
                        "%(user)s does not work for the company %(company)s: a forecast is "
                        "submitted in one of the salesperson's companies.",
                        user=submission.user_id.name,
                        company=submission.company_id.name,
                    )
                )
            if team.company_id and submission.company_id != team.company_id:
                raise UserError(
                    self.env._(
                        "A forecast of the sales team %(team)s belongs to its company %(company)s.",
                        team=team.name,
                        company=team.company_id.name,
                    )
                )

    def _pilot_traced_values(self, vals):
        """Before a write: {submission: {field: value before}} of the fields of
        ``vals`` on the submissions that are reopened (or being reopened), so
        that each change after a reopening is traced."""
        traced = {}
        reopening = vals.get("state") == "draft"
        for submission in self:
            if submission.reopened or (reopening and submission.state == "submitted"):
                traced[submission] = {
                    fname: submission._pilot_display_value(fname)
                    for fname in vals
                    if fname in self._fields
                    and fname not in ("won_amount", "month_closed")
                    and fname not in ("accuracy", "reopened", "change_ids")
                }
        return traced

    def _pilot_display_value(self, fname):
        value = self[fname]
        field = self._fields[fname]
        if field.type == "many2one":
            return value.display_name or ""
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(value, value or "")
        if field.type == "date":
            return format_date(self.env, value) if value else ""
        if field.type == "monetary":
            return f"{value or 0.0:.2f}"
        return "" if value is False else str(value)

    def _pilot_trace_changes(self, traced):
        """After a write: one change row per field whose value changed, with
        who made it and when (written by the application only)."""
        rows = []
        for submission, before in traced.items():
            for fname, old in before.items():
                new = submission._pilot_display_value(fname)
                if new != old:
                    rows.append(
                        {
                            "submission_id": submission.id,
                            "field_name": fname,
                            "old_value": old,
                            "new_value": new,
                            "changed_by_id": self.env.uid,
                        }
                    )
        reopened = self.browse(s.id for s in traced if not s.reopened and s.state == "draft")
        if reopened:
            reopened.sudo().write({"reopened": True})
        if rows:
            self.env["crm.forecast.submission.change"].sudo().create(rows)

    def _check_team_adjusted_amount(self):
        if any(s.team_adjusted_amount and not s.is_team_leader for s in self):
            raise UserError(
                self.env._(
                    "The adjusted team forecast is recorded on the submission of the "
                    "team leader only."
                )
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_submit(self):
        self.filtered(lambda s: s.state == "draft").write({"state": "submitted"})
        # True, not None: the buttons are called over XML-RPC too.
        return True

    def action_refresh_amounts(self):
        """Prefill the draft forecasts again from the deals as they are now:
        only by whom may write them (the amounts are stored as superuser)."""
        self.check_access("write")
        drafts = self.filtered(lambda s: s.state == "draft")
        drafts._pilot_fill_deal_amounts(prefill_forecast=drafts)
        # True, not None: the buttons are called over XML-RPC too.
        return True

    def action_reset_to_draft(self):
        if not self._is_manager():
            raise UserError(self.env._("Only sales managers can reopen a submitted forecast."))
        self.write({"state": "draft"})
        # True, not None: the buttons are called over XML-RPC too.
        return True

    # ------------------------------------------------------------------
    # Business: amounts from the deals, actuals after the month
    # ------------------------------------------------------------------

    def _month_bounds(self):
        """(first day, first day of the next month) of the submission's month."""
        return self.month, self.month + relativedelta(months=1)

    def _pilot_deal_amounts(self):
        """The amounts of the submission's deals this month, by category: the
        open opportunities of the salesperson (same company) expected to close
        in the month, and those won in the month (the add-on's one definition
        of won: active and in a won stage)."""
        self.ensure_one()
        date_from, date_to = self._month_bounds()
        # A deal counts once, in its own team: the salesperson's deals of the
        # submission's team only.
        base = [
            ("type", "=", "opportunity"),
            ("user_id", "=", self.user_id.id),
            ("team_id", "=", self.team_id.id),
            ("company_id", "in", [self.company_id.id, False]),
        ]
        # Read as the application: the figures are the salesperson's own deals.
        Lead = self.env["crm.lead"].sudo()
        by_category = dict(
            Lead._read_group(
                [
                    *base,
                    ("active", "=", True),
                    ("stage_id.is_won", "=", False),
                    ("date_deadline", ">=", date_from),
                    ("date_deadline", "<", date_to),
                ],
                groupby=["forecast_category"],
                aggregates=["expected_revenue:sum"],
            )
        )
        closed = self._pilot_won_revenue(
            self.user_id, self.company_id, date_from, date_to, team=self.team_id
        )
        [(weighted, projected)] = (
            self.env["crm.pipeline.forecast"]
            .sudo()
            ._read_group(
                [
                    ("user_id", "=", self.user_id.id),
                    ("team_id", "=", self.team_id.id),
                    ("company_id", "in", [self.company_id.id, False]),
                    ("date_deadline", ">=", date_from),
                    ("date_deadline", "<", date_to),
                ],
                aggregates=["prorated_revenue:sum", "projected_revenue:sum"],
            )
        )
        return {
            "pipeline_amount": by_category.get("pipeline", 0.0),
            "best_case_deals_amount": by_category.get("best_case", 0.0),
            "commit_deals_amount": by_category.get("commit", 0.0),
            "closed_amount": closed,
            "weighted_amount": weighted or 0.0,
            "projected_amount": projected or 0.0,
        }

    @api.model
    def _pilot_won_domain(self, date_from, date_to):
        """Opportunities won (active, in a won stage) in [date_from, date_to)."""
        return [
            ("type", "=", "opportunity"),
            ("active", "=", True),
            ("stage_id.is_won", "=", True),
            ("date_closed", ">=", datetime.combine(date_from, time.min)),
            ("date_closed", "<", datetime.combine(date_to, time.min)),
        ]

    @api.model
    def _pilot_won_revenue(self, user, company, date_from, date_to, team=None):
        """The revenue ``user`` won in [date_from, date_to) in ``company``
        (and in ``team`` when given: a deal counts in its own team only)."""
        team_domain = [("team_id", "=", team.id)] if team is not None else []
        [(total,)] = (
            self.env["crm.lead"]
            .sudo()
            ._read_group(
                [
                    *self._pilot_won_domain(date_from, date_to),
                    ("user_id", "=", user.id),
                    *team_domain,
                    ("company_id", "in", [company.id, False]),
                ],
                aggregates=["expected_revenue:sum"],
            )
        )
        return total or 0.0

    def _pilot_fill_deal_amounts(self, prefill_forecast=None):
        """Store the amounts of the deals; for ``prefill_forecast``, also the
        commit (Commit + Closed this month) and best case (commit + Best case)."""
        for submission in self:
            if prefill_forecast is not None and submission in prefill_forecast:
                vals = submission._pilot_prefill_values()
            else:
                vals = submission._pilot_deal_amounts()
            submission.sudo().write(vals)

    def _pilot_prefill_values(self):
        """The deals' amounts and the forecast they suggest: the commit
        (Commit + Closed this month) and the best case (commit + Best case)."""
        self.ensure_one()
        vals = self._pilot_deal_amounts()
        commit = vals["commit_deals_amount"] + vals["closed_amount"]
        vals["commit_amount"] = commit
        vals["best_case_amount"] = commit + vals["best_case_deals_amount"]
        return vals

    def _pilot_update_actuals(self, today=None):
        """Won revenue of each submission's month and, once the month is over,
        the final figures (won revenue and accuracy). One query for all the
        submissions of a month."""
        today = today or fields.Date.context_today(self)
        by_month = {}
        for submission in self.filtered(lambda s: not s.month_closed):
            by_month.setdefault(submission.month, self.browse())
            by_month[submission.month] |= submission
        Lead = self.env["crm.lead"].sudo()
        for month, submissions in by_month.items():
            date_to = month + relativedelta(months=1)
            won = {
                (user.id, team.id, company.id): amount
                for user, team, company, amount in Lead._read_group(
                    [
                        *self._pilot_won_domain(month, date_to),
                        ("user_id", "in", submissions.user_id.ids),
                        ("team_id", "in", submissions.team_id.ids),
                    ],
                    groupby=["user_id", "team_id", "company_id"],
                    aggregates=["expected_revenue:sum"],
                )
            }
            over = date_to <= today
            for submission in submissions:
                # A deal counts in its own team only.
                key = (submission.user_id.id, submission.team_id.id)
                amount = won.get((*key, submission.company_id.id), 0.0) + won.get(
                    (*key, False), 0.0
                )
                submission.sudo().write({"won_amount": amount, "month_closed": over})

    @api.model
    def _cron_forecast_actuals(self):
        """Daily: the won revenue of the submissions whose month is not final
        yet (the current month, and the months that just ended)."""
        today = fields.Date.context_today(self)
        self.search([("month_closed", "=", False), ("month", "<=", today)])._pilot_update_actuals(
            today
        )
