# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Won reasons: required per team when configured, on every path (the Won
button and its dialog, stage moves, mass edit, creation, copy, automation
rules, JSON-RPC as a salesperson), and reported in the Pipeline Analysis."""

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .common import PilotCommon, PilotRpcMixin, new_pilot_user

REQUIRED = "A won reason is required by the sales team to mark an opportunity as won"


class WonReasonCommon:
    @classmethod
    def _setup_won(cls):
        cls.stage_won = cls.env["crm.stage"].create(
            {"name": "Won (reason)", "sequence": 2, "is_won": True}
        )
        cls.price = cls.env["crm.won.reason"].create({"name": "Best price (pilot)"})


@tagged("post_install", "-at_install")
class TestWonReason(WonReasonCommon, PilotCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_won()
        cls.team.pilot_won_reason_required = True
        cls.opp = cls._opportunity("Deal to win", expected_revenue=3000)

    def assertOpen(self, leads):
        leads.invalidate_recordset()
        for lead in leads:
            self.assertFalse(lead.stage_id.is_won, lead.name)

    def test_won_button_opens_the_dialog(self):
        action = self.opp.with_user(self.salesman).action_set_won_rainbowman()
        self.assertEqual(
            (action["res_model"], action["target"], action["context"]),
            ("crm.lead.pilot.won", "new", {"default_lead_ids": self.opp.ids}),
        )
        self.assertOpen(self.opp)
        wizard = (
            self.env["crm.lead.pilot.won"]
            .with_user(self.salesman)
            .with_context(**action["context"])
            .create({})
        )
        with self.assertRaisesMessage(UserError, "Choose a won reason"):
            wizard.action_won_reason_apply()
        self.assertOpen(self.opp)
        wizard.won_reason_id = self.price
        wizard.action_won_reason_apply()
        self.assertEqual(
            (self.opp.stage_id, self.opp.pilot_won_reason_id), (self.stage_won, self.price)
        )

    def test_action_set_won_and_stage_write_are_refused(self):
        opp = self.opp.with_user(self.salesman)
        with self.assertRaisesMessage(UserError, REQUIRED):
            opp.action_set_won()
        self.assertOpen(self.opp)
        with self.assertRaisesMessage(UserError, REQUIRED):
            opp.write({"stage_id": self.stage_won.id})
        self.assertOpen(self.opp)
        opp.write({"stage_id": self.stage_won.id, "pilot_won_reason_id": self.price.id})
        self.assertEqual(self.opp.stage_id, self.stage_won)
        # Clearing the reason of a won deal is refused; leaving the won stage clears it
        with self.assertRaisesMessage(UserError, REQUIRED):
            opp.write({"pilot_won_reason_id": False})
        opp.write({"stage_id": self.stage_new.id})
        self.assertFalse(self.opp.pilot_won_reason_id)

    def test_mass_edit_is_all_or_nothing(self):
        second = self._opportunity("Second deal to win", pilot_won_reason_id=self.price.id)
        leads = (self.opp | second).with_user(self.salesman)
        with self.assertRaises(UserError) as error:
            leads.write({"stage_id": self.stage_won.id})
        self.assertIn("Deal to win", str(error.exception))
        self.assertNotIn("Second deal to win", str(error.exception))
        self.assertOpen(self.opp | second)

    def test_created_won_needs_a_reason(self):
        with self.assertRaisesMessage(UserError, REQUIRED):
            self._opportunity("Born won", stage_id=self.stage_won.id)
        self.assertFalse(self.env["crm.lead"].search([("name", "=", "Born won")]))

    def test_team_without_requirement(self):
        self.team.pilot_won_reason_required = False
        self.opp.with_user(self.salesman).action_set_won()
        self.assertEqual(self.opp.stage_id, self.stage_won)
        self.assertFalse(self.opp.pilot_won_reason_id)
        action = self._opportunity("Other").with_user(self.salesman).action_set_won_rainbowman()
        self.assertNotEqual(
            action.get("res_model") if isinstance(action, dict) else None, "crm.lead.pilot.won"
        )

    def test_reported_next_to_loss_reasons(self):
        lost = self._opportunity("Deal lost")
        lost.action_set_lost(lost_reason_id=self.reason.id)
        self.opp.write({"stage_id": self.stage_won.id, "pilot_won_reason_id": self.price.id})
        self.env.flush_all()
        rows = self.env["crm.pipeline.report"].search_read(
            [("lead_id", "in", (self.opp | lost).ids)],
            ["lead_id", "state", "won_reason_id", "lost_reason_id"],
            order="id",
        )
        self.assertEqual(
            [
                (
                    row["state"],
                    row["won_reason_id"] and row["won_reason_id"][0],
                    row["lost_reason_id"] and row["lost_reason_id"][0],
                )
                for row in rows
            ],
            [("won", self.price.id, False), ("lost", False, self.reason.id)],
        )


@tagged("post_install", "-at_install")
class TestWonReasonOverRpc(WonReasonCommon, PilotRpcMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_won()
        cls.salesman = new_pilot_user(
            cls.env, "pilot_won_salesman", name="Wendy Won", email="wendy@example.com"
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Won Attack Team",
                "member_ids": [(6, 0, [cls.salesman.id])],
                "pilot_won_reason_required": True,
            }
        )
        cls.stage_open = cls.env["crm.stage"].create({"name": "Won Attack Open", "sequence": 1})

    def setUp(self):
        super().setUp()
        self._login(self.salesman)

    def _lead(self, name, **values):
        vals = {
            "name": name,
            "type": "opportunity",
            "user_id": self.salesman.id,
            "team_id": self.team.id,
            "stage_id": self.stage_open.id,
        }
        vals.update(values)
        return self.env["crm.lead"].create(vals)

    def _refused(self, method, args, kwargs=None):
        message = super()._refused(method, args, kwargs)
        self.assertIn(REQUIRED, message)
        return message

    def test_no_won_opportunity_without_a_reason_on_any_path(self):
        first, second = self._lead("Won attack 1"), self._lead("Won attack 2")
        self._refused("action_set_won", [[first.id]])
        self._refused("write", [[first.id], {"stage_id": self.stage_won.id}])
        self._refused("write", [[first.id, second.id], {"stage_id": self.stage_won.id}])
        self._refused(
            "create",
            [
                {
                    "name": "Won attack born",
                    "team_id": self.team.id,
                    "stage_id": self.stage_won.id,
                    "type": "opportunity",
                }
            ],
        )
        # The Won button asks for the reason instead of winning
        action = self._ok("action_set_won_rainbowman", [[first.id]])
        self.assertEqual(action["res_model"], "crm.lead.pilot.won")
        # An automation rule (run as superuser) cannot win it either
        self._automation_on_rename(
            "Won attack: win on rename",
            "Won attack",
            "Won attack: set the won stage",
            self.stage_won,
        )
        self._refused("write", [[second.id], {"name": "Won attack renamed"}])
        (first | second).invalidate_recordset()
        self.assertEqual((first | second).stage_id, self.stage_open)
        self.assertFalse(self.env["crm.lead"].search([("name", "=", "Won attack born")]))
        # With a reason, the salesperson wins it
        self._ok(
            "write",
            [[first.id], {"stage_id": self.stage_won.id, "pilot_won_reason_id": self.price.id}],
        )
        first.invalidate_recordset()
        self.assertEqual((first.stage_id, first.pilot_won_reason_id), (self.stage_won, self.price))
        self._refused("write", [[first.id], {"pilot_won_reason_id": False}])
