# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Evidence on the opportunity: the analysis of its emails and logged notes
(``action_pilot_analyze_exchanges``), queued when a message arrives, is
logged or is edited, and run by a scheduled action in batches."""

import logging

from lxml import html as lxml_html

from odoo import api, fields, models
from odoo.tools import SQL, html2plaintext

from .crm_lead_evidence import fact_key
from .reading import read_message

_logger = logging.getLogger(__name__)

# The types of messages read: emails (received or sent) and what users post
# in the chatter (messages and logged notes); never notifications.
READ_MESSAGE_TYPES = ("email", "comment", "email_outgoing")
# Bounds of one analysis: the newest messages of a deal, the beginning of
# each (HTML before it is reduced to text, then text).
MAX_MESSAGES_PER_LEAD = 200
MAX_HTML_CHARS = 100000
# Advisory lock held by a run of the queued analysis (one run at a time).
EVIDENCE_LOCK_KEY = 0x70696C6F7465  # "pilote"


def message_text(body):
    """The plain text of a message body without the older messages it quotes
    (``blockquote`` and the elements the mail gateway marks as quotes)."""
    body = (body or "")[:MAX_HTML_CHARS]
    if not body.strip():
        return ""
    try:
        root = lxml_html.fragment_fromstring(body, create_parent="div")
        for node in root.xpath("//blockquote | //*[@data-o-mail-quote]"):
            node.drop_tree()
        body = lxml_html.tostring(root, encoding="unicode")
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        _logger.debug("Evidence: a message body is not HTML, read as it is")
    return html2plaintext(body)


class CrmLead(models.Model):
    _inherit = "crm.lead"

    evidence_ids = fields.One2many(
        "crm.lead.evidence",
        "lead_id",
        string="Evidence from the Exchanges",
    )
    pilot_evidence_open_ids = fields.One2many(
        "crm.lead.evidence",
        "lead_id",
        string="Suggested and Accepted Evidence",
        domain=[("state", "!=", "rejected")],
    )
    pilot_evidence_count = fields.Integer(
        string="Suggestions from the Exchanges",
        compute="_compute_pilot_evidence_count",
        search="_search_pilot_evidence_count",
        help="Facts read in the exchanges and waiting for the salesperson's decision.",
    )
    pilot_evidence_queue = fields.Integer(
        string="Exchanges to Read",
        index="btree_not_null",
        copy=False,
        readonly=True,
        pilot_maintained=True,
        help="Changes of the exchanges not read yet by the analysis (empty when it is up to date).",
    )

    @api.depends("evidence_ids.state")
    def _compute_pilot_evidence_count(self):
        counts = {}
        if self.ids:
            groups = (
                self.env["crm.lead.evidence"]
                .sudo()
                ._read_group(
                    [("lead_id", "in", self.ids), ("state", "=", "suggested")],
                    ["lead_id"],
                    ["__count"],
                )
            )
            counts = {lead.id: count for lead, count in groups}
        for lead in self:
            # read as the user may: evidence follows the opportunity's rules
            lead.pilot_evidence_count = counts.get(lead.id, 0)

    def _search_pilot_evidence_count(self, operator, value):
        # The opportunities whose number of suggestions compares with value
        # (a filter "with suggestions" is [("pilot_evidence_count", ">", 0)]).
        comparisons = {"=": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
        if operator in ("in", "not in"):
            values = tuple(value) if isinstance(value, list | tuple) else (value,)
            if not all(isinstance(item, int) for item in values):
                return NotImplemented
            condition = SQL("COUNT(e.id) IN %s", values or (-1,))
            if operator == "not in":
                condition = SQL("NOT (%s)", condition)
        elif operator in comparisons and isinstance(value, int | float):
            condition = SQL("COUNT(e.id) %s %s", SQL(comparisons[operator]), value)
        else:
            return NotImplemented
        self.env["crm.lead.evidence"].flush_model(["lead_id", "state"])
        self.env.cr.execute(
            SQL(
                """SELECT lead.id FROM crm_lead lead
                     LEFT JOIN crm_lead_evidence e
                            ON e.lead_id = lead.id AND e.state = 'suggested'
                    GROUP BY lead.id HAVING %s""",
                condition,
            )
        )
        return [("id", "in", [row[0] for row in self.env.cr.fetchall()])]

    # ------------------------------------------------------------------
    # The analysis
    # ------------------------------------------------------------------

    def action_pilot_analyze_exchanges(self):
        """Read the emails and logged notes of the opportunities and refresh
        their suggestions: facts read anew are suggested, suggestions whose
        message no longer says them (edited, deleted) are removed, accepted
        and rejected facts are kept and never suggested again."""
        # What it stores is maintained (as superuser): only those who may
        # write the opportunities refresh it.
        self.check_access("write")
        self.sudo()._pilot_analyze_exchanges()
        return True

    def _pilot_evidence_messages(self):
        """{lead id: [message values]} of the exchanges read, newest first."""
        env = self.env
        subtypes = [
            env.ref("mail.mt_comment").id,
            env.ref("mail.mt_note").id,
        ]
        root = env.ref("base.partner_root").id
        messages = (
            env["mail.message"]
            .sudo()
            .search_fetch(
                [
                    ("model", "=", "crm.lead"),
                    ("res_id", "in", self.ids),
                    ("message_type", "in", READ_MESSAGE_TYPES),
                    "|",
                    ("subtype_id", "in", subtypes),
                    ("message_type", "=", "email"),
                    ("author_id", "!=", root),
                ],
                [
                    "res_id",
                    "body",
                    "date",
                    "message_type",
                    "subtype_id",
                    "author_id",
                    "is_internal",
                ],
                order="date desc, id desc",
            )
        )
        authors = messages.author_id.ids
        internal_partners = set()
        if authors:
            users = (
                env["res.users"]
                .sudo()
                .with_context(active_test=False)
                .search_fetch(
                    [("partner_id", "in", authors), ("share", "=", False)], ["partner_id"]
                )
            )
            internal_partners = set(users.partner_id.ids)
        result = {}
        note = env.ref("mail.mt_note")
        for message in messages:
            rows = result.setdefault(message.res_id, [])
            if len(rows) >= MAX_MESSAGES_PER_LEAD:
                continue
            internal = bool(message.is_internal or message.subtype_id == note)
            rows.append(
                {
                    "message": message,
                    "text": message_text(message.body),
                    "date": fields.Datetime.context_timestamp(self, message.date).date()
                    if message.date
                    else fields.Date.today(),
                    "author_role": "salesperson"
                    if message.author_id.id in internal_partners
                    else "customer",
                    "type": "note" if internal else "email",
                    "internal": internal,
                }
            )
        return result

    def _pilot_analyze_exchanges(self):
        """The analysis proper (as superuser: the evidence is maintained)."""
        Evidence = self.env["crm.lead.evidence"].sudo()
        leads = self.exists()
        if not leads:
            return
        messages = leads._pilot_evidence_messages()
        existing = Evidence.search([("lead_id", "in", leads.ids)])
        by_lead = {}
        for evidence in existing:
            by_lead.setdefault(evidence.lead_id.id, Evidence)
            by_lead[evidence.lead_id.id] |= evidence
        to_create, to_remove = [], Evidence
        for lead in leads:
            team = lead.team_id
            kinds = team._pilot_evidence_kinds() if team else None
            competitors = team._pilot_competitor_names() if team else ()
            known = by_lead.get(lead.id, Evidence)
            decided = {fact_key(ev) for ev in known if ev.state != "suggested"}
            suggested = {
                (ev.message_id.id, fact_key(ev)): ev for ev in known if ev.state == "suggested"
            }
            kept, new_keys = set(), set()
            for row in messages.get(lead.id, []):
                facts = read_message(
                    row["text"],
                    row["date"],
                    author_role=row["author_role"],
                    message_type=row["type"],
                    competitors=competitors,
                    kinds=kinds,
                )
                message_id = row["message"].id
                for fact in facts:
                    key = fact_key(fact)
                    if key in decided or key in new_keys:
                        continue
                    new_keys.add(key)
                    if (message_id, key) in suggested:
                        kept.add((message_id, key))
                        continue
                    to_create.append(
                        {
                            "lead_id": lead.id,
                            "message_id": message_id,
                            "kind": fact["kind"],
                            "quote": fact["quote"],
                            "amount": fact.get("amount") or False,
                            "date": fact.get("date") or False,
                            "name": fact.get("name") or False,
                            "topic": fact.get("topic") or False,
                            "is_internal": row["internal"],
                        }
                    )
            for pair, evidence in suggested.items():
                if pair not in kept:
                    to_remove |= evidence
        to_remove.unlink()
        Evidence.create(to_create)

    # ------------------------------------------------------------------
    # The queue: analysed later, never while a message is posted
    # ------------------------------------------------------------------

    def _pilot_queue_evidence(self):
        """Mark the opportunities' exchanges as changed (one UPDATE, no ORM
        write: posting stays cheap) and wake the analysis up."""
        if not self.ids:
            return
        self.env.cr.execute(
            SQL(
                "UPDATE crm_lead SET pilot_evidence_queue = COALESCE(pilot_evidence_queue, 0) + 1"
                " WHERE id IN %s",
                tuple(self.ids),
            )
        )
        self.invalidate_recordset(["pilot_evidence_queue"])
        cron = self.env.ref("crm_pipeline_pilot.ir_cron_evidence_analysis", False)
        if cron:
            cron.sudo()._trigger()

    def _message_post_after_hook(self, message, msg_vals):
        if message.message_type in READ_MESSAGE_TYPES and (
            message.message_type == "email"
            or message.subtype_id.id
            in (self.env.ref("mail.mt_comment").id, self.env.ref("mail.mt_note").id)
        ):
            self._pilot_queue_evidence()
        return super()._message_post_after_hook(message, msg_vals)

    def _message_update_content(self, message, body, *args, **kwargs):
        result = super()._message_update_content(message, body, *args, **kwargs)
        self._pilot_queue_evidence()
        return result

    @api.model
    def _cron_pilot_analyze_exchanges(self, batch_size=100, max_batches=50):
        """Analyse the queued opportunities, ``batch_size`` at a time (one
        search of their messages per batch). One run at a time (an advisory
        lock); each batch is committed when run as a scheduled action, and an
        opportunity whose exchanges changed again during its analysis stays
        queued. Returns the number of opportunities analysed."""
        commit = self.env.context.get("pilot_evidence_commit")
        done = 0
        for _batch in range(max_batches):
            self.env.cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s)", EVIDENCE_LOCK_KEY))
            if not self.env.cr.fetchone()[0]:
                break
            self.env.cr.execute(
                SQL(
                    "SELECT id, pilot_evidence_queue FROM crm_lead"
                    " WHERE pilot_evidence_queue IS NOT NULL ORDER BY id LIMIT %s",
                    batch_size,
                )
            )
            rows = self.env.cr.fetchall()
            if not rows:
                break
            leads = self.browse([lead_id for lead_id, _queue in rows]).sudo()
            try:
                with self.env.cr.savepoint():
                    leads._pilot_analyze_exchanges()
            except Exception:
                _logger.exception("Evidence: the analysis of %s failed", leads)
            # one statement; a lead queued again meanwhile keeps its mark
            self.env.cr.execute(
                SQL(
                    "UPDATE crm_lead l SET pilot_evidence_queue = NULL"
                    " FROM (VALUES %s) AS v(id, queue)"
                    " WHERE l.id = v.id AND l.pilot_evidence_queue = v.queue",
                    SQL(", ").join(SQL("(%s, %s)", lead_id, queue) for lead_id, queue in rows),
                )
            )
            self.invalidate_model(["pilot_evidence_queue"])
            done += len(rows)
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
            if len(rows) < batch_size:
                break
        return done
