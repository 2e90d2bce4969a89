# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Menus an Odoo user expects, and configuration steps that end on a result."""

from lxml import etree

from odoo.tests import tagged

from .common import SALES_MANAGER, PilotCommon, load_french, new_pilot_user


@tagged("post_install", "-at_install")
class TestNavigation(PilotCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_pilot_user(
            cls.env,
            "pilot_nav_manager",
            name="Nina Navigation",
            email="nina@example.com",
            groups=SALES_MANAGER,
        )

    def _visible(self, user, xmlid):
        menu = self.env.ref(xmlid)
        return menu.id in self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()

    def test_reports_and_configuration_in_their_own_sections(self):
        reporting = self.env.ref("crm_pipeline_pilot.crm_pipeline_reporting_menu")
        self.assertEqual(reporting.parent_id, self.env.ref("crm.crm_menu_report"))
        self.assertEqual(
            reporting.child_id.sorted("sequence").mapped("name"),
            [
                "Weekly Review",
                "Weekly Reviews",
                "Pipeline Analysis",
                "Forecast by Method",
                "Forecast Submissions",
                "Forecast Back-tests",
                "Forecast Methods Compared",
                "Forecast Back-test Months",
                "Exit Criteria: What Predicts Wins",
                "Pipeline Value over Time",
                "Stage History",
                "Expected Closing Date Changes",
            ],
        )
        config = self.env.ref("crm_pipeline_pilot.crm_pipeline_config_menu")
        self.assertEqual(config.parent_id, self.env.ref("crm.crm_menu_config"))
        self.assertEqual(
            config.child_id.sorted("sequence").mapped("name"),
            [
                "Stages",
                "Exit Criteria",
                "Qualification Rules",
                "Next Best Actions",
                "Recommended Pipeline",
                "Pipeline Targets",
                "Weekly Review KPIs",
                "Won Reasons",
                "Slip Reasons",
            ],
        )

    def test_french_forecast_menus_are_distinct(self):
        """Odoo's *Prévision* (the kanban by month) and the add-on's forecast
        by method do not read alike in the Reporting menu."""
        load_french(self.env, modules=("crm", "crm_pipeline_pilot"))
        menus = self.env["ir.ui.menu"].with_context(lang="fr_FR")
        self.assertEqual(menus.browse(self.env.ref("crm.crm_menu_forecast").id).name, "Prévision")
        self.assertEqual(
            menus.browse(self.env.ref("crm_pipeline_pilot.crm_pipeline_forecast_menu").id).name,
            "Prévision par méthode",
        )

    def test_stages_reachable_without_developer_mode(self):
        self.assertFalse(self.manager.has_group("base.group_no_one"))
        self.assertFalse(self._visible(self.manager, "crm.menu_crm_lead_stage_act"))
        self.assertTrue(self._visible(self.manager, "crm_pipeline_pilot.crm_pipeline_stage_menu"))
        self.assertFalse(
            self._visible(self.salesman, "crm_pipeline_pilot.crm_pipeline_config_menu")
        )
        self.assertTrue(self._visible(self.salesman, "crm_pipeline_pilot.crm_pipeline_review_menu"))
        # The report on the exit criteria is the managers'.
        stat_menu = "crm_pipeline_pilot.crm_stage_exit_criterion_stat_menu"
        self.assertFalse(self._visible(self.salesman, stat_menu))
        self.assertTrue(self._visible(self.manager, stat_menu))
        self.assertTrue(
            self._visible(self.salesman, "crm_pipeline_pilot.crm_pipeline_review_list_menu")
        )

    def test_team_settings_shown_without_assignment_rules(self):
        """The add-on's settings of a sales team are in a group of their own
        on its form, not in crm's assignment rules (hidden while rule-based
        assignment is off, as in a new database)."""
        self.assertFalse(
            self.env["ir.config_parameter"].sudo().get_param("crm.lead.auto.assignment")
        )
        arch = (
            self.env["crm.team"]
            .with_user(self.manager)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        group = etree.fromstring(arch).xpath("//group[@name='pilot_settings']")[0]
        self.assertFalse(group.get("invisible"))
        self.assertFalse(
            [
                node
                for node in group.iterancestors()
                if "assignment_enabled" in node.get("invisible", "")
            ]
        )
        self.assertEqual(
            [node.get("name") for node in group.iter("field")],
            [
                "pilot_min_margin_rate",
                "pilot_own_stages_only",
                "pilot_stage_team_id",
                "pilot_probability_mode",
                "pilot_probability_band",
                "pilot_forecast_method",
                "pilot_forecast_method_mape",
                "pilot_won_reason_required",
            ],
        )

    def test_recommended_pipeline_wizard_says_what_it_did(self):
        team = self.env["crm.team"].create({"name": "Navigation Team"})
        wizard = (
            self.env["crm.stage.recommended.pipeline"]
            .with_user(self.manager)
            .create({"team_id": team.id})
        )
        result = wizard.action_apply()
        self.assertEqual(result["tag"], "display_notification")
        self.assertEqual(
            result["params"]["message"],
            "4 stages created, 1 existing stages kept, 9 exit criteria added.",
        )
        stages = self.env["crm.stage"].search(result["params"]["next"]["domain"])
        self.assertEqual(
            stages.sorted("sequence").mapped("name"),
            ["Qualified lead", "Discovery", "Proposal sent", "Negotiation", "Won"],
        )
        # Applying it again adds nothing.
        result = wizard.action_apply()
        self.assertEqual(
            result["params"]["message"],
            "0 stages created, 5 existing stages kept, 0 exit criteria added.",
        )

    def test_my_pipeline_shows_the_own_stages_of_the_users_team(self):
        """'My Pipeline' has no team in its context: a salesperson whose team
        works with its own stages sees that team's five stages, not Odoo's
        shared ones."""
        salesperson = new_pilot_user(
            self.env, "pilot_nav_own", name="Olga Own", email="olga@example.com"
        )
        team = self.env["crm.team"].create(
            {
                "name": "Own Stages Team",
                "pilot_own_stages_only": True,
                "member_ids": [(6, 0, [salesperson.id])],
            }
        )
        self.env["crm.stage"].action_apply_recommended_pipeline(team_id=team.id)
        self.assertEqual(salesperson.sale_team_id, team)
        Lead = self.env["crm.lead"].with_user(salesperson)
        columns = Lead._read_group_stage_ids(self.env["crm.stage"], [])
        self.assertEqual(
            columns.mapped("name"),
            ["Qualified lead", "Discovery", "Proposal sent", "Negotiation", "Won"],
        )
