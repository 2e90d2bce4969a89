# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The pre-meeting synthesis of an opportunity: one screen, as of a given
time, in the reader's language: who is who, the facts accepted and suggested
(read in the exchanges, crm.lead.evidence), what is still unknown, the
objections and competitors heard, the key sentences of the last exchanges,
the open activities and the risks. Sent before a meeting (calendar_event.py)
and shown in the deal briefing."""

from odoo import fields, models

from . import summary

# How much one screen shows: facts per kind, objections, competitors, key
# sentences (and per exchange), exchanges read, open activities.
FACTS_PER_KIND = 5
OBJECTIONS = 5
COMPETITORS = 5
KEY_SENTENCES = 5
SENTENCES_PER_EXCHANGE = 2
EXCHANGES = 5
ACTIVITIES = 8
# The kinds of evidence shown as facts, in this order.
FACT_KINDS = ("budget", "authority", "timing", "next_step")
# How many recent messages are read to find EXCHANGES that are the author's own
# words (auto-replies and empty ones skipped).
MESSAGES_READ = 20


class CrmLead(models.Model):
    _inherit = "crm.lead"

    def _pilot_synthesis_html(self, event=None, now=None):
        """The synthesis of the opportunity rendered as HTML, in the user's
        language (see _pilot_synthesis_values)."""
        self.ensure_one()
        return (
            self.env["ir.qweb"]
            .with_context(minimal_qcontext=True)
            ._render(
                "crm_pipeline_pilot.deal_synthesis_content",
                {"synthesis": self._pilot_synthesis_values(event=event, now=now)},
            )
        )

    def _pilot_synthesis_values(self, event=None, now=None, briefing=False):
        """What the synthesis shows, as of ``now`` (default: now), formatted
        in the user's language; ``event``: the meeting it prepares (its
        attendees are among the contacts). Read with the user's rights: the
        evidence of the deals they read, the messages and activities of the
        deals they read (mail's rules). ``briefing``: compact, for the deal
        briefing: without what the page shows already (the customer, our side,
        the missing dimensions, the open activities and the risks) nor empty
        sections."""
        self.ensure_one()
        now = now or fields.Datetime.now()
        today = fields.Date.context_today(self, now)
        evidence = self.evidence_ids.filtered(
            lambda row: (
                row.state != "rejected" and (not row.message_date or row.message_date <= now)
            )
        ).sorted(
            lambda row: (row.state != "accepted", -(row.message_date or now).timestamp(), -row.id)
        )
        values = {
            "name": self.name,
            "meeting": self._pilot_synthesis_meeting(event),
            "customer": self.partner_id.commercial_partner_id.display_name
            or self.partner_name
            or "—",
            "contacts": self._pilot_synthesis_contacts(event, evidence),
            "ours": self._pilot_synthesis_ours(event),
            "facts": [
                self._pilot_synthesis_evidence(row)
                for kind in FACT_KINDS
                for row in evidence.filtered(lambda row, kind=kind: row.kind == kind)[
                    :FACTS_PER_KIND
                ]
            ],
            "unknown": self._pilot_synthesis_unknown(),
            "objections": [
                self._pilot_synthesis_evidence(row)
                for row in evidence.filtered(lambda row: row.kind == "objection")[:OBJECTIONS]
            ],
            "competitors": [
                self._pilot_synthesis_evidence(row)
                for row in evidence.filtered(lambda row: row.kind == "competitor")[:COMPETITORS]
            ],
            "exchanges": self._pilot_synthesis_exchanges(now),
            "compact": briefing,
            "activities": None if briefing else self._pilot_synthesis_activities(today),
            "risks": None if briefing else self._pilot_synthesis_risks(),
        }
        return values

    def _pilot_synthesis_meeting(self, event):
        if not event:
            return None
        env = self.env
        return env._(
            "Meeting %(meeting)s on %(start)s, about %(opportunity)s.",
            meeting=event.name,
            start=summary.format_moment(env, event.start, event.allday),
            opportunity=self.name,
        )

    def _pilot_synthesis_contacts(self, event, evidence):
        """The customer's people: the deal's contact and the meeting's
        attendees who are not internal users, each with their job position
        and whether the exchanges say they decide."""
        env = self.env
        people = self.partner_id.filtered(lambda partner: not partner.is_company)
        if event:
            people |= event.partner_ids.filtered(
                lambda partner: not any(user._is_internal() for user in partner.user_ids)
            )
        deciders = [
            (row.name, row.state) for row in evidence if row.kind == "authority" and row.name
        ]
        decider = dict(evidence._fields["kind"]._description_selection(env))["authority"]
        contacts = []
        for partner in people:
            state = summary.decider_state(partner.name, deciders)
            roles = [partner.function] if partner.function else []
            if state == "accepted":
                roles.append(decider)
            elif state == "suggested":
                roles.append(env._("%(role)s (suggested)", role=decider))
            contacts.append({"name": partner.name or "—", "role": ", ".join(roles)})
        return contacts

    def _pilot_synthesis_ours(self, event):
        """Our side: the salesperson, the sales team and the colleagues
        attending the meeting."""
        env = self.env
        ours = []
        if self.user_id:
            role = self._fields["user_id"]._description_string(env)
            ours.append({"name": self.user_id.name, "role": role})
        if self.team_id:
            role = self._fields["team_id"]._description_string(env)
            ours.append({"name": self.team_id.name, "role": role})
        if event:
            for partner in event.partner_ids:
                if partner in self.user_id.partner_id:
                    continue
                if any(user._is_internal() for user in partner.user_ids):
                    ours.append({"name": partner.name, "role": env._("Meeting attendee")})
        return ours

    def _pilot_synthesis_evidence(self, row):
        """One piece of evidence as the synthesis shows it."""
        env = self.env
        kinds = dict(row._fields["kind"]._description_selection(env))
        topics = dict(row._fields["topic"]._description_selection(env))
        if row.kind == "budget" and row.amount:
            value = summary.format_money(
                env, row.amount, row.currency_id or env.company.currency_id
            )
        elif row.kind in ("timing", "next_step") and row.date:
            value = summary.format_day(env, row.date)
        elif row.kind == "objection":
            value = topics.get(row.topic, "")
        else:
            value = row.name or ""
        return {
            "kind": kinds.get(row.kind, row.kind),
            "value": value,
            "quote": summary.shorten_text(row.quote),
            "date": summary.format_moment(env, row.message_date, True) if row.message_date else "",
            "suggested": row.state == "suggested",
        }

    def _pilot_synthesis_unknown(self):
        """The qualification dimensions not met, in the user's language."""
        labels = dict(self._pilot_dimension_labels())
        codes = (self.qualification_missing or "").split(",")
        return [labels[code] for code in codes if code in labels]

    def _pilot_synthesis_exchanges(self, now):
        """The key sentences of the last exchanges (emails and logged notes by
        a person, up to ``now``): at most KEY_SENTENCES, SENTENCES_PER_EXCHANGE
        per exchange, the latest exchange first."""
        env = self.env
        Message = env["mail.message"]
        if env.user._is_internal():
            Message = Message.sudo()
        messages = Message.search_fetch(
            [
                ("model", "=", self._name),
                ("res_id", "=", self.id),
                ("message_type", "in", ("comment", "email")),
                ("date", "<=", now),
                ("author_id", "!=", env["ir.model.data"]._xmlid_to_res_id("base.partner_root")),
            ],
            ["date", "author_id", "email_from", "body", "subject"],
            order="date desc, id desc",
            limit=MESSAGES_READ,
        )
        exchanges, count, read = [], 0, 0
        for message in messages:
            if count >= KEY_SENTENCES or read >= EXCHANGES:
                break
            text = summary.author_text(message.body)
            if not text or summary.is_auto_reply(message.subject, text):
                continue
            read += 1
            best = summary.key_sentences(text, min(SENTENCES_PER_EXCHANGE, KEY_SENTENCES - count))
            if not best:
                continue
            count += len(best)
            exchanges.append(
                {
                    "date": summary.format_moment(env, message.date, True),
                    "author": message.author_id.name or message.email_from or "—",
                    "sentences": best,
                }
            )
        return exchanges

    def _pilot_synthesis_activities(self, today):
        env = self.env
        Activity = env["mail.activity"]
        if env.user._is_internal():
            Activity = Activity.sudo()
        activities = Activity.search_fetch(
            [("res_model", "=", self._name), ("res_id", "=", self.id)],
            ["date_deadline", "activity_type_id", "summary", "user_id"],
            order="date_deadline, id",
            limit=ACTIVITIES,
        )
        return [
            {
                "deadline": summary.format_day(env, activity.date_deadline),
                "summary": activity.summary or activity.activity_type_id.name or "",
                "user": activity.user_id.name or "",
                "overdue": activity.date_deadline < today,
            }
            for activity in activities
        ]

    def _pilot_synthesis_risks(self):
        """The deal's risks: its next action missing or overdue, then those
        of the briefing (stagnation, low margin, pushes, exit criteria)."""
        env = self.env
        risks = []
        if self.active and not self.stage_id.is_won:
            if self.next_action_status == "missing":
                risks.append(env._("No dated next action."))
            elif self.next_action_status == "overdue":
                risks.append(env._("The next action is overdue."))
        missing_count = sum(
            criterion in missing
            for criteria, missing, _broken, _leads in self._pilot_exit_criteria_evaluated()
            for criterion in criteria or []
        )
        return risks + self._pilot_deal_risks(missing_count)
