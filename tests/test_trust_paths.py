# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Paths around the rules of closing dates and won deals, multi-company
rules, superuser helpers and the copy of won deals, tried over JSON-RPC as a
salesperson and as a sales manager; each refusal is paired with the allowed
call that succeeds (the forecast submissions: test_trust_paths_forecast.py)."""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from ..models.crm_lead import company_today
from ..models.forecast_category.crm_forecast_submission import month_start
from .common import new_pilot_user
from .trust_paths_common import TrustPathsCommon


@tagged("post_install", "-at_install")
class TestTrustPathsRpc(TrustPathsCommon):
    # ------------------------------------------------------------------
    # Class 5: closing dates and won deals
    # ------------------------------------------------------------------

    def test_close_date_detours_as_salesperson(self):
        deal = self._deal("Trust detour", date_deadline=self.today)
        later = month_start(self.today) + relativedelta(months=2)
        self._login(self.sam)
        self._ok("write", [deal.ids, {"type": "lead"}])
        response = self._call_kw("crm.lead", "write", [deal.ids, {"date_deadline": str(later)}])
        self.assertIn("choose a slip reason", self._error(response)["message"])
        archived = self.env["crm.slip.reason"].create({"name": "Trust old reason", "active": False})
        message = self._refused(
            "write", [deal.ids, {"date_deadline": str(later), "slip_reason_id": archived.id}]
        )
        self.assertIn("is archived or deleted", message)
        # Allowed: with an active reason, recorded whatever the type
        self._ok(
            "write", [deal.ids, {"date_deadline": str(later), "slip_reason_id": self.reason.id}]
        )
        self._ok("write", [deal.ids, {"type": "opportunity"}])
        changes = self.env["crm.lead.close.date.change"].search([("lead_id", "=", deal.id)])
        self.assertEqual(
            [(c.date_old, c.date_new, c.slip_reason_id) for c in changes],
            [(self.today, later, self.reason)],
        )
        self.assertEqual(deal.close_date_push_count, 1)

    def test_merge_keeps_the_history_as_manager(self):
        pushed = self._deal("Trust pushed", date_deadline=self.today)
        later = month_start(self.today) + relativedelta(months=2)
        pushed.with_user(self.sam).write({"date_deadline": later, "slip_reason_id": self.reason.id})
        pushed.with_user(self.sam).write({"date_deadline": later + timedelta(days=3)})
        survivor = self._deal("Trust survivor", expected_revenue=900)
        self._login(self.mia)
        wizard_id = self._ok(
            "create",
            [{"opportunity_ids": [(6, 0, (survivor | pushed).ids)], "team_id": self.team.id}],
            model="crm.merge.opportunity",
        )
        self._ok("action_merge", [[wizard_id]], model="crm.merge.opportunity")
        merged = (survivor | pushed).exists()
        changes = self.env["crm.lead.close.date.change"].search([("lead_id", "=", merged.id)])
        self.assertEqual(
            sorted((c.date_old, c.date_new) for c in changes.filtered("pushed")),
            [(self.today, later), (later, later + timedelta(days=3))],
        )
        self.assertEqual(merged.close_date_push_count, 2)
        self.assertEqual(len(merged), 1)

    def test_stage_becoming_won_respects_won_reasons(self):
        deal = self._deal("Trust won by stage", stage_id=self.stage_commit.id)
        self._login(self.sam)
        self._refused(
            "write",
            [self.stage_commit.ids, {"is_won": True}],
            model="crm.stage",
            error="AccessError",
        )
        self._login(self.mia)
        message = self._refused(
            "write", [self.stage_commit.ids, {"is_won": True}], model="crm.stage"
        )
        self.assertIn("Trust won by stage", message)
        self.assertFalse(self.stage_commit.is_won)
        # Allowed once the deal has its reason
        deal.pilot_won_reason_id = self.won_reason
        self._ok("write", [self.stage_commit.ids, {"is_won": True}], model="crm.stage")
        self.assertEqual(deal.forecast_category, "closed")

    # ------------------------------------------------------------------
    # Class 6: multi-company
    # ------------------------------------------------------------------

    def test_rules_of_another_company(self):
        Rule = self.env["crm.qualification.rule"]
        NextRule = self.env["crm.next.action.rule"]
        todo = self.env.ref("mail.mail_activity_data_todo")
        rule_b = Rule.create({"name": "B budget", "dimension": "budget", "team_id": self.team_b.id})
        next_b = NextRule.create(
            {
                "name": "B call",
                "condition": "no_activity",
                "activity_type_id": todo.id,
                "summary": "Call",
                "team_id": self.team_b.id,
            }
        )
        self.assertEqual((rule_b.company_id, next_b.company_id), (self.company_b, self.company_b))
        for user in (self.sam, self.mia):
            self._login(user)
            for model, record in (
                ("crm.qualification.rule", rule_b),
                ("crm.next.action.rule", next_b),
            ):
                self._refused("read", [record.ids, ["name"]], model=model, error="AccessError")
                self._refused(
                    "write", [record.ids, {"name": "x"}], model=model, error="AccessError"
                )
                rows = self._ok("search_read", [[("id", "=", record.id)], ["name"]], model=model)
                self.assertEqual(rows, [])
            # Allowed: the shared defaults and the rules of their company are read
            rows = self._ok(
                "read",
                [[self.env.ref("crm_pipeline_pilot.qualification_rule_budget").id], ["name"]],
                model="crm.qualification.rule",
            )
            self.assertEqual(rows[0]["name"], "Expected revenue set")
        self._login(self.mia)
        self._refused(
            "create",
            [{"name": "x", "dimension": "need", "team_id": self.team_b.id}],
            model="crm.qualification.rule",
            error="AccessError",
        )
        shared = self.env.ref("crm_pipeline_pilot.qualification_rule_budget")
        self.assertFalse(shared.company_id)
        self._refused(
            "write",
            [shared.ids, {"name": "x"}],
            model="crm.qualification.rule",
            error="AccessError",
        )
        # Allowed: the rules of their own company
        rule_id = self._ok(
            "create",
            [{"name": "A need", "dimension": "need", "team_id": self.team.id}],
            model="crm.qualification.rule",
        )
        self.assertEqual(Rule.browse(rule_id).company_id, self.company_a)
        default_id = self._ok(
            "create", [{"name": "A default", "dimension": "timing"}], model="crm.qualification.rule"
        )
        self.assertEqual(Rule.browse(default_id).company_id, self.company_a)

    def test_defaults_apply_to_their_company_only(self):
        Rule = self.env["crm.qualification.rule"]
        default_b = Rule.create(
            {"name": "B timing default", "dimension": "timing", "company_id": self.company_b.id}
        )
        default_a = Rule.create(
            {"name": "A timing default", "dimension": "timing", "company_id": self.company_a.id}
        )
        for_a = Rule._pilot_rule_ids_for_team(self.team.id, self.company_a.id)["timing"]
        for_b = Rule._pilot_rule_ids_for_team(self.team_b.id, self.company_b.id)["timing"]
        self.assertIn(default_a.id, for_a)
        self.assertNotIn(default_b.id, for_a)
        self.assertIn(default_b.id, for_b)
        self.assertNotIn(default_a.id, for_b)
        NextRule = self.env["crm.next.action.rule"]
        next_b = NextRule.create(
            {
                "name": "B only",
                "condition": "no_activity",
                "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                "summary": "Call",
                "company_id": self.company_b.id,
            }
        )
        ids_a = [row[0] for row in NextRule._pilot_rules_for_team(self.team.id, self.company_a.id)]
        ids_b = [
            row[0] for row in NextRule._pilot_rules_for_team(self.team_b.id, self.company_b.id)
        ]
        self.assertNotIn(next_b.id, ids_a)
        self.assertIn(next_b.id, ids_b)

    # ------------------------------------------------------------------
    # Class 7: superuser helpers reached over RPC
    # ------------------------------------------------------------------

    def test_backtest_run_as_salesperson_and_manager(self):
        backtest = self.env["crm.forecast.backtest"].create({"months": 3})
        self._login(self.sam)
        self._refused(
            "action_run", [backtest.ids], model="crm.forecast.backtest", error="AccessError"
        )
        self.assertEqual(backtest.state, "draft")
        self._login(self.mia)
        self._ok("action_run", [backtest.ids], model="crm.forecast.backtest")
        backtest.invalidate_recordset()
        self.assertEqual(backtest.state, "done")

    # ------------------------------------------------------------------
    # Class 8: copy of a won opportunity
    # ------------------------------------------------------------------

    def test_copy_of_a_won_opportunity(self):
        won = self._deal(
            "Trust won deal", stage_id=self.stage_won.id, pilot_won_reason_id=self.won_reason.id
        )
        self.assertEqual(won.forecast_category, "closed")
        for user in (self.sam, self.mia):
            self._login(user)
            copy_id = self._ok("copy", [won.ids])
            copy = self.env["crm.lead"].browse(copy_id)
            self.assertFalse(copy.stage_id.is_won)
            self.assertEqual(copy.forecast_category, copy.stage_id.pilot_forecast_category)
            self.assertFalse(copy.pilot_won_reason_id)
        # A deal its salesperson may not read is not copied
        olga_deal = self._deal("Trust Olga's", user_id=self.olga.id, team_id=self.team_other.id)
        self._login(self.sam)
        self._refused("copy", [olga_deal.ids], error="AccessError")


@tagged("post_install", "-at_install")
class TestMonthBoundaryOfTheCompany(TransactionCase):
    """ "Today" for the month boundary is the company's, whatever time zone
    the caller sends."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["crm.stage.exit.criterion"].search([]).active = False
        cls.company = cls.env.company
        cls.salesman = new_pilot_user(cls.env, "pilot_tp_tz", name="Tess Tz")
        cls.team = cls.env["crm.team"].create(
            {"name": "Trust TZ", "member_ids": [(6, 0, cls.salesman.ids)]}
        )

    @freeze_time("2026-03-31 12:00:00")
    def test_caller_time_zone_does_not_move_the_month(self):
        self.company.partner_id.tz = "UTC"
        self.env.flush_all()
        lead = self.env["crm.lead"].create(
            {
                "name": "TZ deal",
                "type": "opportunity",
                "user_id": self.salesman.id,
                "team_id": self.team.id,
                "date_deadline": "2026-03-31",
            }
        )
        # In Kiritimati (UTC+14) it is already April 1st: still March for the company
        as_kiritimati = lead.with_user(self.salesman).with_context(tz="Pacific/Kiritimati")
        with self.assertRaisesRegex(UserError, "choose a slip reason"):
            as_kiritimati.write({"date_deadline": "2026-04-02"})
        self.assertEqual(lead.date_deadline, date(2026, 3, 31))
        # A company in Kiritimati is in April: the same date is not pushed out of its month
        self.company.partner_id.tz = "Pacific/Kiritimati"
        self.env.flush_all()
        lead.with_user(self.salesman).with_context(tz="UTC").write({"date_deadline": "2026-04-02"})
        self.assertEqual(lead.date_deadline, date(2026, 4, 2))
        self.assertEqual(company_today(self.company), date(2026, 4, 1))
