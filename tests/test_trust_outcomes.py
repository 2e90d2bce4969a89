# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The outcome of a deal over RPC, as a salesperson and a sales manager: the
closing note its loss reason requires, the loss reason of a former
opportunity, one outcome's reason at a time, margin rates that are figures
only where they mean something, and a target of 0 that is a target. Each
refused call is paired with the allowed one."""

import xmlrpc.client

from odoo.tests import HttpCase, tagged

from .common import SALES_MANAGER, PilotRpcMixin, new_pilot_user

NOTE_MESSAGE = (
    'The loss reason "Outcome competitor" requires a closing note: explain what happened for: %s.'
)
NO_REASON = (
    "An opportunity can only be marked as lost with a loss reason. "
    'Use the "Lost" button and choose a reason for: %s.'
)


@tagged("post_install", "-at_install")
class TestOutcomesOverRpc(PilotRpcMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["crm.stage.exit.criterion"].search([]).active = False
        cls.sam = new_pilot_user(cls.env, "pilot_oc_sam", name="Olga Sam", email="os@example.com")
        cls.mia = new_pilot_user(
            cls.env, "pilot_oc_mia", groups=SALES_MANAGER, name="Olga Mia", email="om@example.com"
        )
        cls.team = cls.env["crm.team"].create(
            {"name": "Outcome Team", "member_ids": [(6, 0, cls.sam.ids)]}
        )
        cls.stage = cls.env["crm.stage"].create({"name": "Outcome Stage", "sequence": -40})
        cls.won = cls.env["crm.stage"].create(
            {"name": "Outcome Won", "sequence": 95, "is_won": True}
        )
        cls.reason = cls.env["crm.lost.reason"].create({"name": "Outcome price"})
        cls.note_reason = cls.env["crm.lost.reason"].create(
            {"name": "Outcome competitor", "require_feedback": True}
        )
        cls.won_reason = cls.env["crm.won.reason"].create({"name": "Outcome fit"})

    def _deal(self, name, **values):
        return self.env["crm.lead"].create(
            {
                "name": name,
                "type": "opportunity",
                "user_id": self.sam.id,
                "team_id": self.team.id,
                "stage_id": self.stage.id,
                "expected_revenue": 1000,
                **values,
            }
        )

    def _xmlrpc(self, user, method, args, kwargs=None, model="crm.lead"):
        """Call ``method`` over XML-RPC as ``user`` (password: its login)."""
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, user.id, user.login, model, method, args, kwargs or {}
        )

    def _xmlrpc_refused(self, user, method, args, kwargs=None, model="crm.lead"):
        """Call ``method`` over XML-RPC, which must be refused: its message."""
        with self.assertRaises(xmlrpc.client.Fault) as catcher:
            self._xmlrpc(user, method, args, kwargs, model=model)
        return catcher.exception.faultString

    # ------------------------------------------------------------------
    # 1. The closing note a loss reason requires, on every path
    # ------------------------------------------------------------------

    def test_closing_note_required_on_every_path(self):
        deal, other = self._deal("Outcome note"), self._deal("Outcome note 2")
        reason_id = self.note_reason.id
        for user in (self.sam, self.mia):
            self._login(user)
            message = self._refused("action_set_lost", [deal.ids], {"lost_reason_id": reason_id})
            self.assertEqual(message, NOTE_MESSAGE % "Outcome note")
            message = self._refused(
                "write", [deal.ids, {"active": False, "lost_reason_id": reason_id}]
            )
            self.assertEqual(message, NOTE_MESSAGE % "Outcome note")
            # Mass write, and a blank note
            message = self._refused(
                "write",
                [
                    (deal | other).ids,
                    {
                        "active": False,
                        "lost_reason_id": reason_id,
                        "pilot_lost_feedback": "<p>\u200b&nbsp;</p>",
                    },
                ],
            )
            self.assertEqual(message, NOTE_MESSAGE % "Outcome note, Outcome note 2")
            result = self._ok(
                "load",
                [
                    [".id", "active", "lost_reason_id/.id"],
                    [[str(deal.id), "False", str(reason_id)]],
                ],
            )
            self.assertFalse(result["ids"])
            self.assertEqual(result["messages"][0]["message"], NOTE_MESSAGE % "Outcome note")
            fault = self._xmlrpc_refused(
                user, "action_set_lost", [deal.ids], {"lost_reason_id": reason_id}
            )
            self.assertIn(NOTE_MESSAGE % "Outcome note", fault)
        deal.invalidate_recordset()
        self.assertTrue(deal.active)
        # Automation run as superuser: the same rule
        with self.assertRaisesRegex(Exception, "requires a closing note"):
            deal.sudo().write({"active": False, "lost_reason_id": reason_id})
        # Allowed: the reason with its note (button, write, XML-RPC); the
        # note is not cleared while lost; restoring clears reason and note
        self._login(self.sam)
        self._ok(
            "action_set_lost",
            [deal.ids],
            {"lost_reason_id": reason_id, "pilot_lost_feedback": "<p>Chose a rival</p>"},
        )
        deal.invalidate_recordset()
        self.assertEqual(
            (deal.active, deal.lost_reason_id, deal.pilot_lost_feedback),
            (False, self.note_reason, "<p>Chose a rival</p>"),
        )
        message = self._refused("write", [deal.ids, {"pilot_lost_feedback": False}])
        self.assertEqual(message, NOTE_MESSAGE % "Outcome note")
        self._ok("action_unarchive", [deal.ids])
        deal.invalidate_recordset()
        self.assertEqual(
            (deal.active, deal.lost_reason_id.id, deal.pilot_lost_feedback), (True, False, False)
        )
        self._xmlrpc(
            self.mia,
            "write",
            [other.ids, {"active": False, "lost_reason_id": reason_id, "pilot_lost_feedback": "x"}],
        )
        # A reason that requires no note needs none
        self._ok("action_set_lost", [deal.ids], {"lost_reason_id": self.reason.id})
        deal.invalidate_recordset()
        self.assertEqual((other.active, deal.active), (False, False))

    def test_closing_note_of_the_lost_dialog(self):
        deal = self._deal("Outcome dialog")
        self._login(self.mia)
        lost = "crm.lead.lost"
        values = {"lead_ids": [(6, 0, deal.ids)], "lost_reason_id": self.note_reason.id}
        wizard_id = self._ok(
            "create", [{**values, "lost_feedback": "<p>Rival won</p>"}], model=lost
        )
        self._ok("action_lost_reason_apply", [[wizard_id]], model=lost)
        deal.invalidate_recordset()
        self.assertEqual(
            (deal.active, deal.lost_reason_id, deal.pilot_lost_feedback),
            (False, self.note_reason, "<p>Rival won</p>"),
        )

    # ------------------------------------------------------------------
    # 2. A former opportunity keeps the loss reason rule
    # ------------------------------------------------------------------

    def test_former_opportunity_is_lost_with_a_reason_only(self):
        deal = self._deal("Outcome switched")
        lead = self._deal("Outcome junk", type="lead")
        self.assertEqual((deal.pilot_was_opportunity, lead.pilot_was_opportunity), (True, False))
        for user in (self.sam, self.mia):
            self._login(user)
            self._ok("write", [deal.ids, {"type": "lead"}])
            for method, args in (
                ("write", [deal.ids, {"active": False}]),
                ("action_archive", [deal.ids]),
                ("toggle_active", [deal.ids]),
                ("load", [[".id", "active"], [[str(deal.id), "False"]]]),
            ):
                if method == "load":
                    result = self._ok(method, args)
                    message = result["messages"][0]["message"]
                else:
                    message = self._refused(method, args)
                self.assertEqual(message, NO_REASON % "Outcome switched")
            message = self._refused(
                "write", [deal.ids, {"pilot_was_opportunity": False}], error="AccessError"
            )
            self.assertEqual(
                message,
                "These fields are maintained by the application and cannot be written: "
                "Was an Opportunity.",
            )
        deal.invalidate_recordset()
        self.assertEqual((deal.type, deal.active), ("lead", True))
        # Allowed: a junk lead that never was an opportunity, and the former
        # opportunity with a reason
        self._ok("write", [lead.ids, {"active": False}])
        self._ok("action_set_lost", [deal.ids], {"lost_reason_id": self.reason.id})
        (deal | lead).invalidate_recordset()
        self.assertEqual(
            (deal.active, lead.active, deal.lost_reason_id), (False, False, self.reason)
        )
        # A copy of the former opportunity is a new lead
        copy_id = self._ok("copy", [deal.ids, {"active": True}])
        self.assertFalse(self.env["crm.lead"].browse(copy_id).pilot_was_opportunity)

    # ------------------------------------------------------------------
    # 4. One outcome's reason at a time
    # ------------------------------------------------------------------

    def test_never_a_loss_reason_and_a_won_reason_together(self):
        deal = self._deal("Outcome both")
        won_deal = self._deal("Outcome won", stage_id=self.won.id)
        won_deal.pilot_won_reason_id = self.won_reason
        for user in (self.sam, self.mia):
            self._login(user)
            message = self._refused(
                "write",
                [
                    deal.ids,
                    {"lost_reason_id": self.reason.id, "pilot_won_reason_id": self.won_reason.id},
                ],
            )
            self.assertEqual(
                message,
                "An opportunity carries a loss reason or a won reason, never both: Outcome both.",
            )
            message = self._refused("write", [won_deal.ids, {"lost_reason_id": self.reason.id}])
            self.assertIn(
                message,
                (
                    "A won opportunity carries no loss reason: Outcome won.",
                    "An opportunity carries a loss reason or a won reason, never both: "
                    "Outcome won.",
                ),
            )
            won_deal.pilot_won_reason_id = False
            message = self._refused("write", [won_deal.ids, {"lost_reason_id": self.reason.id}])
            self.assertEqual(message, "A won opportunity carries no loss reason: Outcome won.")
            won_deal.pilot_won_reason_id = self.won_reason
            fault = self._xmlrpc_refused(
                user,
                "write",
                [
                    deal.ids,
                    {"lost_reason_id": self.reason.id, "pilot_won_reason_id": self.won_reason.id},
                ],
            )
            self.assertIn("never both", fault)
        # Allowed: a won deal marked lost gives up its won reason; restored
        # and won again, it takes a won reason and gives up its loss reason
        self._login(self.sam)
        self._ok("action_set_lost", [won_deal.ids], {"lost_reason_id": self.reason.id})
        won_deal.invalidate_recordset()
        self.assertEqual(
            (won_deal.active, won_deal.lost_reason_id, won_deal.pilot_won_reason_id.id),
            (False, self.reason, False),
        )
        self._ok(
            "write", [won_deal.ids, {"active": True, "pilot_won_reason_id": self.won_reason.id}]
        )
        won_deal.invalidate_recordset()
        self.assertEqual(
            (won_deal.active, won_deal.lost_reason_id.id, won_deal.pilot_won_reason_id),
            (True, False, self.won_reason),
        )

    # ------------------------------------------------------------------
    # 5. Margin rates: figures only where they mean something
    # ------------------------------------------------------------------

    def test_margin_rate_unknown_without_positive_revenue(self):
        deal = self._deal("Outcome margin", expected_revenue=1000, estimated_cost=600)
        fields_ = ["margin_known", "estimated_margin_rate", "is_low_margin", "estimated_margin"]
        for user in (self.sam, self.mia):
            self._login(user)
            self._ok("write", [deal.ids, {"expected_revenue": -1000, "estimated_cost": 500}])
            row = self._ok("read", [deal.ids, fields_])[0]
            self.assertEqual([row[f] for f in fields_], [False, 0.0, True, 0.0])
            message = self._refused(
                "write",
                [deal.ids, {"expected_revenue": 100, "estimated_cost": 1e15}],
                error="ValidationError",
            )
            self.assertEqual(
                message,
                "The estimated cost of Outcome margin gives a margin rate below -1,000 %: check "
                "the estimated cost and the expected revenue.",
            )
            message = self._refused("write", [deal.ids, {"estimated_margin_rate": 40}])
            self.assertEqual(
                message,
                "Set a positive expected revenue of Outcome margin before entering a margin rate.",
            )
            self._ok("write", [deal.ids, {"expected_revenue": 100}])
            message = self._refused(
                "write", [deal.ids, {"estimated_margin_rate": -5000}], error="ValidationError"
            )
            self.assertIn("gives a margin rate below -1,000 %", message)
            # Allowed: a cost of eleven times the revenue at most
            self._ok("write", [deal.ids, {"expected_revenue": 100, "estimated_cost": 1100}])
            row = self._ok("read", [deal.ids, fields_])[0]
            self.assertEqual([row[f] for f in fields_], [True, -1000.0, True, -1000.0])
            self._ok("write", [deal.ids, {"expected_revenue": 1000, "estimated_cost": 600}])

    def test_average_margin_rate_skips_unknown_rates(self):
        deals = (
            self._deal("Outcome avg 1", expected_revenue=1000, estimated_cost=600)
            | self._deal("Outcome avg 2", expected_revenue=-1000, estimated_cost=500)
            | self._deal("Outcome avg 3", expected_revenue=0, estimated_cost=500)
            | self._deal("Outcome avg 4", expected_revenue=1000)
        )
        self._login(self.mia)
        groups = self._ok(
            "read_group",
            [[("id", "in", deals.ids)], ["estimated_margin_rate:avg"], []],
            {"lazy": False},
        )
        self.assertEqual(groups[0]["estimated_margin_rate"], 40.0)

    # ------------------------------------------------------------------
    # 6. A target of 0 is a target
    # ------------------------------------------------------------------

    def test_zero_target_of_a_lower_is_better_kpi(self):
        self._login(self.mia)
        target_id = self._ok(
            "create",
            [{"team_id": self.team.id, "month": "2026-03-01", "attrition_target": 0}],
            model="crm.pipeline.target",
        )
        self.assertTrue(target_id)
        Target = self.env["crm.pipeline.target"]
        values = Target._get_target_values(self.team, "2026-03-18")
        self.assertEqual((values["attrition"], values["deal_size"]), (0.0, None))
        review = self.env["crm.pipeline.review"].new({"team_ids": self.team.ids})
        attrition = self.env.ref("crm_pipeline_pilot.crm_pipeline_kpi_attrition")
        deal_size = self.env.ref("crm_pipeline_pilot.crm_pipeline_kpi_deal_size")
        statuses = [
            review._line_values(self.team, attrition, 5.0, 0.0)["status"],
            review._line_values(self.team, attrition, 0.0, 0.0)["status"],
            review._line_values(self.team, deal_size, 5.0, None)["status"],
        ]
        self.assertEqual(statuses, ["off_target", "on_target", "no_target"])
