# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.exceptions import UserError

from .reading.text import fold

EVIDENCE_KINDS = [
    ("budget", "Budget"),
    ("authority", "Decision maker"),
    ("timing", "Timing"),
    ("competitor", "Competitor"),
    ("objection", "Objection"),
    ("next_step", "Next step"),
]

OBJECTION_TOPICS = [
    ("price", "Price"),
    ("timing", "Timing"),
    ("priority", "Priority"),
    ("features", "Features"),
    ("trust", "Trust"),
]


# What accepting a fact of a kind ticks in the qualification (BANT).
KIND_DIMENSION = {"budget": "budget", "authority": "authority", "timing": "timing"}


def fact_key(fact):
    """What a fact says, whatever message says it: two facts with the same
    key are the same suggestion (a rejected one is never suggested again).
    ``fact``: a dict read from a message or an evidence record."""
    amount = fact["amount"] if fact["kind"] == "budget" else None
    date = fact["date"] if fact["kind"] in ("timing", "next_step") else None
    name = fact["name"] if fact["kind"] in ("authority", "competitor") else None
    topic = fact["topic"] if fact["kind"] == "objection" else None
    return (
        fact["kind"],
        round(amount or 0, 2),
        fields.Date.to_string(date) if date else "",
        fold(name or "").strip(),
        topic or "",
    )


class CrmLeadEvidence(models.Model):
    """A fact read in one of the deal's exchanges (an email or a logged note),
    with the sentence it was read in as its proof. The analysis of the
    exchanges suggests it; the salesperson accepts it (it then fills what it
    proves) or rejects it (it is never suggested again). Every field but the
    salesperson's decision is maintained by the analysis."""

    _name = "crm.lead.evidence"
    _description = "Evidence from the Exchanges"
    _order = "lead_id, message_date desc, id desc"
    _rec_name = "quote"
    _check_company_auto = True

    lead_id = fields.Many2one(
        "crm.lead",
        string="Opportunity",
        required=True,
        index=True,
        ondelete="cascade",
        pilot_maintained=True,
    )
    message_id = fields.Many2one(
        "mail.message",
        required=True,
        index=True,
        ondelete="cascade",
        pilot_maintained=True,
        help="The email or logged note the evidence was read in.",
    )
    message_date = fields.Datetime(related="message_id.date", string="Message Date", store=True)
    kind = fields.Selection(EVIDENCE_KINDS, required=True, index=True, pilot_maintained=True)
    quote = fields.Text(
        required=True,
        pilot_maintained=True,
        help="The sentence the evidence was read in, as written.",
    )
    amount = fields.Monetary(
        currency_field="currency_id",
        pilot_maintained=True,
        help="The budget said, in the company's currency, excluding taxes when "
        "the message says so.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(
        pilot_maintained=True,
        help="The date said (timing, next step), read against the message's date.",
    )
    name = fields.Char(
        string="Who",
        pilot_maintained=True,
        help="Who decides, or the competitor named.",
    )
    topic = fields.Selection(
        OBJECTION_TOPICS, pilot_maintained=True, help="What the objection is about."
    )
    state = fields.Selection(
        [("suggested", "Suggested"), ("accepted", "Accepted"), ("rejected", "Rejected")],
        default="suggested",
        required=True,
        index=True,
        pilot_maintained=True,
    )
    is_internal = fields.Boolean(
        string="Internal",
        pilot_maintained=True,
        help="Read in an internal note: never shown to the customer.",
    )
    criterion_ids = fields.Many2many(
        "crm.stage.exit.criterion",
        "crm_lead_evidence_criterion_rel",
        "evidence_id",
        "criterion_id",
        string="Criteria Ticked",
        pilot_maintained=True,
        help="The manual exit criteria this evidence ticked when it was accepted: "
        "its quote is their proof.",
    )
    decided_by_id = fields.Many2one("res.users", pilot_maintained=True)
    decided_on = fields.Datetime(pilot_maintained=True)
    company_id = fields.Many2one(related="lead_id.company_id", store=True, index=True)
    user_id = fields.Many2one(
        related="lead_id.user_id", string="Salesperson", store=True, index=True
    )
    team_id = fields.Many2one(
        related="lead_id.team_id", string="Sales Team", store=True, index=True
    )

    # ------------------------------------------------------------------
    # The salesperson's decision
    # ------------------------------------------------------------------

    def _pilot_check_decidable(self):
        """Only users who may write the opportunity decide, and only once."""
        self.check_access("read")
        self.lead_id.check_access("write")
        if any(evidence.state != "suggested" for evidence in self):
            raise UserError(self.env._("This suggestion has already been decided."))

    def _pilot_decide(self, state):
        self.sudo().write(
            {"state": state, "decided_by_id": self.env.uid, "decided_on": fields.Datetime.now()}
        )

    def action_pilot_reject(self):
        """Hide the suggestion for good: the same fact is never suggested again."""
        self._pilot_check_decidable()
        self._pilot_decide("rejected")
        return True

    def action_pilot_accept(self):
        """Accept the fact: it ticks what it proves (the qualification's
        dimension, the current stage's manual exit criteria of its kind)."""
        self._pilot_check_decidable()
        for evidence in self:
            evidence._pilot_apply(fill=False)
        return True

    def action_pilot_accept_and_fill(self):
        """Accept the fact and also fill what it says: the expected closing
        date (timing) or a planned activity at its date (next step)."""
        self._pilot_check_decidable()
        for evidence in self:
            evidence._pilot_apply(fill=True)
        return True

    def _pilot_apply(self, fill):
        self.ensure_one()
        lead = self.lead_id  # as the user: their rights on the opportunity apply
        vals = {}
        dimension = KIND_DIMENSION.get(self.kind)
        if dimension:
            Rule = self.env["crm.qualification.rule"].sudo()
            rule_ids = Rule._pilot_rule_ids_for_team(lead.team_id.id, lead.company_id.id).get(
                dimension, []
            )
            manual = Rule.browse(rule_ids).filtered(lambda r: r.criterion_type == "manual")
            to_confirm = manual - lead.qualification_confirmed_ids
            if to_confirm:
                vals["qualification_confirmed_ids"] = [(4, rule.id) for rule in to_confirm]
            elif self.kind == "budget" and not manual and not lead.expected_revenue:
                # the shipped Budget rule reads the expected revenue
                vals["expected_revenue"] = self.amount
        if fill and self.kind == "timing" and self.date:
            vals["date_deadline"] = self.date
        criteria = lead.stage_id.sudo().exit_criterion_ids.filtered(
            lambda c: c.criterion_type == "manual" and c.pilot_evidence_kind == self.kind
        )
        new_criteria = criteria - lead.confirmed_criterion_ids
        if new_criteria:
            vals["confirmed_criterion_ids"] = [(4, criterion.id) for criterion in new_criteria]
        if vals:
            lead.write(vals)
        if fill and self.kind == "next_step":
            lead.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=self.date or fields.Date.context_today(self),
                summary=self.quote[:100],
                user_id=lead.user_id.id or self.env.uid,
            )
        self._pilot_decide("accepted")
        if new_criteria:
            self.sudo().criterion_ids = [(4, criterion.id) for criterion in new_criteria]
