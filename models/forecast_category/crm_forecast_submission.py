# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Weekly forecast submissions: each week a salesperson commits to a figure
for the current month, prefilled from the forecast categories of their deals;
after the month, the submission is compared with the revenue actually won.
Its freezing and the trace of changes after a reopening are in
``crm_forecast_submission_freeze.py``, the prefill from the deals in
``crm_forecast_submission_prefill.py``, the won revenue and the accuracy in
``crm_forecast_submission_accuracy.py``."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..crm_lead import company_today
from ..fields import NullableFloat
from ..trust.base import AMOUNT_BOUNDS


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
