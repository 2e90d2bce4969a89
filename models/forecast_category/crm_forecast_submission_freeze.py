# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A submitted forecast is frozen: its checks (period, team, who writes
what) and, after a sales manager reopens it, the trace of every change."""

from odoo import fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

from ..crm_lead import company_today
from .crm_forecast_submission import month_start, week_start

# What a salesperson can no longer change once the forecast is submitted.
SUBMITTED_FIELDS = ("commit_amount", "best_case_amount", "month", "week", "user_id", "team_id")


class CrmForecastSubmission(models.Model):
    _inherit = "crm.forecast.submission"

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
