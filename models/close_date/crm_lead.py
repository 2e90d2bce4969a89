# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Close-date discipline: the ledger of the expected closing dates, slip
reasons and pushed deals.

Definitions (docs/user_guide.md, "Expected closing dates"):
- a *change* is a write that gives an opportunity an expected closing date
  (``date_deadline``) different from the one it had; creating an opportunity
  is not a change;
- a change *pushes* the date when the new date is later than the old one, or
  when a date is removed;
- a push *out of the current month* moves a date that falls in the current
  month or earlier (overdue) to a date after the last day of the current
  month, or removes it. "Today" and so the current month are those of the
  opportunity's company (its time zone, whatever the caller sends). It
  requires an active slip reason, given in the same write as the new date;
- leads and opportunities alike: switching a deal to a lead does not leave
  the ledger.
"""

from contextlib import contextmanager

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL, format_date

from ..crm_lead import (
    COMPANY_TODAY_SQL,
    assign_values,
    cached_values,
    format_record_names,
    is_trusted,
)

# The context key with which trusted server code (superuser, with the value
# TRUSTED of models/crm_lead.py) changes dates without a slip reason.
SKIP_SLIP_REASON_KEY = "pilot_skip_slip_reason"


class SlipReasonRequired(UserError):
    """A push out of the current month without a slip reason: the write is
    refused. The web client receives ``context`` with the error: the
    opportunities of the refused write and the new date, with which it asks
    for the slip reason (the dialog of ``crm.lead.slip``,
    static/src/errors/slip_reason_error_handler.js) and writes again."""

    def __init__(self, message, leads=None, date_deadline=False):
        super().__init__(message)
        self.context = {
            "pilot_slip_reason": {
                "lead_ids": leads.ids if leads else [],
                "date_deadline": fields.Date.to_string(date_deadline) if date_deadline else False,
            }
        }


class CrmLead(models.Model):
    _inherit = "crm.lead"

    slip_reason_id = fields.Many2one(
        "crm.slip.reason",
        compute="_compute_slip_reason_id",
        inverse="_inverse_slip_reason_id",
        help="Why the expected closing date is pushed out of the current month: "
        "required when the new date is after the end of this month while the "
        "previous one was in this month or earlier. Give it together with the "
        "new date; it is kept in the history of the expected closing dates, "
        "not on the opportunity.",
    )
    close_date_push_count = fields.Integer(
        pilot_maintained=True,
        string="Close Date Pushes",
        readonly=True,
        copy=False,
        help="How many times the expected closing date was pushed later (or removed).",
    )
    close_date_push_alert = fields.Boolean(
        string="Pushed Repeatedly",
        compute="_compute_close_date_push_alert",
        search="_search_close_date_push_alert",
        help="The expected closing date was pushed at least the number of times "
        "set in the settings (3 by default).",
    )

    def _compute_slip_reason_id(self):
        # A transient input: never stored on the opportunity.
        self.slip_reason_id = False

    def _inverse_slip_reason_id(self):
        """Nothing to store: ``write`` hands the reason to the ledger."""

    @api.depends("close_date_push_count", "company_id")
    def _compute_close_date_push_alert(self):
        default = self.env.company.pilot_push_alert_count
        Company = self.env["res.company"]
        thresholds = {False: default}
        alerts = []
        for company_id, count in zip(
            self._pilot_many2one_ids("company_id"),
            cached_values(self, "close_date_push_count"),
            strict=True,
        ):
            if company_id not in thresholds:
                thresholds[company_id] = (
                    Company.browse(company_id).pilot_push_alert_count or default
                )
            alerts.append((count or 0) >= thresholds[company_id])
        # On every card: set for all the leads at once.
        assign_values(self, "close_date_push_alert", alerts)

    def _search_close_date_push_alert(self, operator, value):
        if operator not in ("=", "!="):
            return NotImplemented
        # Each company's threshold for its leads (the companies the user works
        # in), the current company's for the leads without a company.
        alert = expression.OR(
            [
                [
                    ("company_id", "=", False),
                    ("close_date_push_count", ">=", self.env.company.pilot_push_alert_count),
                ]
            ]
            + [
                [
                    ("company_id", "=", company.id),
                    ("close_date_push_count", ">=", company.pilot_push_alert_count),
                ]
                for company in self.env.companies
            ]
        )
        positive = (operator == "=") == bool(value)
        return alert if positive else ["!", *alert]

    # ------------------------------------------------------------------
    # Write steps (see models/crm_lead.py)
    # ------------------------------------------------------------------

    def _pilot_write_vals(self, vals, state):
        vals, state["slip_reason_id"] = self._pilot_slip_reason_vals(
            super()._pilot_write_vals(vals, state)
        )
        return vals

    @contextmanager
    def _pilot_writing(self, vals, state):
        with super()._pilot_writing(vals, state):
            # Ledger rows from the dates before the write; a push out of the
            # current month without a slip reason is refused.
            self._pilot_record_close_date_changes(vals, state["slip_reason_id"])
            yield

    def _pilot_slip_reason_vals(self, vals):
        """Write step: take the slip reason, a transient input, out of
        ``vals``. Returns (vals, slip reason id or False)."""
        if "slip_reason_id" not in vals:
            return vals, False
        vals = dict(vals)
        return vals, vals.pop("slip_reason_id") or False

    def _pilot_fields_changed_by_write(self, vals):
        # The pushes are counted by SQL before the write (see
        # _pilot_record_close_date_changes): the exit criteria gate must know it.
        changed = super()._pilot_fields_changed_by_write(vals)
        if "date_deadline" in vals:
            changed.add("close_date_push_count")
        return changed

    def _pilot_record_close_date_changes(self, vals, slip_reason_id=False):
        """Before the write: record the changes of the expected closing date
        given by ``vals`` in the ledger, count the pushes, and refuse, with
        nothing recorded, a push out of the current month without a slip
        reason. Set-based: one statement for all the leads of the write."""
        if "date_deadline" not in vals:
            return
        if slip_reason_id:
            reason = self.env["crm.slip.reason"].sudo().browse(slip_reason_id).exists()
            if not reason.active:
                raise UserError(
                    self.env._(
                        "The slip reason %(reason)s is archived or deleted: choose an active one.",
                        reason=reason.display_name or slip_reason_id,
                    )
                )
        leads = self.filtered("id")
        if not leads:
            return
        leads.flush_recordset(["date_deadline", "type", "user_id", "team_id", "company_id"])
        Change = self.env["crm.lead.close.date.change"].sudo()
        Change.flush_model()
        # "Today" in the time zone of each lead's company (company_tz), read in
        # the statement itself: no query for the time zone. Leads and deals of
        # either type: a switch to a lead and back does not skip the ledger.
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """
                WITH reason AS (
                    SELECT id FROM crm_slip_reason WHERE id = %(reason)s AND active
                ), allowed AS (
                    SELECT %(trusted)s OR EXISTS (SELECT 1 FROM reason) AS ok
                ), cand AS (
                    SELECT l.id AS lead_id,
                           l.date_deadline AS date_old,
                           %(new)s::date AS date_new,
                           CASE WHEN %(set_user)s THEN %(user)s::int4 ELSE l.user_id END
                               AS user_id,
                           CASE WHEN %(set_team)s THEN %(team)s::int4 ELSE l.team_id END
                               AS team_id,
                           l.company_id AS company_id,
                           (l.date_deadline IS NOT NULL
                            AND (%(new)s::date IS NULL OR %(new)s::date > l.date_deadline))
                               AS pushed,
                           (l.date_deadline IS NOT NULL
                            AND l.date_deadline <= b.month_end
                            AND (%(new)s::date IS NULL OR %(new)s::date > b.month_end))
                               AS out_of_month,
                           b.month_end
                      FROM crm_lead l
                CROSS JOIN LATERAL (
                           SELECT (date_trunc('month', %(today)s) + INTERVAL '1 month'
                                   - INTERVAL '1 day')::date AS month_end) b
                     WHERE l.id = ANY(%(ids)s)
                       AND l.date_deadline IS DISTINCT FROM %(new)s::date
                ), ins AS (
                    INSERT INTO crm_lead_close_date_change
                           (lead_id, date_old, date_new, pushed, days_moved, slip_reason_id,
                            date_changed, changed_by_id, user_id, team_id, company_id,
                            create_uid, create_date, write_uid, write_date)
                    SELECT c.lead_id, c.date_old, c.date_new, c.pushed,
                           c.date_new - c.date_old, (SELECT id FROM reason),
                           %(now)s, %(uid)s, c.user_id, c.team_id, c.company_id,
                           %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM cand c
                     WHERE (SELECT ok FROM allowed)
                        OR NOT EXISTS (SELECT 1 FROM cand WHERE out_of_month)
                     ORDER BY c.lead_id
                    RETURNING lead_id, pushed
                ), counted AS (
                    UPDATE crm_lead l
                       SET close_date_push_count = COALESCE(l.close_date_push_count, 0) + 1
                      FROM ins
                     WHERE ins.pushed AND l.id = ins.lead_id
                    RETURNING l.id
                )
                SELECT c.lead_id, c.month_end FROM cand c
                 WHERE c.out_of_month AND NOT (SELECT ok FROM allowed)
                """,
                reason=slip_reason_id or None,
                trusted=is_trusted(self.env, SKIP_SLIP_REASON_KEY),
                new=fields.Date.to_date(vals["date_deadline"]) or None,
                set_user="user_id" in vals,
                user=vals.get("user_id") or None,
                set_team="team_id" in vals,
                team=vals.get("team_id") or None,
                today=SQL(COMPANY_TODAY_SQL.format(lead="l"), now=now, company=self.env.company.id),
                ids=leads.ids,
                now=now,
                uid=self.env.uid,
            )
        )
        rows = self.env.cr.fetchall()
        if rows:
            refused = [lead_id for lead_id, _month_end in rows]
            month_end = rows[0][1]
            raise SlipReasonRequired(
                self.env._(
                    "The expected closing date of these opportunities is pushed out of "
                    "the current month (after %(month_end)s): choose a slip reason with "
                    "the new date. %(leads)s",
                    month_end=format_date(self.env, month_end),
                    leads=format_record_names(self.browse(refused)),
                ),
                leads=leads,
                date_deadline=fields.Date.to_date(vals["date_deadline"]),
            )
        Change.invalidate_model()
        leads.invalidate_recordset(["close_date_push_count", "close_date_push_alert"])

    # ------------------------------------------------------------------
    # Merge: the history of the expected closing dates follows the deal
    # ------------------------------------------------------------------

    def _merge_dependences(self, opportunities):
        """Merging deals keeps their ledger rows and their pushes on the
        surviving deal (self), instead of deleting them with the others."""
        result = super()._merge_dependences(opportunities)
        others = opportunities - self
        if others:
            self.env.flush_all()
            self.env.cr.execute(
                SQL(
                    "UPDATE crm_lead_close_date_change SET lead_id = %s WHERE lead_id = ANY(%s)",
                    self.id,
                    others.ids,
                )
            )
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE crm_lead SET close_date_push_count = COALESCE(close_date_push_count, 0)
                           + (SELECT COALESCE(SUM(close_date_push_count), 0)
                                FROM crm_lead WHERE id = ANY(%s))
                     WHERE id = %s
                    """,
                    others.ids,
                    self.id,
                )
            )
            self.env["crm.lead.close.date.change"].invalidate_model(["lead_id"])
            self.invalidate_recordset(["close_date_push_count", "close_date_push_alert"])
        return result
