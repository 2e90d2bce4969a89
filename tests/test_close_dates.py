# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Close-date discipline: the ledger of the expected closing dates, slip
reasons when a date is pushed out of the current month, pushed deals."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..models.crm_lead import TRUSTED
from .common import PilotCommon

REFUSED = "pushed out of the current month"
# A UserError, whose context lets the web client ask for the slip reason.


SLIP_REASON_REQUIRED = (
    "odoo.addons.crm_pipeline_pilot.models.close_date.crm_lead.SlipReasonRequired"
)


class CloseDateCommon(PilotCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Change = cls.env["crm.lead.close.date.change"]
        cls.reason = cls.env.ref("crm_pipeline_pilot.slip_reason_customer_postponed")
        cls.reason_budget = cls.env.ref("crm_pipeline_pilot.slip_reason_budget_not_approved")
        # The current month as the salesperson sees it (their time zone).
        today = fields.Date.context_today(cls.env["crm.lead"].with_user(cls.salesman))
        cls.month_start = today + relativedelta(day=1)
        cls.month_end = today + relativedelta(day=31)
        cls.next_month = cls.month_end + timedelta(days=1)
        cls.later = cls.month_end + relativedelta(months=2)

    def _deal(self, name, date=None, **values):
        return self._opportunity(name, date_deadline=date or self.month_start, **values)

    def _changes(self, leads):
        changes = self.Change.search([("lead_id", "in", leads.ids)])
        return changes.sorted(lambda change: (change.lead_id.id, change.id))

    def _rows(self, leads):
        return [
            (
                change.lead_id,
                change.date_old,
                change.date_new,
                change.pushed,
                change.days_moved,
                change.slip_reason_id,
            )
            for change in self._changes(leads)
        ]


@tagged("post_install", "-at_install")
class TestCloseDateLedger(CloseDateCommon):
    def test_shipped_slip_reasons(self):
        names = self.env["crm.slip.reason"].search([]).mapped("name")
        for name in (
            "Customer postponed",
            "Budget not approved",
            "Decision maker unavailable",
            "Legal / procurement delay",
            "Scope changed",
        ):
            self.assertIn(name, names)

    def test_creation_is_not_a_change(self):
        lead = self._deal("Created with a date", date=self.later)
        self.assertFalse(self._changes(lead))
        self.assertEqual(lead.close_date_push_count, 0)

    def test_push_within_the_month(self):
        lead = self._deal("Pushed in month")
        lead.with_user(self.salesman).write({"date_deadline": self.month_end})
        change = self._changes(lead)
        self.assertEqual(len(change), 1)
        self.assertRecordValues(
            change,
            [
                {
                    "lead_id": lead.id,
                    "date_old": self.month_start,
                    "date_new": self.month_end,
                    "pushed": True,
                    "days_moved": (self.month_end - self.month_start).days,
                    "slip_reason_id": False,
                    "changed_by_id": self.salesman.id,
                    "user_id": self.salesman.id,
                    "team_id": self.team.id,
                    "company_id": lead.company_id.id,
                }
            ],
        )
        self.assertTrue(change.date_changed)
        self.assertEqual(lead.close_date_push_count, 1)

    def test_pull_in(self):
        lead = self._deal("Pulled in", date=self.later)
        lead.with_user(self.salesman).write({"date_deadline": self.month_start})
        self.assertEqual(
            self._rows(lead),
            [
                (
                    lead,
                    self.later,
                    self.month_start,
                    False,
                    -(self.later - self.month_start).days,
                    self.env["crm.slip.reason"],
                )
            ],
        )
        self.assertEqual(lead.close_date_push_count, 0)

    def test_unchanged_date_and_other_fields_not_recorded(self):
        lead = self._deal("Same date")
        lead.write({"date_deadline": self.month_start})
        lead.write({"expected_revenue": 5000, "slip_reason_id": self.reason.id})
        self.assertFalse(self._changes(lead))

    def test_first_date_and_removed_date(self):
        lead = self._opportunity("No date yet")
        lead.write({"date_deadline": self.later})  # a first date is not a push
        # Removing a date in the current month pushes it out of the month.
        lead.write({"date_deadline": self.month_start})
        with self.assertRaisesMessage(UserError, REFUSED):
            lead.write({"date_deadline": False})
        lead.write({"date_deadline": False, "slip_reason_id": self.reason.id})
        no_reason = self.env["crm.slip.reason"]
        self.assertEqual(
            self._rows(lead),
            [
                (lead, False, self.later, False, 0, no_reason),
                (
                    lead,
                    self.later,
                    self.month_start,
                    False,
                    -(self.later - self.month_start).days,
                    no_reason,
                ),
                (lead, self.month_start, False, True, 0, self.reason),
            ],
        )
        self.assertEqual(lead.close_date_push_count, 1)

    def test_mass_write(self):
        a = self._deal("Mass A")
        b = self._deal("Mass B", date=self.later)
        same = self._deal("Mass same", date=self.month_end)
        plain_lead = self._deal("Mass lead", type="lead")
        leads = a | b | same | plain_lead
        leads.with_user(self.salesman).write({"date_deadline": self.month_end})
        no_reason = self.env["crm.slip.reason"]
        self.assertEqual(
            self._rows(leads),
            [
                (
                    a,
                    self.month_start,
                    self.month_end,
                    True,
                    (self.month_end - self.month_start).days,
                    no_reason,
                ),
                (
                    b,
                    self.later,
                    self.month_end,
                    False,
                    -(self.later - self.month_end).days,
                    no_reason,
                ),
                # A lead too: switching a deal to a lead does not leave the ledger
                (
                    plain_lead,
                    self.month_start,
                    self.month_end,
                    True,
                    (self.month_end - self.month_start).days,
                    no_reason,
                ),
            ],
        )
        self.assertEqual(leads.mapped("close_date_push_count"), [1, 0, 0, 1])

    def test_mass_push_out_of_month_all_or_nothing(self):
        a = self._deal("Mass out A")
        b = self._deal("Mass out B", date=self.later)  # not in this month
        leads = (a | b).with_user(self.salesman)
        with self.assertRaisesMessage(UserError, REFUSED) as catcher:
            leads.write({"date_deadline": self.later + timedelta(days=1)})
        self.assertIn("Mass out A", str(catcher.exception))
        self.assertNotIn("Mass out B", str(catcher.exception))
        self.assertEqual(a.date_deadline, self.month_start)
        self.assertEqual(b.date_deadline, self.later)
        self.assertFalse(self._changes(a | b))
        leads.write(
            {"date_deadline": self.later + timedelta(days=1), "slip_reason_id": self.reason.id}
        )
        self.assertEqual(len(self._changes(a | b)), 2)
        self.assertEqual(self._changes(a | b).slip_reason_id, self.reason)
        self.assertEqual((a | b).mapped("close_date_push_count"), [1, 1])

    def test_slip_reason_required_out_of_the_month(self):
        overdue = self._deal("Overdue deal", date=self.month_start - timedelta(days=20))
        for lead, new in ((self._deal("Slipping deal"), self.next_month), (overdue, self.later)):
            with self.subTest(lead=lead.name):
                as_salesman = lead.with_user(self.salesman)
                old = lead.date_deadline
                with self.assertRaisesMessage(UserError, lead.name):
                    as_salesman.write({"date_deadline": new})
                self.assertEqual(lead.date_deadline, old)
                self.assertFalse(self._changes(lead))
                as_salesman.write({"date_deadline": new, "slip_reason_id": self.reason_budget.id})
                self.assertEqual(lead.date_deadline, new)
                change = self._changes(lead)
                self.assertEqual(len(change), 1)
                self.assertEqual(change.slip_reason_id, self.reason_budget)
                self.assertTrue(change.pushed)
                # The reason is a transient input: not kept on the opportunity.
                lead.invalidate_recordset()
                self.assertFalse(lead.slip_reason_id)
        # Already after this month: pushing it further needs no reason.
        overdue.write({"date_deadline": self.later + timedelta(days=30)})
        self.assertEqual(overdue.close_date_push_count, 2)

    def test_exempt_with_trusted_only(self):
        lead = self._deal("Trusted")
        Lead = self.env["crm.lead"]
        for env_lead in (
            lead,  # superuser without the marker
            lead.with_context(pilot_skip_slip_reason=True),
            lead.with_context(pilot_skip_slip_reason="TRUSTED"),
            lead.with_user(self.manager).with_context(pilot_skip_slip_reason=TRUSTED),
        ):
            with (
                self.subTest(context=env_lead.env.context),
                self.assertRaisesMessage(UserError, REFUSED),
            ):
                env_lead.write({"date_deadline": self.later})
        self.assertEqual(lead.date_deadline, self.month_start)
        Lead.browse(lead.id).sudo().with_context(pilot_skip_slip_reason=TRUSTED).write(
            {"date_deadline": self.later}
        )
        self.assertEqual(lead.date_deadline, self.later)
        change = self._changes(lead)
        self.assertEqual((change.pushed, change.slip_reason_id.id), (True, False))

    def test_import(self):
        Lead = self.env["crm.lead"].with_user(self.salesman)
        result = Lead.load(
            ["name", "type", "team_id/.id", "date_deadline"],
            [["Imported deal", "opportunity", str(self.team.id), str(self.month_start)]],
        )
        self.assertFalse(result["messages"], result["messages"])
        lead = self.env["crm.lead"].browse(result["ids"])
        self.assertFalse(self._changes(lead))
        result = Lead.load([".id", "date_deadline"], [[str(lead.id), str(self.later)]])
        self.assertTrue(result["messages"])
        self.assertIn(REFUSED, result["messages"][0]["message"])
        self.assertEqual(lead.date_deadline, self.month_start)
        self.assertFalse(self._changes(lead))
        result = Lead.load(
            [".id", "date_deadline", "slip_reason_id"],
            [[str(lead.id), str(self.later), "Customer postponed"]],
        )
        self.assertFalse(result["messages"], result["messages"])
        lead.invalidate_recordset()
        self.assertEqual(lead.date_deadline, self.later)
        self.assertEqual(
            self._rows(lead),
            [
                (
                    lead,
                    self.month_start,
                    self.later,
                    True,
                    (self.later - self.month_start).days,
                    self.reason,
                )
            ],
        )

    def test_push_count_and_filter(self):
        lead = self._deal("Pushed thrice")
        other = self._deal("Pushed once")
        for days in (1, 2, 3):
            lead.write({"date_deadline": self.month_start + timedelta(days=days)})
        # Keep within the month: the first days of any month are in it.
        other.write({"date_deadline": self.month_start + timedelta(days=1)})
        lead.write({"date_deadline": self.month_start})  # a pull does not count
        self.assertEqual(lead.close_date_push_count, 3)
        self.assertEqual(other.close_date_push_count, 1)
        self.assertTrue(lead.close_date_push_alert)
        self.assertFalse(other.close_date_push_alert)
        Lead = self.env["crm.lead"].with_user(self.salesman)
        domain = [("id", "in", (lead | other).ids), ("close_date_push_alert", "=", True)]
        self.assertEqual(Lead.search(domain), lead)
        self.assertEqual(
            Lead.search([("id", "in", (lead | other).ids), ("close_date_push_alert", "=", False)]),
            other,
        )
        self.company.pilot_push_alert_count = 4
        self.assertFalse(Lead.search(domain))
        lead.invalidate_recordset()
        self.assertFalse(lead.close_date_push_alert)
        self.company.pilot_push_alert_count = 1
        self.assertEqual(Lead.search(domain), lead | other)
        # The filter of the search view reads the same field.
        view = self.env.ref("crm_pipeline_pilot.crm_lead_view_search_opportunity_close_date")
        self.assertIn("close_date_push_alert", view.arch)

    def test_push_count_is_maintained_by_the_application(self):
        lead = self._deal("Count faker")
        with self.assertRaisesMessage(AccessError, "maintained by the application"):
            lead.with_user(self.salesman).write({"close_date_push_count": 0})
        with self.assertRaises(AccessError):
            self.Change.with_user(self.salesman).create(
                {"lead_id": lead.id, "date_changed": fields.Datetime.now()}
            )

    def test_slip_rate_in_report(self):
        team = self.env["crm.team"].create({"name": "Slip Team"})
        leads = [self._deal(f"Slip {i}", team_id=team.id) for i in range(4)]
        leads[0].write({"date_deadline": self.month_end})
        leads[1].write(
            {"date_deadline": self.month_end, "user_id": self.manager.id, "team_id": team.id}
        )
        leads[2].write({"date_deadline": self.month_start - timedelta(days=1)})  # pulled in
        # The salesperson and team of the ledger row are those given with the date.
        self.assertEqual(self._changes(leads[1]).user_id, self.manager)
        self.assertEqual(self._changes(leads[1]).team_id, team)
        self.env.flush_all()
        Report = self.env["crm.pipeline.report"]
        [(rate,)] = Report._read_group([("team_id", "=", team.id)], [], ["slip_rate:avg"])
        self.assertAlmostEqual(rate, 50.0)
        by_user = dict(
            Report._read_group([("team_id", "=", team.id)], ["user_id"], ["slip_rate:avg"])
        )
        self.assertAlmostEqual(by_user[self.manager], 100.0)
        self.assertAlmostEqual(by_user[self.salesman], 100.0 / 3)

    def test_weekly_review_lists_pushed_deals(self):
        pushed = self._deal("Review pushed")
        pulled = self._deal("Review pulled", date=self.later)
        pushed.write({"date_deadline": self.month_end})
        pulled.write({"date_deadline": self.month_end})
        review = self.env["crm.pipeline.review"].create(
            {"date": fields.Date.context_today(self.env.user), "team_ids": self.team.ids}
        )
        self.assertEqual(review.pushed_change_ids.lead_id, pushed)
