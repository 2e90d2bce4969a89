# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The stage gate around the stages, over RPC as a salesperson and a sales
manager: a stage outside the team's pipeline, a stage turned into a won
stage, a new order of the stages; and the settings of a stage or a team
shared with another company. Each refused call is paired with the allowed
one."""

from odoo.tests import HttpCase, tagged

from .common import SALES_MANAGER, PilotRpcMixin, new_pilot_user

STAGE = "crm.stage"


@tagged("post_install", "-at_install")
class TestStageGateOverRpc(PilotRpcMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["crm.stage.exit.criterion"].search([]).active = False
        cls.sam = new_pilot_user(cls.env, "pilot_sg_sam", name="Gil Sam", email="gs@example.com")
        cls.mia = new_pilot_user(
            cls.env, "pilot_sg_mia", groups=SALES_MANAGER, name="Gil Mia", email="gm@example.com"
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Gate Team",
                "member_ids": [(6, 0, cls.sam.ids)],
                "pilot_own_stages_only": True,
            }
        )
        cls.open_team = cls.env["crm.team"].create(
            {"name": "Open Team", "member_ids": [(6, 0, cls.sam.ids)]}
        )
        Stage = cls.env[STAGE]
        team = {"team_id": cls.team.id}
        cls.qualify = Stage.create({"name": "Gate Qualify", "sequence": -60, **team})
        cls.discover = Stage.create({"name": "Gate Discover", "sequence": -59, **team})
        cls.propose = Stage.create({"name": "Gate Propose", "sequence": -58, **team})
        cls.shared = Stage.create({"name": "Gate Shared", "sequence": -70})
        Criterion = cls.env["crm.stage.exit.criterion"]
        cls.need = Criterion.create(
            {"name": "Need heard", "stage_id": cls.qualify.id, "criterion_type": "manual"}
        )
        cls.maker = Criterion.create(
            {"name": "Maker met", "stage_id": cls.discover.id, "criterion_type": "manual"}
        )

    def _deal(self, name, stage, team=None, **values):
        return self.env["crm.lead"].create(
            {
                "name": name,
                "type": "opportunity",
                "user_id": self.sam.id,
                "team_id": (team or self.team).id,
                "stage_id": stage.id,
                **values,
            }
        )

    def test_stage_outside_the_pipeline(self):
        deal = self._deal("Gate outside", self.qualify)
        message_of = (
            'The stage "Gate Shared" is not in the pipeline of the sales team Gate Team: its '
            "opportunities move among the stages of their pipeline only (%s)."
        )
        for user in (self.sam, self.mia):
            self._login(user)
            message = self._refused("write", [deal.ids, {"stage_id": self.shared.id}])
            self.assertEqual(message, message_of % "Gate outside")
            message = self._refused(
                "create",
                [
                    {
                        "name": "Gate created outside",
                        "type": "opportunity",
                        "team_id": self.team.id,
                        "stage_id": self.shared.id,
                    }
                ],
            )
            self.assertEqual(message, message_of % "Gate created outside")
            result = self._ok(
                "load", [[".id", "stage_id/.id"], [[str(deal.id), str(self.shared.id)]]]
            )
            self.assertEqual(result["messages"][0]["message"], message_of % "Gate outside")
        deal.invalidate_recordset()
        self.assertEqual(deal.stage_id, self.qualify)
        # Allowed: a team working with the shared stages moves there; the
        # deal of the gated team moves in its own pipeline once its
        # criterion is met
        other = self._deal("Gate open", self.shared, team=self.open_team)
        self._ok("write", [other.ids, {"stage_id": self.shared.id, "name": "Gate open 2"}])
        self._ok("write", [deal.ids, {"confirmed_criterion_ids": [(4, self.need.id)]}])
        self._ok("write", [deal.ids, {"stage_id": self.discover.id}])
        deal.invalidate_recordset()
        self.assertEqual(deal.stage_id, self.discover)

    def test_stage_turned_won_with_deals_missing_its_criteria(self):
        deal = self._deal("Gate flip", self.qualify)
        # A salesperson changes no stage, and learns nothing of its deals
        self._login(self.sam)
        for vals in ({"is_won": True}, {"sequence": -50}):
            message = self._refused(
                "write", [self.qualify.ids, vals], model=STAGE, error="AccessError"
            )
            self.assertNotIn("Gate flip", message)
        self._login(self.mia)
        message = self._refused("write", [self.qualify.ids, {"is_won": True}], model=STAGE)
        self.assertEqual(
            message,
            "These stages cannot become won stages: their opportunities would be won without "
            "the exit criteria of their stage. Meet the criteria or move them to another stage "
            "first: Gate flip.",
        )
        self.assertFalse(self.qualify.is_won)
        # Allowed: once its deals meet the criteria of the stage
        deal.confirmed_criterion_ids = self.need
        self._ok("write", [self.qualify.ids, {"is_won": True}], model=STAGE)
        self.assertTrue(self.qualify.is_won)

    def test_new_order_that_would_skip_criteria(self):
        deal = self._deal("Gate order", self.qualify)
        self._login(self.mia)
        # Qualify after Discover and Propose: the deal would sit after
        # Discover, whose criterion it never met
        message = self._refused("write", [self.qualify.ids, {"sequence": -50}], model=STAGE)
        self.assertEqual(
            message,
            "This order of the stages would put opportunities after stages whose exit criteria "
            "they have not met. Meet the criteria or move them first:\n- Gate order: Maker met",
        )
        self.assertEqual(self.qualify.sequence, -60)
        # Allowed: an order that puts nobody past a criterion (Propose first,
        # no deal in it), and the first move once the deal meets the criterion
        self._ok("write", [self.propose.ids, {"sequence": -65}], model=STAGE)
        deal.confirmed_criterion_ids = self.maker
        self._ok("write", [self.qualify.ids, {"sequence": -50}], model=STAGE)
        self.assertEqual(self.qualify.sequence, -50)
        # The salesperson may not reorder stages at all
        self._login(self.sam)
        self._refused(
            "write", [self.discover.ids, {"sequence": -40}], model=STAGE, error="AccessError"
        )


@tagged("post_install", "-at_install")
class TestSharedSettingsOverRpc(PilotRpcMixin, HttpCase):
    """Settings of a team without a company and of a stage shared by every
    team, holding opportunities of two companies: changed by the managers of
    both companies only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["crm.stage.exit.criterion"].search([]).active = False
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Gate Rival Co"})
        both = [(6, 0, (cls.company_a | cls.company_b).ids)]
        cls.rival = new_pilot_user(
            cls.env,
            "pilot_sg_rival",
            groups=SALES_MANAGER,
            name="Gil Rival",
            email="gr@example.com",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )
        cls.boss = new_pilot_user(
            cls.env,
            "pilot_sg_boss",
            groups=SALES_MANAGER,
            name="Gil Boss",
            email="gb@example.com",
            company_id=cls.company_a.id,
            company_ids=both,
        )
        cls.team = cls.env["crm.team"].create({"name": "Gate Shared Team", "company_id": False})
        cls.stage = cls.env[STAGE].create({"name": "Gate Everybody", "sequence": -80})
        cls.env["crm.lead"].create(
            {
                "name": "Gate company A deal",
                "type": "opportunity",
                "team_id": cls.team.id,
                "stage_id": cls.stage.id,
                "company_id": cls.company_a.id,
            }
        )

    def test_settings_of_a_shared_team(self):
        self._login(self.rival)
        for vals in ({"pilot_min_margin_rate": 1}, {"pilot_won_reason_required": True}):
            message = self._refused(
                "write", [self.team.ids, vals], model="crm.team", error="AccessError"
            )
            self.assertEqual(
                message,
                "The sales team Gate Shared Team belongs to no company and holds opportunities "
                "of companies you do not work in: only users of all these companies change its "
                "pipeline settings.",
            )
        # Allowed: Odoo's own settings (as in Odoo), and the manager of both companies
        self._ok("write", [self.team.ids, {"color": 3}], model="crm.team")
        self._login(self.boss)
        self._ok(
            "write",
            [self.team.ids, {"pilot_min_margin_rate": 12}],
            {"context": {"allowed_company_ids": (self.company_a | self.company_b).ids}},
            model="crm.team",
        )
        self.assertEqual(self.team.pilot_min_margin_rate, 12)

    def test_settings_of_a_shared_stage(self):
        self._login(self.rival)
        for vals in ({"is_won": True}, {"sequence": 500}, {"stagnation_days": 9}):
            message = self._refused(
                "write", [self.stage.ids, vals], model=STAGE, error="AccessError"
            )
            self.assertEqual(
                message,
                "The stage Gate Everybody is shared by every sales team and holds opportunities "
                "of companies you do not work in: only users of all these companies change its "
                "settings.",
            )
        # Allowed: its name (as in Odoo), and the manager of both companies
        self._ok("write", [self.stage.ids, {"name": "Gate Everybody 2"}], model=STAGE)
        self._login(self.boss)
        self._ok(
            "write",
            [self.stage.ids, {"sequence": -81}],
            {"context": {"allowed_company_ids": (self.company_a | self.company_b).ids}},
            model=STAGE,
        )
        self.assertEqual(self.stage.sequence, -81)

    def test_stage_in_another_companys_team(self):
        """A manager of company B puts no stage (a won one at the top, say)
        into the pipeline of a team of company A, whose deals it would gate
        or win; into his own company's team, he does."""
        team_a = self.env["crm.team"].create(
            {"name": "Gate Team A", "company_id": self.company_a.id}
        )
        team_b = self.env["crm.team"].create(
            {"name": "Gate Team B", "company_id": self.company_b.id}
        )
        self._login(self.rival)
        vals = {"name": "Gate early won", "is_won": True, "sequence": -99}
        self._refused("create", [{**vals, "team_id": team_a.id}], model=STAGE, error="AccessError")
        self._refused(
            "write", [self.stage.ids, {"team_id": team_a.id}], model=STAGE, error="AccessError"
        )
        stage_id = self._ok("create", [{**vals, "team_id": team_b.id}], model=STAGE)
        self.assertEqual(self.env[STAGE].browse(stage_id).team_id, team_b)
        self.assertFalse(self.env[STAGE].search([("team_id", "=", team_a.id)]))

    def test_stage_in_a_shared_team_holding_another_companys_deals(self):
        """The team without a company holds company A's deal: company B's
        manager puts no stage in its pipeline; the manager of both does."""
        self._login(self.rival)
        vals = {"name": "Gate shared early won", "is_won": True, "team_id": self.team.id}
        message = self._refused("create", [vals], model=STAGE, error="AccessError")
        self.assertEqual(
            message,
            "The sales team Gate Shared Team belongs to no company and holds opportunities "
            "of companies you do not work in: only users of all these companies change its "
            "pipeline settings.",
        )
        self.assertFalse(self.env[STAGE].search([("team_id", "=", self.team.id)]))
        self._login(self.boss)
        stage_id = self._ok(
            "create",
            [{**vals, "is_won": False}],
            {"context": {"allowed_company_ids": (self.company_a | self.company_b).ids}},
            model=STAGE,
        )
        self.assertEqual(self.env[STAGE].browse(stage_id).team_id, self.team)
