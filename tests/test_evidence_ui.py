# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Evidence in the browser, in French: a customer's email arrives on a deal,
the salesperson accepts the budget it gives and the score moves; and the
evidence through JSON-RPC, as the web client or a script reads it."""

from datetime import timedelta

from markupsafe import Markup

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import PilotRpcMixin, load_french, new_pilot_user


@tagged("post_install", "-at_install")
class TestEvidenceTour(PilotRpcMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_french(cls.env)
        cls.salesman = new_pilot_user(
            cls.env,
            "pilot_evidence_vendeur",
            name="Valérie Vendeuse",
            email="valerie@example.com",
            lang="fr_FR",
        )
        cls.other = new_pilot_user(
            cls.env, "pilot_evidence_autre", name="Alain Autre", email="alain@example.com"
        )
        cls.manager = new_pilot_user(
            cls.env,
            "pilot_evidence_chef",
            name="Chloé Cheffe",
            email="chloe@example.com",
            groups="sales_team.group_sale_manager",
        )
        team = cls.env["crm.team"].create(
            {"name": "Evidence Tour Team", "member_ids": [(6, 0, [cls.salesman.id])]}
        )
        stage = cls.env["crm.stage"].create({"name": "Evidence Discovery", "sequence": -5})
        customer = cls.env["res.partner"].create(
            {"name": "Paul Girard", "email": "paul@girard.example"}
        )
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Affaire Girard",
                "type": "opportunity",
                "user_id": cls.salesman.id,
                "team_id": team.id,
                "stage_id": stage.id,
                "partner_id": customer.id,
                # far away: the timing dimension is not met
                "date_deadline": fields.Date.today() + timedelta(days=200),
            }
        )
        # The customer's email arrives (as through the mail gateway)...
        cls.lead.message_post(
            body=Markup(
                "<p>Bonjour,</p><p>Notre budget est de 40 k€ HT, c'est notre DG qui signe, "
                "on veut démarrer dans 3 semaines.</p><p>Cordialement,<br>Paul Girard</p>"
            ),
            author_id=customer.id,
            message_type="email",
            subtype_xmlid="mail.mt_comment",
        )
        # ...and the queued analysis runs.
        cls.env["crm.lead"]._cron_pilot_analyze_exchanges()

    def test_tour_accept_the_budget(self):
        self.assertEqual(self.lead.qualification_score, 0)
        self.assertEqual(self.lead.pilot_evidence_count, 3)
        self.start_tour("/odoo/crm", "crm_pipeline_pilot_evidence", login=self.salesman.login)
        self.lead.invalidate_recordset()
        budget = self.lead.evidence_ids.filtered(lambda e: e.kind == "budget")
        self.assertEqual(budget.state, "accepted")
        self.assertEqual(budget.decided_by_id, self.salesman)
        self.assertEqual(self.lead.expected_revenue, 40000.0)
        self.assertEqual(self.lead.qualification_score, 1)
        self.assertEqual(self.lead.pilot_evidence_count, 2)

    def test_rpc(self):
        domain = [["lead_id", "=", self.lead.id]]
        # another salesperson limited to their own documents sees nothing
        self.authenticate(self.other.login, self.other.login)
        result = self._call_kw("crm.lead.evidence", "search_read", [domain], {"fields": ["quote"]})
        self.assertEqual(result["result"], [])
        result = self._call_kw(
            "crm.lead.evidence",
            "read_group",
            [domain, ["kind"], ["kind"]],
        )
        self.assertEqual(result["result"], [])
        evidence = self.lead.evidence_ids.filtered(lambda e: e.kind == "authority")
        result = self._call_kw("crm.lead.evidence", "action_pilot_accept", [evidence.ids])
        self.assertEqual(result["error"]["data"]["name"], "odoo.exceptions.AccessError")
        # the salesperson reads theirs and cannot write it
        self.authenticate(self.salesman.login, self.salesman.login)
        result = self._call_kw(
            "crm.lead.evidence", "search_read", [domain], {"fields": ["kind"], "order": "kind"}
        )
        self.assertEqual(
            [row["kind"] for row in result["result"]], ["authority", "budget", "timing"]
        )
        result = self._call_kw("crm.lead.evidence", "write", [evidence.ids, {"state": "accepted"}])
        self.assertEqual(result["error"]["data"]["name"], "odoo.exceptions.AccessError")
        # the manager accepts on the salesperson's deal
        self.authenticate(self.manager.login, self.manager.login)
        result = self._call_kw("crm.lead.evidence", "action_pilot_accept", [evidence.ids])
        self.assertIs(result["result"], True)
        self.assertEqual(evidence.state, "accepted")
        self.assertEqual(
            self.lead.qualification_confirmed_ids,
            self.env.ref("crm_pipeline_pilot.qualification_rule_authority"),
        )
