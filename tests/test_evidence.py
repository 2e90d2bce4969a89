# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Evidence on the opportunity: the queued analysis of its exchanges, the
refresh of the suggestions, accepting (what it ticks and fills) and
rejecting, the team's settings and who may see and decide what."""

from datetime import timedelta

from markupsafe import Markup

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import PilotCommon, new_pilot_user

BODY = Markup(
    "<p>Bonjour,</p><p>Notre budget est de 40 k€ HT, c'est notre DG qui signe, "
    "on veut démarrer dans 3 semaines.</p><p>Cordialement,<br>Paul Girard<br>01 45 67 89 10</p>"
)


@tagged("post_install", "-at_install")
class TestEvidence(PilotCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create(
            {"name": "Paul Girard", "email": "paul@girard.example"}
        )
        cls.other_salesman = new_pilot_user(
            cls.env, "pilot_evidence_other", name="Olga Other", email="olga@example.com"
        )
        cls.cron = cls.env.ref("crm_pipeline_pilot.ir_cron_evidence_analysis")
        cls.today = fields.Date.context_today(cls.env["crm.lead"])

    def _customer_email(self, lead, body=BODY, message_type="email"):
        return lead.message_post(
            body=Markup(body),
            author_id=self.customer.id,
            message_type=message_type,
            subtype_xmlid="mail.mt_comment",
        )

    def _facts(self, lead, state=None):
        evidence = lead.evidence_ids.filtered(lambda e: state is None or e.state == state)
        return sorted(
            (
                e.kind,
                e.amount or (e.date and fields.Date.to_string(e.date)) or e.name or e.topic or "",
            )
            for e in evidence
        )

    def test_arrival_is_queued_then_read_in_batch(self):
        lead = self._opportunity("Girard")
        Trigger = self.env["ir.cron.trigger"]
        triggers = Trigger.search_count([("cron_id", "=", self.cron.id)])
        self._customer_email(lead)
        self.assertEqual(Trigger.search_count([("cron_id", "=", self.cron.id)]), triggers + 1)
        self.assertEqual(lead.pilot_evidence_queue, 1)
        # nothing read while the message was posted
        self.assertFalse(lead.evidence_ids)
        self.assertEqual(self.env["crm.lead"]._cron_pilot_analyze_exchanges(), 1)
        lead.invalidate_recordset()
        self.assertEqual(lead.pilot_evidence_queue, 0)
        in_3_weeks = fields.Date.to_string(self.today + timedelta(days=21))
        self.assertEqual(
            self._facts(lead), [("authority", "DG"), ("budget", 40000.0), ("timing", in_3_weeks)]
        )
        budget = lead.evidence_ids.filtered(lambda e: e.kind == "budget")
        self.assertEqual(
            budget.quote,
            "Notre budget est de 40 k€ HT, c'est notre DG qui signe, "
            "on veut démarrer dans 3 semaines.",
        )
        self.assertFalse(budget.is_internal)
        self.assertEqual(lead.pilot_evidence_count, 3)
        # nothing queued any more: a second run reads nothing
        self.assertEqual(self.env["crm.lead"]._cron_pilot_analyze_exchanges(), 0)

    def test_mail_gateway_reply_is_read(self):
        """A reply of the customer arrives through the mail gateway: the
        analysis is queued, not run, while the email is processed."""
        lead = self._opportunity("Gateway")
        ours = lead.with_user(self.salesman).message_post(
            body=Markup("<p>Bonjour, voici notre proposition.</p>"),
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        raw = (
            "From: Paul Girard <paul@girard.example>\r\n"
            "To: sales@pilot.example\r\n"
            "Subject: Re: proposition\r\n"
            "Message-ID: <evidence-gateway-1@girard.example>\r\n"
            f"In-Reply-To: {ours.message_id}\r\n"
            "MIME-Version: 1.0\r\n"
            'Content-Type: text/plain; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: 8bit\r\n"
            "\r\n"
            "Notre budget est de 35 000 € HT.\r\n"
            "\r\n"
            "Le lun. 7 déc. 2026, Sam Salesman a écrit :\r\n"
            "> Notre proposition s'élève à 45 000 € HT.\r\n"
        )
        self.env["mail.thread"].message_process("crm.lead", raw.encode())
        self.assertEqual(lead.pilot_evidence_queue, 2)
        self.assertFalse(lead.evidence_ids)
        self.env["crm.lead"]._cron_pilot_analyze_exchanges()
        self.assertEqual(self._facts(lead), [("budget", 35000.0)])

    def test_what_is_not_read(self):
        lead = self._opportunity("Not read")
        # a system notification and a tracking message are not exchanges
        lead.message_post(body=Markup("<p>Budget 40 k€</p>"), message_type="notification")
        lead.with_user(self.salesman).write({"expected_revenue": 1000})
        # an auto-reply, a quoted older message
        self._customer_email(lead, "<p>Réponse automatique : absent du 3 au 14 février.</p>")
        self._customer_email(
            lead, "<p>Ok</p><blockquote><p>Notre budget est de 30 k€.</p></blockquote>"
        )
        lead.action_pilot_analyze_exchanges()
        self.assertEqual(self._facts(lead), [])

    def test_internal_note_is_internal(self):
        lead = self._opportunity("Note")
        lead.with_user(self.salesman).message_post(
            body=Markup("<p>Appel : budget annoncé de 25 000 €.</p>"),
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        lead.action_pilot_analyze_exchanges()
        self.assertEqual(self._facts(lead), [("budget", 25000.0)])
        self.assertTrue(lead.evidence_ids.is_internal)

    def test_search_by_number_of_suggestions(self):
        """The filter "with suggestions" finds the opportunities that have
        some, and only them."""
        lead = self._opportunity("Some")
        other = self._opportunity("None")
        self._customer_email(lead)
        (lead | other).action_pilot_analyze_exchanges()
        self.assertEqual(lead.pilot_evidence_count, 3)
        Lead = self.env["crm.lead"]
        mine = [("id", "in", (lead | other).ids)]
        self.assertEqual(Lead.search([*mine, ("pilot_evidence_count", ">", 0)]), lead)
        self.assertEqual(Lead.search([*mine, ("pilot_evidence_count", "=", 0)]), other)
        self.assertEqual(Lead.search([*mine, ("pilot_evidence_count", "in", [3])]), lead)
        lead.evidence_ids[:1].action_pilot_reject()
        self.assertEqual(Lead.search([*mine, ("pilot_evidence_count", "=", 2)]), lead)

    def test_our_price_is_not_a_budget(self):
        lead = self._opportunity("Our price")
        lead.with_user(self.salesman).message_post(
            body=Markup("<p>Notre proposition s'élève à 38 500 € HT.</p>"),
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        lead.action_pilot_analyze_exchanges()
        self.assertEqual(self._facts(lead), [])

    def test_accept_budget_authority_timing_moves_the_score(self):
        lead = self._opportunity("Accept")
        self._customer_email(lead)
        lead.action_pilot_analyze_exchanges()
        self.assertEqual(lead.qualification_score, 0)
        as_salesman = lead.with_user(self.salesman).evidence_ids
        by_kind = {e.kind: e for e in as_salesman}
        by_kind["budget"].action_pilot_accept()
        self.assertEqual((lead.expected_revenue, lead.qualification_score), (40000.0, 1))
        by_kind["authority"].action_pilot_accept()
        authority_rule = self.env.ref("crm_pipeline_pilot.qualification_rule_authority")
        self.assertEqual(lead.qualification_confirmed_ids, authority_rule)
        self.assertEqual(lead.qualification_score, 2)
        # timing: accepted without the date, the closing date stays empty
        by_kind["timing"].action_pilot_accept_and_fill()
        self.assertEqual(lead.date_deadline, self.today + timedelta(days=21))
        self.assertEqual(lead.qualification_score, 3)
        self.assertEqual(lead.evidence_ids.mapped("state"), ["accepted", "accepted", "accepted"])
        self.assertEqual(lead.evidence_ids.decided_by_id, self.salesman)
        self.assertEqual(lead.pilot_evidence_count, 0)

    def test_accept_next_step_plans_an_activity(self):
        lead = self._opportunity("Next step")
        self._customer_email(lead, "<p>On se rappelle dans 2 semaines.</p>")
        lead.action_pilot_analyze_exchanges()
        step = lead.with_user(self.salesman).evidence_ids
        self.assertEqual(step.kind, "next_step")
        step.action_pilot_accept_and_fill()
        activity = lead.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.date_deadline, self.today + timedelta(days=14))
        self.assertEqual(activity.user_id, self.salesman)
        self.assertEqual(activity.summary, "On se rappelle dans 2 semaines.")

    def test_accept_ticks_the_manual_criterion_with_its_proof(self):
        criterion = self.env["crm.stage.exit.criterion"].create(
            {
                "stage_id": self.stage_new.id,
                "name": "Budget confirmed",
                "criterion_type": "manual",
                "pilot_evidence_kind": "budget",
            }
        )
        lead = self._opportunity("Criterion")
        self._customer_email(lead)
        lead.action_pilot_analyze_exchanges()
        budget = lead.with_user(self.salesman).evidence_ids.filtered(lambda e: e.kind == "budget")
        budget.action_pilot_accept()
        self.assertEqual(lead.confirmed_criterion_ids, criterion)
        self.assertEqual(budget.criterion_ids, criterion)
        self.assertIn("40 k€ HT", budget.quote)

    def test_reject_is_for_good_and_refresh_keeps_decisions(self):
        lead = self._opportunity("Refresh")
        # (a message of the customer on the portal: its author may edit it)
        message = self._customer_email(lead, message_type="comment")
        lead.action_pilot_analyze_exchanges()
        by_kind = {e.kind: e for e in lead.with_user(self.salesman).evidence_ids}
        by_kind["budget"].action_pilot_reject()
        by_kind["authority"].action_pilot_accept()
        # the same budget said again in a later email is not suggested again
        self._customer_email(lead, "<p>Je confirme : notre budget est de 40 k€.</p>")
        lead.action_pilot_analyze_exchanges()
        self.assertEqual(
            sorted((e.kind, e.state) for e in lead.evidence_ids),
            [("authority", "accepted"), ("budget", "rejected"), ("timing", "suggested")],
        )
        # the first message edited: its timing is no longer said, the
        # suggestion goes; the decided facts stay
        queued = lead.pilot_evidence_queue
        lead._message_update_content(message, Markup("<p>Merci pour la démo.</p>"))
        self.assertEqual(lead.pilot_evidence_queue, queued + 1)
        lead.action_pilot_analyze_exchanges()
        self.assertEqual(
            sorted((e.kind, e.state) for e in lead.evidence_ids),
            [("authority", "accepted"), ("budget", "rejected")],
        )

    def test_team_chooses_the_kinds_and_competitors(self):
        self.team.with_user(self.manager).write(
            {
                "pilot_evidence_budget": False,
                "pilot_evidence_authority": False,
                "pilot_competitor_names": "Karlia\nSellsy",
            }
        )
        lead = self._opportunity("Team")
        self._customer_email(
            lead, "<p>Notre budget est de 40 k€. Nous utilisons aujourd'hui Karlia.</p>"
        )
        lead.action_pilot_analyze_exchanges()
        self.assertEqual(self._facts(lead), [("competitor", "Karlia")])
        with self.assertRaises(AccessError):
            self.team.with_user(self.salesman).write({"pilot_evidence_budget": True})

    def test_access(self):
        lead = self._opportunity("Access")
        self._customer_email(lead)
        lead.action_pilot_analyze_exchanges()
        Evidence = self.env["crm.lead.evidence"]
        other = Evidence.with_user(self.other_salesman)
        self.assertEqual(other.search_count([("lead_id", "=", lead.id)]), 0)
        self.assertEqual(other._read_group([("lead_id", "=", lead.id)], [], ["__count"]), [(0,)])
        with self.assertRaises(AccessError):
            lead.evidence_ids[0].with_user(self.other_salesman).action_pilot_accept()
        with self.assertRaises(AccessError):
            lead.evidence_ids[0].with_user(self.other_salesman).read(["quote"])
        # the salesperson sees but cannot write the evidence (maintained)
        mine = lead.evidence_ids[0].with_user(self.salesman)
        self.assertEqual(len(mine.read(["quote"])), 1)
        with self.assertRaises(AccessError):
            mine.write({"state": "accepted"})
        with self.assertRaises(AccessError):
            Evidence.with_user(self.salesman).create(
                {
                    "lead_id": lead.id,
                    "message_id": mine.message_id.id,
                    "kind": "budget",
                    "quote": "x",
                }
            )
        # the manager decides on the salesperson's deals
        lead.evidence_ids.filtered(lambda e: e.kind == "budget").with_user(
            self.manager
        ).action_pilot_reject()
        self.assertEqual(lead.evidence_ids.filtered(lambda e: e.kind == "budget").state, "rejected")

    def test_hostile_messages_are_bounded(self):
        lead = self._opportunity("Hostile")
        huge = "<p>" + "Bla bla. " * 20000 + "Notre budget est de 99 k€.</p>"
        self._customer_email(lead, huge)
        self._customer_email(lead, "<p><script>alert(1)</script>Budget : <b>12 000 €</b>.</p>")
        self._customer_email(lead, "<p>Unser Budget: 5000 €. 予算は 3000 € です</p>")
        lead.action_pilot_analyze_exchanges()
        self.assertEqual(sorted(self._facts(lead)), [("budget", 5000.0), ("budget", 12000.0)])
