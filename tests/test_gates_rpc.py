# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Every path around the gates, tried as a salesperson would over JSON-RPC:
the exit criteria of stages and the mandatory loss reasons hold on each."""

from odoo.tests import HttpCase, tagged

from .common import PilotRpcMixin, new_pilot_user

MISSING = "- Attack Qualified: Budget confirmed"


@tagged("post_install", "-at_install")
class TestGatesOverRpc(PilotRpcMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["crm.stage.exit.criterion"].search([]).active = False
        cls.salesman = new_pilot_user(
            cls.env, "pilot_attack_salesman", name="Arno Attack", email="arno@example.com"
        )
        cls.team = cls.env["crm.team"].create(
            {"name": "Attack Team", "member_ids": [(6, 0, [cls.salesman.id])]}
        )
        Stage = cls.env["crm.stage"]
        cls.stage_from = Stage.create({"name": "Attack Qualified", "sequence": -30})
        cls.stage_to = Stage.create({"name": "Attack Discovery", "sequence": -20})
        cls.criterion = cls.env["crm.stage.exit.criterion"].create(
            {
                "name": "Budget confirmed",
                "stage_id": cls.stage_from.id,
                "criterion_type": "manual",
            }
        )
        cls.reason = cls.env["crm.lost.reason"].create({"name": "Attack: too expensive"})

    def setUp(self):
        super().setUp()
        self._login(self.salesman)

    def _lead(self, name, **values):
        vals = {
            "name": name,
            "type": "opportunity",
            "user_id": self.salesman.id,
            "team_id": self.team.id,
            "stage_id": self.stage_from.id,
        }
        vals.update(values)
        return self.env["crm.lead"].create(vals)

    # ------------------------------------------------------------------
    # Exit criteria
    # ------------------------------------------------------------------

    def test_switching_to_lead_and_back_does_not_skip_the_criteria(self):
        lead = self._lead("Attack switch")
        self._ok("write", [[lead.id], {"type": "lead"}])
        self._ok("write", [[lead.id], {"stage_id": self.stage_to.id}])
        message = self._refused("write", [[lead.id], {"type": "opportunity"}])
        self.assertIn(MISSING, message)
        lead.invalidate_recordset()
        self.assertEqual((lead.type, lead.stage_id), ("lead", self.stage_to))

    def test_moving_through_no_stage_does_not_skip_the_criteria(self):
        lead = self._lead("Attack no stage")
        self._ok("write", [[lead.id], {"stage_id": False}])
        message = self._refused("write", [[lead.id], {"stage_id": self.stage_to.id}])
        self.assertIn(MISSING, message)
        lead.invalidate_recordset()
        self.assertFalse(lead.stage_id)

    def test_converting_a_lead_created_in_a_later_stage_is_gated(self):
        lead = self._lead("Attack convert", type="lead", stage_id=self.stage_to.id)
        context = {"active_model": "crm.lead", "active_id": lead.id, "active_ids": [lead.id]}
        wizard_id = self._ok(
            "create",
            [{"name": "convert", "action": "nothing", "lead_id": lead.id}],
            {"context": context},
            model="crm.lead2opportunity.partner",
        )
        message = self._refused(
            "action_apply",
            [[wizard_id]],
            {"context": context},
            model="crm.lead2opportunity.partner",
        )
        self.assertIn(MISSING, message)
        lead.invalidate_recordset()
        self.assertEqual(lead.type, "lead")

    def test_copy_import_and_mass_edit_are_gated(self):
        first = self._lead("Attack mass 1")
        second = self._lead("Attack mass 2")
        message = self._refused("write", [[first.id, second.id], {"stage_id": self.stage_to.id}])
        self.assertIn("2 opportunities cannot move", message)
        self.assertIn(MISSING, self._refused("copy", [[first.id], {"stage_id": self.stage_to.id}]))
        result = self._ok(
            "load",
            [
                ["name", "type", "team_id/.id", "stage_id/.id"],
                [["Attack import", "opportunity", str(self.team.id), str(self.stage_to.id)]],
            ],
        )
        self.assertFalse(result["ids"])
        self.assertIn(MISSING, result["messages"][0]["message"])
        (first | second).invalidate_recordset()
        self.assertEqual((first | second).stage_id, self.stage_from)
        names = ["Attack mass 1 (copy)", "Attack import"]
        self.assertFalse(self.env["crm.lead"].search([("name", "in", names)]))

    def test_stages_of_equal_sequence_are_ranked_as_the_kanban_shows_them(self):
        self.criterion.active = False
        Stage = self.env["crm.stage"]
        first = Stage.create({"name": "Attack Equal A", "sequence": -10})
        second = Stage.create({"name": "Attack Equal B", "sequence": -10})
        self.env["crm.stage.exit.criterion"].create(
            {"name": "Demo given", "stage_id": first.id, "criterion_type": "manual"}
        )
        lead = self._lead("Attack equal", stage_id=first.id)
        message = self._refused("write", [[lead.id], {"stage_id": second.id}])
        self.assertIn("- Attack Equal A: Demo given", message)
        # Backward moves stay free.
        self._ok("write", [[lead.id], {"stage_id": self.stage_from.id}])

    def test_forging_a_computed_field_does_not_meet_a_criterion(self):
        self.criterion.active = False
        self.env["crm.stage.exit.criterion"].create(
            {
                "name": "Margin at or above the minimum",
                "stage_id": self.stage_from.id,
                "criterion_type": "domain",
                "domain": "[('is_low_margin', '=', False)]",
            }
        )
        lead = self._lead("Attack forged", expected_revenue=1000, estimated_cost=900)
        self.assertTrue(lead.is_low_margin)
        # The computed field itself is refused (maintained by the application),
        # with the move or alone.
        message = self._refused(
            "write",
            [[lead.id], {"stage_id": self.stage_to.id, "is_low_margin": False}],
            error="AccessError",
        )
        self.assertIn("maintained by the application", message)
        self._refused("write", [[lead.id], {"is_low_margin": False}], error="AccessError")
        # The move alone is gated on the computed value.
        message = self._refused("write", [[lead.id], {"stage_id": self.stage_to.id}])
        self.assertIn("- Attack Qualified: Margin at or above the minimum", message)
        lead.invalidate_recordset()
        self.assertEqual((lead.stage_id, lead.is_low_margin), (self.stage_from, True))
        # With a margin above the minimum, it moves.
        self._ok("write", [[lead.id], {"estimated_cost": 100}])
        self._ok("write", [[lead.id], {"stage_id": self.stage_to.id}])
        lead.invalidate_recordset()
        self.assertEqual(lead.stage_id, self.stage_to)

    def test_automation_rule_run_as_superuser_with_the_callers_context(self):
        """Automation rules run as superuser with the caller's context: a skip
        key sent by the caller must not open the gate through them."""
        self._automation_on_rename(
            "Attack: move on rename", "Attack rule", "Attack: set the later stage", self.stage_to
        )
        lead = self._lead("Attack rule")
        message = self._refused(
            "write",
            [[lead.id], {"name": "Attack rule renamed"}],
            {"context": {"pilot_skip_exit_criteria": True}},
        )
        self.assertIn(MISSING, message)
        lead.invalidate_recordset()
        self.assertEqual((lead.name, lead.stage_id), ("Attack rule", self.stage_from))

    # ------------------------------------------------------------------
    # Loss reasons
    # ------------------------------------------------------------------

    def test_no_lost_opportunity_without_a_reason_on_any_path(self):
        expected = "can only be marked as lost with a loss reason"
        message = self._refused(
            "create", [{"name": "Attack born lost", "type": "opportunity", "active": False}]
        )
        self.assertIn(expected, message)
        self.assertFalse(
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("name", "=", "Attack born lost")])
        )
        lost = self._lead("Attack cleared")
        self._ok("action_set_lost", [[lost.id]], {"lost_reason_id": self.reason.id})
        self.assertIn(expected, self._refused("write", [[lost.id], {"lost_reason_id": False}]))
        self.assertIn(expected, self._refused("copy", [[lost.id], {"lost_reason_id": False}]))
        junk = self._lead("Attack junk", type="lead")
        self._ok("action_archive", [[junk.id]])
        self.assertIn(expected, self._refused("write", [[junk.id], {"type": "opportunity"}]))
        (lost | junk).invalidate_recordset()
        self.assertEqual(
            [(lead.active, lead.type, lead.lost_reason_id) for lead in lost | junk],
            [
                (False, "opportunity", self.reason),
                (False, "lead", self.env["crm.lost.reason"]),
            ],
        )

    def test_probability_100_alone_is_not_a_win(self):
        """One definition of won everywhere: a won stage, not a probability."""
        self.criterion.active = False
        lead = self._lead("Attack fake win", expected_revenue=5000)
        self._ok("write", [[lead.id], {"probability": 100}])
        lead.invalidate_recordset()
        self.assertEqual(lead.probability, 100.0)
        row = self.env["crm.pipeline.report"].search([("lead_id", "=", lead.id)])
        self.assertEqual((row.state, row.win_rate, row.won_revenue), ("open", 0.0, 0.0))
        self.assertEqual(
            self.env["crm.pipeline.forecast"].search_count([("lead_id", "=", lead.id)]), 1
        )
        won_stage = self.env["crm.stage"].create(
            {"name": "Attack Won", "sequence": 90, "is_won": True}
        )
        self._ok("write", [[lead.id], {"stage_id": won_stage.id}])
        row.invalidate_recordset()
        self.assertEqual((row.state, row.win_rate, row.won_revenue), ("won", 100.0, 5000.0))

    def test_merging_does_not_carry_an_opportunity_into_a_later_stage(self):
        """A lead left in a later stage (leads are not gated) merged with an
        opportunity: the merged opportunity stays where its criteria allow."""
        opportunity = self._lead("Attack merge head", email_from="merge@example.com")
        lead = self._lead(
            "Attack merge lead",
            type="lead",
            stage_id=self.stage_to.id,
            email_from="merge@example.com",
        )
        self._ok("merge_opportunity", [[opportunity.id, lead.id]])
        self.assertFalse(lead.exists())
        opportunity.invalidate_recordset()
        self.assertEqual((opportunity.type, opportunity.stage_id), ("opportunity", self.stage_from))
