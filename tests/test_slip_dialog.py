# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The slip reason dialog: a push out of the current month without a reason
is refused with SlipReasonRequired, which the web client turns into the
dialog of crm.lead.slip; the dialog writes the date with the reason through
the same rule."""

from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from ..models.close_date.crm_lead import SlipReasonRequired
from ..models.crm_lead import TRUSTED
from .common import PilotRpcMixin, load_french, new_pilot_user
from .test_close_dates import REFUSED, SLIP_REASON_REQUIRED, CloseDateCommon


@tagged("post_install", "-at_install")
class TestSlipDialog(CloseDateCommon):
    def _wizard(self, leads, date, reason=None, note=False, user=None):
        Wizard = self.env["crm.lead.slip"].with_user(user or self.salesman)
        return Wizard.with_context(
            default_lead_ids=leads.ids, default_date_deadline=fields.Date.to_string(date)
        ).create({"slip_reason_id": reason.id if reason else False, "note": note})

    def test_refusal_names_the_leads_and_the_date(self):
        leads = self._deal("Slips A") | self._deal("Slips B", date=self.month_end)
        with self.assertRaisesMessage(SlipReasonRequired, REFUSED) as catcher:
            leads.with_user(self.salesman).write({"date_deadline": self.next_month})
        self.assertIsInstance(catcher.exception, UserError)
        self.assertEqual(
            catcher.exception.context,
            {
                "pilot_slip_reason": {
                    "lead_ids": leads.ids,
                    "date_deadline": fields.Date.to_string(self.next_month),
                }
            },
        )
        with self.assertRaises(SlipReasonRequired) as catcher:
            leads[0].with_user(self.salesman).write({"date_deadline": False})
        self.assertEqual(
            catcher.exception.context,
            {"pilot_slip_reason": {"lead_ids": leads[0].ids, "date_deadline": False}},
        )

    def test_dialog_pushes_with_the_reason(self):
        lead = self._deal("Dialog push")
        wizard = self._wizard(lead, self.next_month, self.reason, note="<p>Board meets in June</p>")
        self.assertEqual(wizard.lead_ids, lead)
        self.assertEqual(wizard.date_deadline, self.next_month)
        messages_before = lead.message_ids
        result = wizard.action_apply()
        self.assertEqual(
            result, {"type": "ir.actions.act_window_close", "infos": {"pilot_slipped": True}}
        )
        self.assertEqual(lead.date_deadline, self.next_month)
        self.assertEqual(
            self._rows(lead),
            [
                (
                    lead,
                    self.month_start,
                    self.next_month,
                    True,
                    (self.next_month - self.month_start).days,
                    self.reason,
                )
            ],
        )
        self.assertEqual(self._changes(lead).changed_by_id, self.salesman)
        self.assertEqual(lead.close_date_push_count, 1)
        note = lead.message_ids - messages_before
        self.assertEqual(len(note), 1)
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        self.assertEqual(note.author_id, self.salesman.partner_id)
        self.assertIn("slip reason: Customer postponed", note.body)
        self.assertIn("<p>Board meets in June</p>", note.body)

    def test_dialog_without_note_logs_nothing(self):
        lead = self._deal("Dialog no note")
        messages_before = lead.message_ids
        self._wizard(lead, self.later, self.reason_budget).action_apply()
        self.assertEqual(lead.date_deadline, self.later)
        self.assertEqual(self._changes(lead).slip_reason_id, self.reason_budget)
        self.assertEqual(lead.message_ids, messages_before)

    def test_dialog_several_leads_one_write(self):
        leads = self._deal("Dialog many A") | self._deal("Dialog many B", date=self.month_end)
        self._wizard(leads, self.next_month, self.reason).action_apply()
        self.assertEqual(leads.mapped("date_deadline"), [self.next_month, self.next_month])
        self.assertEqual(
            [(row[0], row[1], row[5]) for row in self._rows(leads)],
            [
                (leads[0], self.month_start, self.reason),
                (leads[1], self.month_end, self.reason),
            ],
        )

    def test_dialog_removes_the_date(self):
        lead = self._deal("Dialog removal")
        wizard = self.env["crm.lead.slip"].with_user(self.salesman)
        wizard = wizard.with_context(default_lead_ids=lead.ids, default_date_deadline=False)
        wizard.create({"slip_reason_id": self.reason.id}).action_apply()
        self.assertFalse(lead.date_deadline)
        self.assertEqual(self._rows(lead), [(lead, self.month_start, False, True, 0, self.reason)])

    def test_dialog_requires_a_reason(self):
        lead = self._deal("Dialog no reason")
        wizard = self._wizard(lead, self.next_month)
        with self.assertRaisesMessage(UserError, "Choose a slip reason"):
            wizard.action_apply()
        self.assertEqual(lead.date_deadline, self.month_start)
        self.assertFalse(self._changes(lead))

    def test_dialog_defaults_do_not_leak(self):
        """The dialog's default_* keys do not reach what the write creates
        (an activity has a date_deadline too)."""
        lead = self._deal("Dialog context")
        wizard = self._wizard(lead, self.next_month, self.reason)
        Lead = type(self.env["crm.lead"])
        seen = []
        original = Lead.write

        def spy(records, vals):
            seen.append(dict(records.env.context))
            return original(records, vals)

        with patch.object(Lead, "write", spy):
            wizard.action_apply()
        self.assertTrue(seen)
        self.assertFalse([key for key in seen[0] if key.startswith("default_")])

    def test_dialog_cannot_push_others_deals(self):
        other = new_pilot_user(
            self.env, "pilot_slip_other", name="Olga Other", email="olga@example.com"
        )
        lead = self._deal("Not Olga's")
        with self.assertRaises(AccessError):
            wizard = self._wizard(lead, self.next_month, self.reason, user=other)
            wizard.action_apply()
        self.assertEqual(lead.date_deadline, self.month_start)
        self.assertFalse(self._changes(lead))


@tagged("post_install", "-at_install")
class TestSlipDialogOverRpc(PilotRpcMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_pilot_user(
            cls.env, "pilot_dialog_salesman", name="Dina Dialog", email="dina@example.com"
        )
        cls.other = new_pilot_user(
            cls.env, "pilot_dialog_other", name="Oscar Other", email="oscar@example.com"
        )
        cls.team = cls.env["crm.team"].create(
            {"name": "Dialog Team", "member_ids": [(6, 0, [cls.salesman.id])]}
        )
        cls.reason = cls.env.ref("crm_pipeline_pilot.slip_reason_scope_changed")
        today = fields.Date.context_today(cls.env["crm.lead"].with_user(cls.salesman))
        cls.month_start = today + relativedelta(day=1)
        cls.later = today + relativedelta(day=31) + relativedelta(months=1)

    def _lead(self, name, user):
        return self.env["crm.lead"].create(
            {
                "name": name,
                "type": "opportunity",
                "user_id": user.id,
                "team_id": self.team.id,
                "date_deadline": self.month_start,
            }
        )

    def _dialog(self, lead, reason):
        """Open the dialog as the web client does, and confirm it."""
        context = {"default_lead_ids": lead.ids, "default_date_deadline": str(self.later)}
        created = self._call_kw(
            "crm.lead.slip",
            "web_save",
            [[], {"slip_reason_id": reason.id if reason else False}],
            {"specification": {}, "context": context},
        )
        self.assertNotIn("error", created, created.get("error"))
        wizard_id = created["result"][0]["id"]
        return self._call_kw("crm.lead.slip", "action_apply", [[wizard_id]], {"context": context})

    def test_refusal_carries_the_dialog_data(self):
        self._login(self.salesman)
        lead = self._lead("RPC dialog deal", self.salesman)
        response = self._call_kw(
            "crm.lead",
            "web_save",
            [[lead.id], {"date_deadline": str(self.later)}],
            {"specification": {"date_deadline": {}}},
        )
        error = response["error"]["data"]
        self.assertEqual(error["name"], SLIP_REASON_REQUIRED)
        self.assertIn(REFUSED, error["message"])
        self.assertEqual(
            error["context"],
            {"pilot_slip_reason": {"lead_ids": [lead.id], "date_deadline": str(self.later)}},
        )
        response = self._dialog(lead, self.reason)
        self.assertEqual(
            response["result"],
            {"type": "ir.actions.act_window_close", "infos": {"pilot_slipped": True}},
        )
        lead.invalidate_recordset()
        self.assertEqual(lead.date_deadline, self.later)
        change = self.env["crm.lead.close.date.change"].search([("lead_id", "=", lead.id)])
        self.assertRecordValues(
            change,
            [
                {
                    "date_old": self.month_start,
                    "date_new": self.later,
                    "slip_reason_id": self.reason.id,
                    "changed_by_id": self.salesman.id,
                }
            ],
        )

    def test_dialog_is_no_way_around_the_rules(self):
        """Without a reason, or on a deal the salesperson may not see (the
        dialog does not see it either), the dialog changes nothing."""
        self._login(self.other)
        lead = self._lead("Someone else's deal", self.salesman)
        for reason, message in (
            (self.reason, "There is no opportunity to push."),
            (None, "Choose a slip reason to push the expected closing date."),
        ):
            with self.subTest(reason=reason):
                error = self._dialog(lead, reason)["error"]["data"]
                self.assertEqual(error["name"], "odoo.exceptions.UserError")
                self.assertEqual(error["message"], message)
        lead.invalidate_recordset()
        self.assertEqual(lead.date_deadline, self.month_start)
        Change = self.env["crm.lead.close.date.change"]
        self.assertFalse(Change.search([("lead_id", "=", lead.id)]))


@tagged("post_install", "-at_install")
class TestSlipDialogTour(HttpCase):
    """On the demo data, in French: a deal of this month dragged to next
    month in the Forecast kanban."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_french(cls.env)
        cls.admin = cls.env.ref("base.user_admin")
        cls.admin.lang = "fr_FR"
        cls.lead = cls.env.ref("crm_pipeline_pilot.close_date_demo_lead_pulled")
        today = fields.Date.context_today(cls.lead.with_user(cls.admin))
        cls.next_month_end = today + relativedelta(months=1, day=31)
        cls.today = today
        # A deal of this month, whatever day the demo data was installed.
        cls.lead.sudo().with_context(pilot_skip_slip_reason=TRUSTED).write({"date_deadline": today})
        # A customer, which crm_partner_required (OCA) asks on the form the tour saves.
        cls.lead.partner_id = cls.env["res.partner"].create({"name": "Logistique Bernard"})
        cls.Change = cls.env["crm.lead.close.date.change"]
        cls.changes_before = cls.Change.search([("lead_id", "=", cls.lead.id)])
        cls.reason = cls.env.ref("crm_pipeline_pilot.slip_reason_customer_postponed")

    def _new_changes(self):
        return self.Change.search([("lead_id", "=", self.lead.id)]) - self.changes_before

    def test_tour_drag_asks_the_slip_reason(self):
        self.start_tour(
            "/odoo/action-crm.crm_lead_action_forecast",
            "crm_pipeline_pilot_slip_dialog",
            login="admin",
        )
        self.lead.invalidate_recordset()
        self.assertEqual(self.lead.date_deadline, self.next_month_end)
        self.assertRecordValues(
            self._new_changes(),
            [
                {
                    "date_old": self.today,
                    "date_new": self.next_month_end,
                    "pushed": True,
                    "slip_reason_id": self.reason.id,
                    "changed_by_id": self.admin.id,
                }
            ],
        )
        note = self.lead.message_ids[0]
        self.assertIn("Signature attendue en début de mois prochain.", note.body)
        self.assertIn("motif de report : Report demandé par le client", note.body)

    def test_tour_cancel_leaves_the_date(self):
        self.start_tour(
            "/odoo/action-crm.crm_lead_action_forecast",
            "crm_pipeline_pilot_slip_dialog_cancel",
            login="admin",
        )
        self.lead.invalidate_recordset()
        self.assertEqual(self.lead.date_deadline, self.today)
        self.assertFalse(self._new_changes())

    def test_tour_form_asks_the_slip_reason(self):
        self.start_tour(
            "/odoo/action-crm.crm_lead_action_forecast",
            "crm_pipeline_pilot_slip_dialog_form",
            login="admin",
        )
        pushed_to = self.today + relativedelta(months=1, day=15)
        self.lead.invalidate_recordset()
        self.assertEqual(self.lead.date_deadline, pushed_to)
        self.assertRecordValues(
            self._new_changes(),
            [
                {
                    "date_old": self.today,
                    "date_new": pushed_to,
                    "pushed": True,
                    "slip_reason_id": self.env.ref(
                        "crm_pipeline_pilot.slip_reason_budget_not_approved"
                    ).id,
                    "changed_by_id": self.admin.id,
                }
            ],
        )
