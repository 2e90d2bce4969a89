# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import HttpCase, tagged

from .common import PilotRpcMixin, new_pilot_user


@tagged("post_install", "-at_install")
class TestExitCriteriaUi(PilotRpcMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["crm.stage.exit.criterion"].search([]).active = False
        cls.salesman = new_pilot_user(
            cls.env, "pilot_gate_salesman", name="Gail Gate", email="gail@example.com"
        )
        cls.team = cls.env["crm.team"].create(
            {"name": "Gate Team", "member_ids": [(6, 0, [cls.salesman.id])]}
        )
        Stage = cls.env["crm.stage"]
        # First columns of the pipeline, so that they are on screen.
        cls.stage_from = Stage.create({"name": "Gate Qualified", "sequence": -3})
        cls.stage_to = Stage.create({"name": "Gate Discovery", "sequence": -2})
        cls.criterion = cls.env["crm.stage.exit.criterion"].create(
            {
                "name": "Budget confirmed",
                "description": "The customer confirmed the budget.",
                "stage_id": cls.stage_from.id,
                "criterion_type": "manual",
            }
        )
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Gate Tour Deal",
                "type": "opportunity",
                "user_id": cls.salesman.id,
                "team_id": cls.team.id,
                "stage_id": cls.stage_from.id,
                # The tour saves the form: crm_partner_required and
                # crm_date_deadline_required (OCA) ask these on it.
                "partner_id": cls.env["res.partner"].create({"name": "Gate Customer"}).id,
                "date_deadline": "2027-03-31",
            }
        )

    def test_tour_drag_refused_then_allowed(self):
        """A salesperson drags a card forward with a criterion missing (refused,
        message shown, card back in its column), ticks the criterion on the
        form, drags again (moves)."""
        self.start_tour("/odoo/crm", "crm_pipeline_pilot_exit_criteria", login=self.salesman.login)
        self.assertEqual(self.lead.stage_id, self.stage_to)
        self.assertEqual(self.lead.confirmed_criterion_ids, self.criterion)

    def test_rpc_salesman_cannot_skip_the_gate(self):
        self._login(self.salesman)
        skip = {"context": {"pilot_skip_exit_criteria": True}}
        calls = [
            ("crm.lead", "write", [[self.lead.id], {"stage_id": self.stage_to.id}], skip),
            (
                "crm.lead",
                "web_save",
                [[self.lead.id], {"stage_id": self.stage_to.id}],
                {**skip, "specification": {}},
            ),
            (
                "crm.lead",
                "create",
                [{"name": "Gate RPC", "type": "opportunity", "stage_id": self.stage_to.id}],
                skip,
            ),
        ]
        for model, method, args, kwargs in calls:
            with self.subTest(method=method):
                error = self._call_kw(model, method, args, kwargs).get("error")
                self.assertTrue(error, f"{method} must be refused")
                self.assertEqual(error["data"]["name"], "odoo.exceptions.UserError")
                self.assertIn("- Gate Qualified: Budget confirmed", error["data"]["message"])
        # Nor through the bypass wizard, nor by calling the gate's helpers.
        error = self._call_kw(
            "crm.stage.exit.bypass",
            "create",
            [
                {
                    "lead_ids": [[6, 0, [self.lead.id]]],
                    "stage_id": self.stage_to.id,
                    "justification": "x",
                }
            ],
        ).get("error")
        self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError")
        error = self._call_kw("crm.lead", "action_pilot_exit_bypass", [[self.lead.id]]).get("error")
        self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError")
        error = self._call_kw("crm.lead", "_pilot_exit_criteria_skipped", [[self.lead.id]]).get(
            "error"
        )
        self.assertTrue(error)
        self.lead.invalidate_recordset()
        self.assertEqual(self.lead.stage_id, self.stage_from)
        self.assertFalse(self.env["crm.lead"].search([("name", "=", "Gate RPC")]))
        # Once the criterion is confirmed, the same call moves the opportunity.
        result = self._call_kw(
            "crm.lead",
            "write",
            [[self.lead.id], {"confirmed_criterion_ids": [[4, self.criterion.id]]}],
        )
        self.assertNotIn("error", result)
        result = self._call_kw(
            "crm.lead", "write", [[self.lead.id], {"stage_id": self.stage_to.id}]
        )
        self.assertNotIn("error", result)
        self.lead.invalidate_recordset()
        self.assertEqual(self.lead.stage_id, self.stage_to)
