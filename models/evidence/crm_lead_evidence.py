# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

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
    company_id = fields.Many2one(related="lead_id.company_id", store=True, index=True)
    user_id = fields.Many2one(
        related="lead_id.user_id", string="Salesperson", store=True, index=True
    )
    team_id = fields.Many2one(
        related="lead_id.team_id", string="Sales Team", store=True, index=True
    )
