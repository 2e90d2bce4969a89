# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The synthesis of the opportunity sent to the organiser of a meeting linked
to it, before the meeting, at the time they chose (res_users.py), in their
language, in their inbox only. A scheduled job sends them: once per meeting
and start (a moved meeting gets a new one), batched, safe with several
workers (a meeting is claimed by one transaction before it is sent)."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .res_users import SYNTHESIS_HOURS_BOUNDS

# How many meetings one run of the job sends at most before it reports its
# progress (and runs again for the rest).
SYNTHESIS_BATCH = 100


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    pilot_synthesis_start = fields.Datetime(
        string="Synthesis Sent For",
        copy=False,
        readonly=True,
        pilot_maintained=True,
        help="The start of the meeting its synthesis was sent for: a meeting "
        "moved to another time gets a new one.",
    )

    @api.model
    def _pilot_synthesis_due(self, now):
        """The meetings whose synthesis is due at ``now``: linked to an
        opportunity, organised by a user, not started yet, within the hours
        their organiser chose, not sent for their current start."""
        events = (
            self.sudo()
            .with_context(active_test=True)
            .search(
                [
                    ("opportunity_id", "!=", False),
                    ("user_id", "!=", False),
                    ("start", ">", now),
                    ("start", "<=", now + timedelta(hours=SYNTHESIS_HOURS_BOUNDS[1])),
                ],
                order="start, id",
            )
        )
        low, high = SYNTHESIS_HOURS_BOUNDS

        def due(event):
            # Within the bounds even when a value was stored around them
            hours = min(max(event.user_id.pilot_synthesis_hours or 0, low), high)
            return (
                event.pilot_synthesis_start != event.start
                and hours > 0
                and event.start - timedelta(hours=hours) <= now
            )

        return events.filtered(due)

    def _pilot_synthesis_claim(self):
        """The meetings of self this transaction sends: marked sent for their
        start, skipping those another worker is sending."""
        if not self:
            return self.browse()
        self.env.cr.execute(
            SQL(
                """
                UPDATE calendar_event SET pilot_synthesis_start = start
                 WHERE id IN (
                    SELECT id FROM calendar_event
                     WHERE id = ANY(%s)
                       AND pilot_synthesis_start IS DISTINCT FROM start
                     ORDER BY id
                       FOR UPDATE SKIP LOCKED
                 )
             RETURNING id
                """,
                list(self.ids),
            )
        )
        claimed = self.browse(sorted(row[0] for row in self.env.cr.fetchall()))
        self.invalidate_recordset(["pilot_synthesis_start"])
        return claimed

    @api.model
    def _cron_pilot_meeting_syntheses(self, batch_size=SYNTHESIS_BATCH, now=None):
        """Send the syntheses due: at most ``batch_size`` per run, the rest
        reported as remaining (the job runs again for them)."""
        now = now or fields.Datetime.now()
        due = self._pilot_synthesis_due(now)
        claimed = due[:batch_size]._pilot_synthesis_claim()
        for event in claimed:
            event._pilot_synthesis_send(now)
        self.env["ir.cron"]._notify_progress(
            done=len(claimed), remaining=max(len(due) - len(claimed), 0)
        )
        return claimed

    def _pilot_synthesis_send(self, now):
        """Notify the organiser of the meeting, and them only, of the
        synthesis of its opportunity, in their language; nothing when they
        are not an internal user or cannot read the opportunity."""
        self.ensure_one()
        user = self.user_id
        lead = self.opportunity_id
        if not user.active or not user._is_internal() or not lead.active:
            return False
        context = {"lang": user.lang or "en_US", "tz": user.tz or "UTC"}
        lead_as_user = lead.with_user(user).with_context(**context)
        if not lead_as_user.has_access("read"):
            return False
        env = lead_as_user.env
        event = self.with_env(env).sudo()
        body = lead_as_user._pilot_synthesis_html(event=event, now=now)
        subject = env._(
            "Before your meeting %(meeting)s: %(opportunity)s",
            meeting=self.name,
            opportunity=lead.name,
        )
        return (
            lead.sudo()
            .with_context(**context)
            .message_notify(
                partner_ids=user.partner_id.ids,
                author_id=env["ir.model.data"]._xmlid_to_res_id("base.partner_root"),
                subject=subject,
                body=body,
                email_layout_xmlid="mail.mail_notification_light",
            )
        )
