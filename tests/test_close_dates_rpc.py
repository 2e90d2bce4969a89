# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Close-date discipline: who sees the ledger, its queries, and the pushes and
slip reasons over JSON-RPC."""

from datetime import timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import PilotQueryCountMixin, PilotRpcMixin, new_pilot_user
from .test_close_dates import REFUSED, SLIP_REASON_REQUIRED, CloseDateCommon


@tagged("post_install", "-at_install")
class TestCloseDateVisibility(CloseDateCommon):
    def test_ledger_follows_lead_visibility(self):
        """Own documents, all documents and multi-company, as crm.lead."""
        colleague = new_pilot_user(
            self.env,
            "pilot_slip_colleague",
            name="Cole Colleague",
            email="cole@example.com",
            groups="sales_team.group_sale_salesman_all_leads",
        )
        mine = self._deal("Visible mine")
        theirs = self._deal("Visible theirs", user_id=colleague.id)
        other_company = self.env["res.company"].create({"name": "Slip Other Company"})
        elsewhere = self._deal("Visible elsewhere", user_id=False, company_id=other_company.id)
        for lead in mine | theirs | elsewhere:
            lead.write({"date_deadline": self.month_end})
        leads = mine | theirs | elsewhere
        self.assertEqual(len(self._changes(leads)), 3)
        self.assertEqual(self._changes(elsewhere).company_id, other_company)
        Change = self.Change.with_user(self.salesman)
        self.assertEqual(Change.search([("lead_id", "in", leads.ids)]).lead_id, mine)
        Change = self.Change.with_user(colleague)
        self.assertEqual(Change.search([("lead_id", "in", leads.ids)]).lead_id, mine | theirs)
        colleague.company_ids |= other_company
        Change = self.Change.with_user(colleague).with_context(
            allowed_company_ids=[self.company.id, other_company.id]
        )
        self.assertEqual(Change.search([("lead_id", "in", leads.ids)]).lead_id, leads)


@tagged("post_install", "-at_install", "is_query_count")
class TestCloseDateQueries(PilotQueryCountMixin, CloseDateCommon):
    def test_date_change_query_count(self):
        """A change of the expected closing date costs at most one query more
        than the same write without the ledger (measured here)."""
        leads = [
            self._deal(f"Query {key}").with_user(self.salesman)
            for key in ("warm_plain", "plain", "warm", "ledger")
        ]
        new = {"date_deadline": self.month_end}
        Lead = type(self.env["crm.lead"])
        with patch.object(Lead, "_pilot_record_close_date_changes", lambda *args, **kw: None):
            self._count(lambda: leads[0].write(new))
            baseline = self._count(lambda: leads[1].write(new))
        self.assertFalse(self._changes(leads[1]))
        self._count(lambda: leads[2].write(new))
        self.env.invalidate_all()
        with self.assertQueryCount(baseline + 1):
            self.env.invalidate_all()
            leads[3].write(new)
        self.assertEqual(len(self._changes(leads[3])), 1)


@tagged("post_install", "-at_install")
class TestCloseDatesOverRpc(PilotRpcMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_pilot_user(
            cls.env, "pilot_slip_salesman", name="Sid Slip", email="sid@example.com"
        )
        cls.team = cls.env["crm.team"].create(
            {"name": "Slip RPC Team", "member_ids": [(6, 0, [cls.salesman.id])]}
        )
        cls.reason = cls.env.ref("crm_pipeline_pilot.slip_reason_scope_changed")
        today = fields.Date.context_today(cls.env["crm.lead"].with_user(cls.salesman))
        cls.month_start = today + relativedelta(day=1)
        cls.later = today + relativedelta(day=31) + relativedelta(months=1)

    def setUp(self):
        super().setUp()
        self._login(self.salesman)

    def _lead(self, name):
        return self.env["crm.lead"].create(
            {
                "name": name,
                "type": "opportunity",
                "user_id": self.salesman.id,
                "team_id": self.team.id,
                "date_deadline": self.month_start,
            }
        )

    def test_slip_reason_required_over_rpc(self):
        lead = self._lead("RPC slipping deal")
        later = str(self.later)
        for method, kwargs in (
            ("write", {}),
            ("write", {"context": {"pilot_skip_slip_reason": "TRUSTED"}}),
            ("write", {"context": {"pilot_skip_slip_reason": True}}),
            ("web_save", {"specification": {"date_deadline": {}}}),
        ):
            with self.subTest(method=method, kwargs=kwargs):
                error = self._error(
                    self._call_kw("crm.lead", method, [[lead.id], {"date_deadline": later}], kwargs)
                )
                self.assertEqual(error["name"], SLIP_REASON_REQUIRED)
                self.assertIn(REFUSED, error["message"])
                self.assertIn("RPC slipping deal", error["message"])
        lead.invalidate_recordset()
        self.assertEqual(lead.date_deadline, self.month_start)
        Change = self.env["crm.lead.close.date.change"]
        self.assertFalse(Change.search([("lead_id", "=", lead.id)]))
        response = self._call_kw(
            "crm.lead",
            "web_save",
            [[lead.id], {"date_deadline": later, "slip_reason_id": self.reason.id}],
            {"specification": {"date_deadline": {}, "slip_reason_id": {}}},
        )
        self.assertNotIn("error", response, response.get("error"))
        self.assertEqual(response["result"][0]["date_deadline"], later)
        self.assertFalse(response["result"][0]["slip_reason_id"])
        change = Change.search([("lead_id", "=", lead.id)])
        self.assertEqual(len(change), 1)
        self.assertEqual(change.slip_reason_id, self.reason)
        self.assertEqual(change.changed_by_id, self.salesman)

    def test_ledger_read_only_over_rpc(self):
        lead = self._lead("RPC ledger")
        lead.write({"date_deadline": self.month_start + timedelta(days=1)})
        change = self.env["crm.lead.close.date.change"].search([("lead_id", "=", lead.id)])
        self.assertEqual(len(change), 1)
        model = "crm.lead.close.date.change"
        result = self._call_kw(model, "read", [[change.id], ["date_new"]])
        self.assertNotIn("error", result)
        for target, method, args in (
            (model, "write", [[change.id], {"date_new": "2000-01-01"}]),
            (model, "unlink", [[change.id]]),
            (model, "create", [{"lead_id": lead.id, "date_changed": "2026-01-01 00:00:00"}]),
            ("crm.lead", "write", [[lead.id], {"close_date_push_count": 0}]),
        ):
            with self.subTest(model=target, method=method):
                error = self._error(self._call_kw(target, method, args))
                self.assertEqual(error["name"], "odoo.exceptions.AccessError")
        change.invalidate_recordset()
        self.assertTrue(change.exists())
        self.assertEqual(change.date_new, self.month_start + timedelta(days=1))
        lead.invalidate_recordset()
        self.assertEqual(lead.close_date_push_count, 1)
