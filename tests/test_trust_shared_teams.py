# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Figures of a sales team without a company, holding opportunities of two
companies, tried over JSON-RPC by a sales manager of one of them (refused,
or not seen) and by a manager of both (allowed); and the stages the bypass
wizard moves opportunities to, checked by the server."""

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import SALES_MANAGER, PilotRpcMixin, new_pilot_user

REVIEW = "crm.pipeline.review"
SHARED_TEAM_ERROR = (
    "The sales team Trust Shared Team belongs to no company and holds opportunities of "
    "companies you do not work in: only users of all these companies compute its figures "
    "and set its targets. Give the team a company to review it in each company's figures."
)


@tagged("post_install", "-at_install")
class TestSharedTeamFigures(PilotRpcMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Shared Company B"})

        def manager(login, companies):
            return new_pilot_user(
                cls.env,
                login,
                groups=SALES_MANAGER,
                name=login,
                email=f"{login}@example.com",
                company_id=companies[0].id,
                company_ids=[(6, 0, [company.id for company in companies])],
            )

        cls.manager_b = manager("pilot_shared_mgr_b", [cls.company_b])
        cls.manager_ab = manager("pilot_shared_mgr_ab", [cls.company_a, cls.company_b])
        cls.shared = cls.env["crm.team"].create({"name": "Trust Shared Team", "company_id": False})
        cls.team_b = cls.env["crm.team"].create(
            {"name": "Trust Team Of B", "company_id": cls.company_b.id}
        )
        cls.won = cls.env["crm.stage"].create({"name": "Shared Won", "is_won": True})
        Lead = cls.env["crm.lead"]
        for company, revenue in ((cls.company_a, 70000), (cls.company_b, 3000)):
            Lead.create(
                {
                    "name": f"Shared deal of {company.name}",
                    "type": "opportunity",
                    "team_id": cls.shared.id,
                    "company_id": company.id,
                    "expected_revenue": revenue,
                    "stage_id": cls.won.id,
                    "date_closed": fields.Datetime.now(),
                }
            )
        cls.both = {"context": {"allowed_company_ids": [cls.company_a.id, cls.company_b.id]}}

    def _review(self, team, kwargs=None):
        today = str(fields.Date.today())
        return self._call_kw(
            REVIEW, "create", [{"date": today, "team_ids": [(6, 0, team.ids)]}], kwargs
        )

    def test_review_of_a_shared_team(self):
        self._login(self.manager_b)
        error = self._error(self._review(self.shared))
        self.assertEqual(error["name"], "odoo.exceptions.AccessError")
        self.assertEqual(error["message"], SHARED_TEAM_ERROR)
        self.assertFalse(self.env[REVIEW].search([("team_ids", "in", self.shared.ids)]))
        # Allowed: the review of a team of the manager's company
        self.assertNotIn("error", self._review(self.team_b))
        # Allowed: a manager of both companies (both active) reviews the shared team
        self._login(self.manager_ab)
        response = self._review(self.shared, self.both)
        self.assertNotIn("error", response, response.get("error"))
        review_id = response["result"]
        review = self.env[REVIEW].browse(review_id)
        self.assertTrue(review.line_ids)
        line_ids = review.line_ids.ids
        # With company A only active, the same manager does not reach them
        only_a = {"context": {"allowed_company_ids": [self.company_a.id]}}
        self._refused("action_refresh", [[review_id]], only_a, model=REVIEW, error="AccessError")
        self._ok("action_refresh", [[review_id]], self.both, model=REVIEW)
        # (the refresh rebuilt the lines)
        review.invalidate_recordset()
        line_ids = review.line_ids.ids
        self.assertTrue(line_ids)
        # The manager of B neither reads the stored review, nor its lines, nor
        # the weekly KPI values of the team; nor refreshes it
        self._login(self.manager_b)
        self._refused("read", [[review_id], ["on_target_count"]], model=REVIEW, error="AccessError")
        self._refused("action_refresh", [[review_id]], model=REVIEW, error="AccessError")
        # nor deletes or exports it (the review of the week stays the team's)
        self._refused("unlink", [[review_id]], model=REVIEW, error="AccessError")
        self._refused("action_export_xlsx", [[review_id]], model=REVIEW, error="AccessError")
        self.assertEqual(
            self._ok("search_read", [[("id", "=", review_id)], ["id"]], model=REVIEW), []
        )
        self.assertEqual(
            self._ok(
                "search_read",
                [[("id", "in", line_ids)], ["current"]],
                model="crm.pipeline.review.line",
            ),
            [],
        )
        self.assertEqual(
            self._ok(
                "search_count",
                [[("team_id", "=", self.shared.id), ("scope_user_id", "=", False)]],
                model="crm.pipeline.kpi.value",
            ),
            0,
        )
        # Allowed: the manager of both reads them
        self._login(self.manager_ab)
        rows = self._ok(
            "search_read",
            [[("id", "in", line_ids)], ["current"]],
            self.both,
            model="crm.pipeline.review.line",
        )
        self.assertEqual(len(rows), len(line_ids))
        self.assertGreater(
            self._ok(
                "search_count",
                [[("team_id", "=", self.shared.id), ("scope_user_id", "=", False)]],
                self.both,
                model="crm.pipeline.kpi.value",
            ),
            0,
        )

    def test_targets_of_a_shared_team(self):
        month = str(fields.Date.today().replace(day=1, year=fields.Date.today().year + 1))
        target = {"month": month, "revenue_target": 1000.0}
        self._login(self.manager_b)
        message = self._refused(
            "create",
            [{**target, "team_id": self.shared.id}],
            model="crm.pipeline.target",
            error="AccessError",
        )
        self.assertEqual(message, SHARED_TEAM_ERROR)
        # Allowed: a target of the team of the manager's company
        self._ok("create", [{**target, "team_id": self.team_b.id}], model="crm.pipeline.target")
        # Allowed: the manager of both sets the shared team's target...
        self._login(self.manager_ab)
        target_id = self._ok(
            "create",
            [{**target, "team_id": self.shared.id}],
            self.both,
            model="crm.pipeline.target",
        )
        # ... that the manager of B neither changes nor deletes
        self._login(self.manager_b)
        for method, args in (
            ("write", [[target_id], {"revenue_target": 1.0}]),
            ("unlink", [[target_id]]),
        ):
            message = self._refused(method, args, model="crm.pipeline.target", error="AccessError")
            self.assertEqual(message, SHARED_TEAM_ERROR)
        self.assertEqual(self.env["crm.pipeline.target"].browse(target_id).revenue_target, 1000.0)

    def test_team_without_deals_of_other_companies(self):
        """A team without a company holding only deals of the manager's
        company is reviewed as any other."""
        team = self.env["crm.team"].create({"name": "Trust Shared Quiet", "company_id": False})
        self.env["crm.lead"].create(
            {"name": "Quiet B deal", "team_id": team.id, "company_id": self.company_b.id}
        )
        self._login(self.manager_b)
        self.assertNotIn("error", self._review(team))
        self.assertFalse(team.with_user(self.manager_b).pilot_figures_restricted)
        self.assertTrue(self.shared.with_user(self.manager_b).pilot_figures_restricted)

    def test_criteria_of_a_shared_stage(self):
        """A stage without a team gates the deals of every company in it:
        its criteria are changed by users of all those companies only."""
        # First of every pipeline (no earlier stage, whichever team's stages
        # the neighbours consider shared), so that its deal needs no criteria.
        shared_stage = self.env["crm.stage"].create({"name": "Shared Open", "sequence": -1})
        self.env["crm.lead"].create(
            {
                "name": "Shared open deal of A",
                "type": "opportunity",
                "company_id": self.company_a.id,
                # A team of Odoo's shared stages (the demo's default team
                # works with the recommended pipeline and its criteria).
                "team_id": self.shared.id,
                "stage_id": shared_stage.id,
            }
        )
        criterion = {"name": "Rival block", "stage_id": shared_stage.id, "criterion_type": "manual"}
        model = "crm.stage.exit.criterion"
        self._login(self.manager_b)
        message = self._refused("create", [criterion], model=model, error="AccessError")
        self.assertEqual(
            message,
            "The stage Shared Open is shared by every sales team and holds opportunities of "
            "companies you do not work in: only users of all these companies change its exit "
            "criteria.",
        )
        self.assertFalse(self.env[model].search([("stage_id", "=", shared_stage.id)]))
        # Allowed: a manager of both companies; then the manager of B neither
        # changes nor deletes it
        self._login(self.manager_ab)
        criterion_id = self._ok("create", [criterion], self.both, model=model)
        self._login(self.manager_b)
        for method, args in (
            ("write", [[criterion_id], {"name": "x"}]),
            ("unlink", [[criterion_id]]),
        ):
            self._refused(method, args, model=model, error="AccessError")
        self.assertEqual(self.env[model].browse(criterion_id).name, "Rival block")
        # Allowed: the criteria of a stage of their own team
        stage_b = self.env["crm.stage"].create(
            {"name": "B Open", "sequence": 71, "team_id": self.team_b.id}
        )
        self._ok("create", [{**criterion, "stage_id": stage_b.id}], model=model)


@tagged("post_install", "-at_install")
class TestBypassStageOfThePipeline(PilotRpcMixin, HttpCase):
    """The bypass wizard moves opportunities to a stage of their teams'
    pipelines only, whatever stage a client sends."""

    def test_stage_of_another_pipeline_is_refused(self):
        Team, Stage = self.env["crm.team"], self.env["crm.stage"]
        manager = new_pilot_user(
            self.env, "pilot_bypass_mgr", groups=SALES_MANAGER, name="Bea Bypass"
        )
        north = Team.create({"name": "Bypass North", "pilot_own_stages_only": True})
        south = Team.create({"name": "Bypass South", "pilot_own_stages_only": True})
        north_open = Stage.create({"name": "N Open", "sequence": 1, "team_id": north.id})
        north_next = Stage.create({"name": "N Next", "sequence": 2, "team_id": north.id})
        south_next = Stage.create({"name": "S Next", "sequence": 2, "team_id": south.id})
        lead = self.env["crm.lead"].create(
            {
                "name": "Bypass North deal",
                "type": "opportunity",
                "team_id": north.id,
                "stage_id": north_open.id,
            }
        )
        self._login(manager)
        wizard = "crm.stage.exit.bypass"
        values = {"lead_ids": [(6, 0, lead.ids)], "justification": "Signed."}
        wizard_id = self._ok("create", [{**values, "stage_id": south_next.id}], model=wizard)
        message = self._refused("action_confirm", [[wizard_id]], model=wizard)
        self.assertEqual(
            message,
            "The stage S Next is not in the pipeline of these opportunities' sales teams: "
            "choose one of their stages.",
        )
        self.assertEqual(lead.stage_id, north_open)
        # Allowed: a stage of the deal's pipeline
        wizard_id = self._ok("create", [{**values, "stage_id": north_next.id}], model=wizard)
        self._ok("action_confirm", [[wizard_id]], model=wizard)
        lead.invalidate_recordset()
        self.assertEqual(lead.stage_id, north_next)
