# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Exit criteria: the trusted bypass of the gate and the queries of the gate."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import PilotQueryCountMixin
from .test_exit_criteria import ExitCriteriaCommon


@tagged("post_install", "-at_install")
class TestExitCriteriaBypass(ExitCriteriaCommon):
    def test_bypass_group(self):
        self.assertTrue(self.manager.has_group("crm_pipeline_pilot.group_exit_criteria_bypass"))
        self.assertFalse(self.salesman.has_group("crm_pipeline_pilot.group_exit_criteria_bypass"))

    def test_bypass_wizard(self):
        lead = self._opportunity("Bypass A", stage_id=self.s1.id)
        self.env.cr.precommit.run()
        Wizard = self.env["crm.stage.exit.bypass"].with_user(self.manager)
        action = lead.with_user(self.manager).action_pilot_exit_bypass()
        wizard = Wizard.with_context(**action["context"]).create(
            {"stage_id": self.s3.id, "justification": "   "}
        )
        self.assertEqual(wizard.lead_ids, lead)
        self.assertEqual(
            wizard.missing_criteria.split("\n")[1:],
            ["- Pilot S1: Customer set, Need identified", "- Pilot S2: Valid contact"],
        )
        with self.assertRaisesMessage(UserError, "A justification is required"):
            wizard.action_confirm()
        wizard.justification = "Framework agreement signed by the group."
        wizard.action_confirm()
        self.env.cr.precommit.run()
        self.assertEqual(lead.stage_id, self.s3)
        message = lead.message_ids.filtered(lambda m: "Exit criteria bypassed" in (m.body or ""))
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, self.manager.partner_id)
        self.assertIn("Framework agreement signed by the group.", message.body)
        self.assertIn("Pilot S1 → Pilot S3", message.body)
        self.assertEqual(lead.write_uid, self.manager)

    def test_bypass_stage_picker_says_which_team(self):
        """Two teams with their own "Won": the wizard offers the stages of the
        opportunity's pipeline only, each named with its team."""
        Team, Stage = self.env["crm.team"], self.env["crm.stage"]
        north = Team.create({"name": "North", "pilot_own_stages_only": True})
        south = Team.create({"name": "South", "pilot_own_stages_only": True})
        north_open = Stage.create({"name": "Open", "sequence": 1, "team_id": north.id})
        north_won = Stage.create(
            {"name": "Won", "sequence": 9, "team_id": north.id, "is_won": True}
        )
        Stage.create({"name": "Won", "sequence": 9, "team_id": south.id, "is_won": True})
        lead = self._opportunity("Bypass North", team_id=north.id, stage_id=north_open.id)
        action = lead.with_user(self.manager).action_pilot_exit_bypass()
        wizard = (
            self.env["crm.stage.exit.bypass"]
            .with_user(self.manager)
            .with_context(**action["context"])
            .new({})
        )
        self.assertEqual(wizard.allowed_stage_ids._origin, north_open | north_won)
        picker = wizard.allowed_stage_ids._origin.with_context(pilot_stage_with_team=True)
        self.assertEqual(picker.mapped("display_name"), ["Open (North)", "Won (North)"])
        # Elsewhere, the name alone.
        self.assertEqual(north_won.display_name, "Won")
        # The board of a manager of both teams: one column per name.
        south_open = Stage.create({"name": "Open", "sequence": 1, "team_id": south.id})
        self._opportunity("Bypass South", team_id=south.id, stage_id=south_open.id)
        groups = self.env["crm.lead"].read_group(
            [("team_id", "in", (north | south).ids)], ["stage_id"], ["stage_id"]
        )
        names = [group["stage_id"][1] for group in groups]
        self.assertEqual(len(names), len(set(names)))
        self.assertIn("Open (North)", names)
        self.assertIn("Open (South)", names)
        self.assertNotIn("Open", names)
        # One team's board: its names alone.
        groups = (
            self.env["crm.lead"]
            .with_context(default_team_id=north.id)
            .read_group([("team_id", "=", north.id)], ["stage_id"], ["stage_id"])
        )
        self.assertEqual([group["stage_id"][1] for group in groups], ["Open", "Won"])

    def test_salesman_cannot_bypass(self):
        lead = self._opportunity("Bypass B", stage_id=self.s1.id)
        with self.assertRaises(AccessError):
            lead.with_user(self.salesman).action_pilot_exit_bypass()
        with self.assertRaises(AccessError):
            self.env["crm.stage.exit.bypass"].with_user(self.salesman).create(
                {"lead_ids": [(6, 0, lead.ids)], "stage_id": self.s3.id, "justification": "x"}
            )
        # Even with a wizard record made by someone else.
        wizard = self.env["crm.stage.exit.bypass"].create(
            {"lead_ids": [(6, 0, lead.ids)], "stage_id": self.s3.id, "justification": "x"}
        )
        with self.assertRaises(AccessError):
            wizard.with_user(self.salesman).action_confirm()
        self.assertEqual(lead.stage_id, self.s1)


@tagged("post_install", "-at_install", "is_query_count")
class TestExitCriteriaQueries(PilotQueryCountMixin, ExitCriteriaCommon):
    def test_single_move_query_count(self):
        """One stage move costs a few queries more than a move between stages
        without criteria (the baseline, measured here)."""
        plain_a = self.env["crm.stage"].create({"name": "Plain A", "sequence": 50})
        plain_b = self.env["crm.stage"].create({"name": "Plain B", "sequence": 60})
        # S1 has a field and a manual criterion; S2's domain criterion is added to S1 too.
        self.Criterion.create(
            {
                "name": "Valid contact (S1)",
                "stage_id": self.s1.id,
                "criterion_type": "domain",
                "domain": "[('is_contact_valid', '=', True)]",
            }
        )
        leads = {}
        for key, stage in (
            ("warm_plain", plain_a),
            ("plain", plain_a),
            ("warm", self.s1),
            ("gated", self.s1),
        ):
            lead = self._opportunity(f"Query {key}", stage_id=stage.id)
            if stage == self.s1:
                self._ready_for(lead, self.s1)
                lead.email_from = "q@example.com"
            leads[key] = lead.with_user(self.salesman)
        # Steady state (caches warm, as in a running server): one move of each
        # kind first. Same criteria on S2 so that S1 → S3 would be a skip; here S1 → S2.
        self._count(lambda: leads["warm_plain"].write({"stage_id": plain_b.id}))
        self._count(lambda: leads["warm"].write({"stage_id": self.s2.id}))
        self.assertEqual(leads["warm"].stage_id, self.s2)
        baseline = self._count(lambda: leads["plain"].write({"stage_id": plain_b.id}))
        self.assertEqual(leads["plain"].stage_id, plain_b)
        self.env.invalidate_all()
        # The criteria are checked before the write, on the saved values (no
        # savepoint): the confirmations of the manual criterion (one query; a
        # write that does not change them no longer reads them for tracking,
        # the baseline included), the domain criterion's search (one query) and
        # the recomputation of the stored fields it reads (one query).
        with self.assertQueryCount(baseline + 3):
            self.env.invalidate_all()
            leads["gated"].write({"stage_id": self.s2.id})
        self.assertEqual(leads["gated"].stage_id, self.s2)
