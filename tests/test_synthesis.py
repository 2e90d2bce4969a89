# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The pre-meeting synthesis: the key sentences of a message (the scorer),
and the content of the synthesis of a hand-built deal, in English and in
French, and in the deal briefing."""

from datetime import date, datetime

from markupsafe import Markup

from odoo.tests import BaseCase, tagged

from odoo.addons.crm_pipeline_pilot.models.synthesis import summary

from .common import PilotCommon, load_french

# The synthesis is read as of this moment (UTC).
NOW = datetime(2026, 11, 10, 9, 0)

EMAIL_BUDGET = Markup(
    "<p>Bonjour Sam,</p><p>Notre budget est de 40 k€ HT pour le projet. "
    "C'est Claire Martin, notre DG, qui signe. On veut démarrer avant fin mars.</p>"
    "<p>Cordialement,</p><p>Paul Durand<br>Acheteur</p>"
)
NOTE_CALL = Markup(
    "<p>Call with Paul: they compare us with Acme Corp. "
    "Price is their main concern before the board meeting.</p>"
)
EMAIL_REPLY = Markup(
    "<p>Thank you for the proposal.</p>"
    "<p>We need the installation done in 3 weeks at most, can you commit to that?</p>"
    "<p>-- <br>Paul Durand, Buyer, +33 1 23 45 67 89</p>"
    "<blockquote>On Mon, Sam wrote: our price is 55,000 EUR for 12 desks, "
    "to be signed before the end of the quarter.</blockquote>"
)
AUTO_REPLY = Markup("<p>I am out of the office until January 5, 2027.</p>")


def synthesis_deal(case):
    """A deal with everything the synthesis shows: two contacts of the
    customer, three exchanges (one with a quoted reply and a signature) and
    an auto-reply, evidence accepted, suggested and rejected, an objection,
    a competitor, an overdue activity and a low margin."""
    env = case.env
    company = env["res.partner"].create({"name": "Durand Industrie SAS", "is_company": True})
    paul, claire = env["res.partner"].create(
        [
            {"name": "Paul Durand", "function": "Buyer", "parent_id": company.id},
            {"name": "Claire Martin", "function": "CEO", "parent_id": company.id},
        ]
    )
    lead = case._opportunity(
        "Synthesis deal", partner_id=paul.id, expected_revenue=50000, estimated_cost=40000
    )
    posts = [
        (EMAIL_BUDGET, "email", paul, "Projet", datetime(2026, 11, 2, 12, 0)),
        (NOTE_CALL, "comment", case.salesman.partner_id, False, datetime(2026, 11, 4, 12, 0)),
        (EMAIL_REPLY, "email", paul, "Re: proposal", datetime(2026, 11, 6, 12, 0)),
        (AUTO_REPLY, "email", paul, "Automatic reply: Re: proposal", datetime(2026, 11, 7, 12, 0)),
    ]
    messages = []
    for body, message_type, author, subject, when in posts:
        message = lead.message_post(
            body=body, message_type=message_type, author_id=author.id, subject=subject
        )
        message.sudo().date = when
        messages.append(message)
    Evidence = env["crm.lead.evidence"].sudo()
    Evidence.create(
        [
            {
                "lead_id": lead.id,
                "message_id": messages[0].id,
                "kind": "budget",
                "amount": 40000,
                "quote": "Notre budget est de 40 k€ HT pour le projet.",
                "state": "accepted",
            },
            {
                "lead_id": lead.id,
                "message_id": messages[0].id,
                "kind": "authority",
                "name": "Claire Martin",
                "quote": "C'est Claire Martin, notre DG, qui signe.",
            },
            {
                "lead_id": lead.id,
                "message_id": messages[0].id,
                "kind": "timing",
                "date": date(2027, 3, 31),
                "quote": "On veut démarrer avant fin mars.",
            },
            {
                "lead_id": lead.id,
                "message_id": messages[1].id,
                "kind": "competitor",
                "name": "Acme Corp",
                "quote": "They compare us with Acme Corp.",
                "state": "accepted",
            },
            {
                "lead_id": lead.id,
                "message_id": messages[1].id,
                "kind": "objection",
                "topic": "price",
                "quote": "Price is their main concern before the board meeting.",
            },
            {
                "lead_id": lead.id,
                "message_id": messages[2].id,
                "kind": "budget",
                "amount": 55000,
                "quote": "Our price is 55,000 EUR for 12 desks.",
                "state": "rejected",
            },
        ]
    )
    lead.activity_schedule(
        activity_type_id=env.ref("mail.mail_activity_data_call").id,
        summary="Call Paul back about the delay",
        date_deadline=date(2026, 11, 8),
        user_id=case.salesman.id,
    )
    return lead, claire


class TestSynthesisSentences(BaseCase):
    """The author's words of a message and its key sentences."""

    def test_author_text_drops_quotes_and_signature(self):
        self.assertEqual(
            summary.author_text(EMAIL_REPLY),
            "Thank you for the proposal.\n"
            "We need the installation done in 3 weeks at most, can you commit to that?",
        )
        self.assertEqual(
            summary.author_text(
                "<p>Sounds good, 30 licences then.</p><p>Le lun. 2 nov. 2026, Sam a écrit :</p>"
                "<p>&gt; notre prix est de 55 000 €</p>"
            ),
            "Sounds good, 30 licences then.",
        )
        self.assertEqual(
            summary.author_text(EMAIL_BUDGET).splitlines()[-1],
            (
                "Notre budget est de 40 k€ HT pour le projet. C'est Claire Martin, notre DG, qui "
                "signe. On veut démarrer avant fin mars."
            ),
        )
        self.assertEqual(summary.author_text(""), "")
        self.assertEqual(summary.author_text("<p>> quoted only</p>"), "")

    def test_scores(self):
        self.assertEqual(summary.sentence_score("Notre budget est de 40 k€ HT pour le projet."), 6)
        self.assertEqual(summary.sentence_score("C'est Claire Martin, notre DG, qui signe."), 4)
        self.assertEqual(summary.sentence_score("Merci pour votre proposition."), -1)
        self.assertEqual(summary.sentence_score("Bonjour Sam,"), 0)
        self.assertEqual(summary.sentence_score("40 k€."), 0)  # under three words

    def test_key_sentences_in_order_and_bounded(self):
        text = summary.author_text(EMAIL_BUDGET)
        self.assertEqual(
            summary.key_sentences(text, 2),
            [
                "Notre budget est de 40 k€ HT pour le projet.",
                "C'est Claire Martin, notre DG, qui signe.",
            ],
        )
        self.assertEqual(summary.key_sentences(text, 0), [])
        self.assertEqual(summary.key_sentences("Bonjour Sam, merci beaucoup !", 5), [])
        long_sentence = "Le budget " + "très " * 50 + "important."
        (short,) = summary.key_sentences(long_sentence, 1)
        self.assertEqual(len(short), 195)
        self.assertTrue(short.endswith("très…"))

    def test_auto_replies_and_deciders(self):
        self.assertTrue(summary.is_auto_reply("Automatic reply: Re: proposal", ""))
        self.assertTrue(summary.is_auto_reply("Re: devis", "Je suis actuellement absent."))
        self.assertFalse(summary.is_auto_reply("Re: devis", "Notre budget est validé."))
        deciders = [("Mme Claire Martin", "suggested"), ("claire MARTIN", "accepted")]
        self.assertEqual(summary.decider_state("Claire Martin", deciders), "accepted")
        self.assertEqual(summary.decider_state("Clàire Martin", deciders[:1]), "suggested")
        self.assertIsNone(summary.decider_state("Paul Durand", deciders))
        self.assertIsNone(summary.decider_state("Al", [("Al", "accepted")]))


@tagged("post_install", "-at_install")
class TestSynthesisContent(PilotCommon):
    """The synthesis of a hand-built deal, as of NOW."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lead, cls.claire = synthesis_deal(cls)

    def _values(self, lang="en_US"):
        lead = self.lead.with_user(self.salesman).with_context(lang=lang, tz="Europe/Paris")
        return lead._pilot_synthesis_values(now=NOW)

    def test_content_in_english(self):
        values = self._values()
        self.assertEqual(values["customer"], "Durand Industrie SAS")
        self.assertEqual(values["contacts"], [{"name": "Paul Durand", "role": "Buyer"}])
        self.assertEqual(
            values["ours"],
            [
                {"name": "Sam Salesman", "role": "Salesperson"},
                {"name": "Pilot Team", "role": "Sales Team"},
            ],
        )
        self.assertEqual(
            values["facts"],
            [
                {
                    "kind": "Budget",
                    "value": "$\xa040,000.00",
                    "quote": "Notre budget est de 40 k€ HT pour le projet.",
                    "date": "11/02/2026",
                    "suggested": False,
                },
                {
                    "kind": "Decision maker",
                    "value": "Claire Martin",
                    "quote": "C'est Claire Martin, notre DG, qui signe.",
                    "date": "11/02/2026",
                    "suggested": True,
                },
                {
                    "kind": "Timing",
                    "value": "03/31/2027",
                    "quote": "On veut démarrer avant fin mars.",
                    "date": "11/02/2026",
                    "suggested": True,
                },
            ],
        )
        self.assertEqual(values["unknown"], ["Authority", "Need", "Timing"])
        self.assertEqual(
            [(row["kind"], row["value"], row["suggested"]) for row in values["objections"]],
            [("Objection", "Price", True)],
        )
        self.assertEqual(
            [(row["kind"], row["value"], row["suggested"]) for row in values["competitors"]],
            [("Competitor", "Acme Corp", False)],
        )
        self.assertEqual(
            values["exchanges"],
            [
                {
                    "date": "11/06/2026",
                    "author": "Paul Durand",
                    "sentences": [
                        "We need the installation done in 3 weeks at most, can you commit to that?"
                    ],
                },
                {
                    "date": "11/04/2026",
                    "author": "Sam Salesman",
                    "sentences": [
                        "Call with Paul: they compare us with Acme Corp.",
                        "Price is their main concern before the board meeting.",
                    ],
                },
                {
                    "date": "11/02/2026",
                    "author": "Paul Durand",
                    "sentences": [
                        "Notre budget est de 40 k€ HT pour le projet.",
                        "C'est Claire Martin, notre DG, qui signe.",
                    ],
                },
            ],
        )
        self.assertEqual(
            values["activities"],
            [
                {
                    "deadline": "11/08/2026",
                    "summary": "Call Paul back about the delay",
                    "user": "Sam Salesman",
                    "overdue": True,
                }
            ],
        )
        self.assertEqual(
            values["risks"],
            [
                "The next action is overdue.",
                "Low margin: 20.0 % below the team minimum of 30.0 %.",
            ],
        )
        self.assertIsNone(values["meeting"])

    def test_content_in_french(self):
        # Odoo's own French for the roles (the labels of the fields of crm)
        load_french(self.env, ("crm", "sales_team", "crm_pipeline_pilot"))
        values = self._values("fr_FR")
        self.assertEqual(
            [(row["kind"], row["value"], row["date"]) for row in values["facts"]],
            [
                ("Budget", "$\xa040\xa0000,00", "02/11/2026"),
                ("Décisionnaire", "Claire Martin", "02/11/2026"),
                ("Échéance", "31/03/2027", "02/11/2026"),
            ],
        )
        self.assertEqual(values["unknown"], ["Décisionnaire", "Besoin", "Échéance"])
        self.assertEqual(
            [(row["kind"], row["value"]) for row in values["objections"] + values["competitors"]],
            [("Objection", "Prix"), ("Concurrent", "Acme Corp")],
        )
        self.assertEqual(
            values["ours"],
            [
                {"name": "Sam Salesman", "role": "Vendeur"},
                {"name": "Pilot Team", "role": "Équipe commerciale"},
            ],
        )
        self.assertEqual(
            values["risks"],
            [
                "La prochaine action est en retard.",
                "Marge faible : 20,0 % sous le minimum de l'équipe de 30,0 %.",
            ],
        )
        html = (
            self.lead.with_user(self.salesman)
            .with_context(lang="fr_FR")
            ._pilot_synthesis_html(now=NOW)
        )
        for text in (
            "Qui est qui",
            "Client : <strong>Durand Industrie SAS</strong>",
            "(suggéré, non confirmé)",
            "Encore inconnu :",
            "Objections et concurrents entendus",
            "Derniers échanges",
            "en retard",
        ):
            self.assertIn(text, str(html))

    def test_meeting_attendees_and_deciders(self):
        event = self.env["calendar.event"].create(
            {
                "name": "Kick-off",
                "start": datetime(2026, 11, 12, 8, 0),
                "stop": datetime(2026, 11, 12, 9, 0),
                "user_id": self.salesman.id,
                "opportunity_id": self.lead.id,
                "partner_ids": [
                    (
                        6,
                        0,
                        [self.salesman.partner_id.id, self.claire.id, self.manager.partner_id.id],
                    )
                ],
            }
        )
        lead = self.lead.with_user(self.salesman).with_context(tz="Europe/Paris")
        values = lead._pilot_synthesis_values(event=event, now=NOW)
        self.assertEqual(
            values["meeting"], "Meeting Kick-off on 11/12/26, 9:00 AM, about Synthesis deal."
        )
        self.assertEqual(
            values["contacts"],
            [
                {"name": "Paul Durand", "role": "Buyer"},
                {"name": "Claire Martin", "role": "CEO, Decision maker (suggested)"},
            ],
        )
        self.assertEqual(values["ours"][2:], [{"name": "Mia Manager", "role": "Meeting attendee"}])
        # Accepted, the evidence makes her the decision maker
        self.lead.evidence_ids.filtered(
            lambda row: row.kind == "authority"
        ).sudo().state = "accepted"
        values = lead._pilot_synthesis_values(event=event, now=NOW)
        self.assertEqual(values["contacts"][1]["role"], "CEO, Decision maker")

    def test_as_of_an_earlier_time(self):
        """Before the reply and the note, the synthesis knows neither."""
        values = self.lead.with_user(self.salesman)._pilot_synthesis_values(
            now=datetime(2026, 11, 3, 9, 0)
        )
        self.assertEqual([row["author"] for row in values["exchanges"]], ["Paul Durand"])
        self.assertEqual(values["competitors"], [])
        self.assertEqual(values["objections"], [])
        self.assertEqual(len(values["facts"]), 3)

    def test_in_the_briefing(self):
        values = self.lead.with_user(self.salesman)._pilot_briefing_values()
        self.assertTrue(values["synthesis"]["compact"])
        self.assertIsNone(values["synthesis"]["activities"])
        self.assertIsNone(values["synthesis"]["risks"])
        html = str(self.lead.with_user(self.salesman).briefing_html)
        self.assertIn("Before the meeting", html)
        self.assertIn("Acme Corp", html)
        self.assertIn("“Notre budget est de 40 k€ HT pour le projet.” (11/02/2026)", html)
        self.assertEqual(html.count("o_pilot_synthesis_risks"), 0)

    def test_hostile_text_is_shown_as_text(self):
        """A customer's email whose words look like HTML is shown as text."""
        self.lead.message_post(
            body=Markup("<p>Our budget is 9 k€ &lt;img src=x onerror=alert(1)&gt; for now.</p>"),
            message_type="email",
            author_id=self.lead.partner_id.id,
        ).sudo().date = datetime(2026, 11, 8, 12, 0)
        html = str(self.lead.with_user(self.salesman)._pilot_synthesis_html(now=NOW))
        self.assertIn("Our budget is 9 k€ &lt;img src=x onerror=alert(1)&gt; for now.", html)
        self.assertNotIn("<img", html)
