# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json
from contextlib import contextmanager

from odoo.tests import TransactionCase

from odoo.addons.mail.tests.common import mail_new_test_user


class PilotCommon(TransactionCase):
    """Users, a sales team and opportunities shared by the add-on's tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        cls.company = cls.env.company
        cls.salesman = mail_new_test_user(
            cls.env,
            login="pilot_salesman",
            name="Sam Salesman",
            email="sam@example.com",
            groups="sales_team.group_sale_salesman",
        )
        cls.manager = mail_new_test_user(
            cls.env,
            login="pilot_manager",
            name="Mia Manager",
            email="mia@example.com",
            groups="sales_team.group_sale_manager",
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Pilot Team",
                "user_id": cls.manager.id,
                "member_ids": [(6, 0, [cls.salesman.id])],
                "pilot_min_margin_rate": 30.0,
            }
        )
        cls.stage_new = cls.env["crm.stage"].create({"name": "Pilot New", "sequence": 1})
        cls.reason = cls.env["crm.lost.reason"].create({"name": "Too expensive (pilot)"})
        cls.reason_note = cls.env["crm.lost.reason"].create(
            {"name": "Competitor (pilot)", "require_feedback": True}
        )

    @contextmanager
    def assertRaisesMessage(self, exception, text):
        """assertRaises (which rolls back to a savepoint, so that we can check
        that nothing changed) that also checks the error message."""
        with self.assertRaises(exception) as catcher:
            yield catcher
        self.assertIn(text, str(catcher.exception))

    @classmethod
    def _opportunity(cls, name, **values):
        vals = {
            "name": name,
            "type": "opportunity",
            "user_id": cls.salesman.id,
            "team_id": cls.team.id,
            "stage_id": cls.stage_new.id,
        }
        vals.update(values)
        return cls.env["crm.lead"].create(vals)


class PilotRpcMixin:
    """For HttpCase tests: JSON-RPC calls as the web client (or an external
    script) makes them, as the user of the current session."""

    def _call_kw(self, model, method, args, kwargs=None):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        }
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()
