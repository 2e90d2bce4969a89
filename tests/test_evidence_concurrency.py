# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The exchanges of one opportunity analysed twice at once (the button and the
scheduled action woken by the same message), each in its own transaction on
data really committed: the facts are suggested once."""

import psycopg2
from markupsafe import Markup

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestEvidenceConcurrency(TransactionCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            customer = env["res.partner"].create({"name": "Concurrent customer"})
            lead = env["crm.lead"].create(
                {"name": "Concurrent reading", "type": "opportunity", "partner_id": customer.id}
            )
            lead.message_post(
                body=Markup("<p>Our budget is 80,000 EUR. We are also talking to Globex.</p>"),
                author_id=customer.id,
                message_type="email",
                subtype_xmlid="mail.mt_comment",
            )
            self.lead_id, self.customer_id = lead.id, customer.id
        self.addCleanup(self._delete_committed_data)

    def _delete_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["crm.lead"].browse(self.lead_id).unlink()
            env["res.partner"].browse(self.customer_id).unlink()

    def _analyse(self, cr):
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["crm.lead"].browse(self.lead_id).action_pilot_analyze_exchanges()

    def test_two_analyses_at_once_suggest_each_fact_once(self):
        with self.registry.cursor() as first, self.registry.cursor() as second:
            self._analyse(first)
            # The second waits for the first (here: gives up after 200 ms
            # instead of waiting for a commit this thread would never make).
            second.execute("SET LOCAL lock_timeout = '200ms'")
            with self.assertRaises(psycopg2.errors.LockNotAvailable):
                self._analyse(second)
            second.rollback()
            first.commit()
            # Retried after the first committed: it reads what was stored.
            self._analyse(second)
            second.commit()
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT kind, count(*) FROM crm_lead_evidence WHERE lead_id = %s"
                " GROUP BY kind ORDER BY kind",
                [self.lead_id],
            )
            self.assertEqual(cr.fetchall(), [("budget", 1), ("competitor", 1)])
