# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A rule or a target whose stored value is out of its bounds (written in
SQL, or before the bounds existed) is skipped by the views every user opens;
a sales manager sees why, over JSON-RPC: the problem on the record, the
notice on its sales team and in the settings, in English and in French.
Every model declaring bounded values reports them (found by enumerating
the registry)."""

from odoo.tests import HttpCase, tagged
from odoo.tools import SQL

from ..models.trust.base import field_bounds
from ..models.trust.rule_health import health_models
from .common import SALES_MANAGER, PilotRpcMixin, load_french, new_pilot_user

RULE = "crm.next.action.rule"

# Models with bounded values that are documents, not rules or settings:
# their values are refused when typed and nothing skips them.
DOCUMENTS = {
    "crm.lead",
    "crm.forecast.submission",
    "crm.forecast.backtest",
    "res.config.settings",
    # a user's own preference (the hours before a meeting of its synthesis):
    # read within its bounds, never skipped
    "res.users",
}


@tagged("post_install", "-at_install")
class TestRuleHealth(PilotRpcMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_pilot_user(
            cls.env,
            "pilot_health_mgr",
            groups=SALES_MANAGER,
            name="Hana Health",
            email="hana@example.com",
        )
        cls.salesman = new_pilot_user(cls.env, "pilot_health_sam", name="Hugo Health")
        cls.team = cls.env["crm.team"].create({"name": "Health Team"})
        todo = cls.env.ref("mail.mail_activity_data_todo")
        Rule = cls.env[RULE]
        cls.rule = Rule.create(
            {
                "name": "Call back",
                "condition": "no_activity",
                "activity_type_id": todo.id,
                "summary": "Call",
                "deadline_days": 3,
                "team_id": cls.team.id,
            }
        )
        cls.good_rule = Rule.create(
            {
                "name": "Good rule",
                "condition": "no_activity",
                "activity_type_id": todo.id,
                "summary": "Call",
                "deadline_days": 3,
                "team_id": cls.team.id,
            }
        )
        cls.target = cls.env["crm.pipeline.target"].create(
            {"team_id": cls.team.id, "month": "2031-01-01", "revenue_target": 1000.0}
        )
        # Stored as an earlier version or a script did: outside the bounds
        cls.env.flush_all()
        cls.env.cr.execute(
            SQL(
                "UPDATE crm_next_action_rule SET deadline_days = 1000000 WHERE id = %s", cls.rule.id
            )
        )
        cls.env.cr.execute(
            SQL(
                "UPDATE crm_pipeline_target SET revenue_target = 'NaN' WHERE id = %s",
                cls.target.id,
            )
        )
        cls.env.invalidate_all()

    def test_every_model_with_bounds_reports_its_problems(self):
        bounded = {
            name
            for name in self.env.registry
            if not self.env[name]._abstract
            and any(
                field_bounds(field) and field.store and not field.compute
                for field in self.env[name]._fields.values()
            )
        }
        self.assertIn(RULE, bounded)
        self.assertEqual(bounded - DOCUMENTS, set(health_models(self.env)))

    def test_problem_and_notices_in_english(self):
        self._login(self.manager)
        rows = self._ok("read", [[self.rule.id, self.good_rule.id], ["pilot_problem"]], model=RULE)
        self.assertEqual(
            rows[0]["pilot_problem"],
            '"Deadline (days)" is 1,000,000, outside 0 to 3,650: skipped until it is fixed.',
        )
        # Allowed: a rule within its bounds has no problem
        self.assertFalse(rows[1]["pilot_problem"])
        target = self._ok("read", [self.target.ids, ["pilot_problem"]], model="crm.pipeline.target")
        self.assertEqual(
            target[0]["pilot_problem"],
            '"Revenue" is nan, outside 0 to 1,000,000,000,000,000: skipped until it is fixed.',
        )
        notice = (
            "2 rules are skipped until a sales manager fixes them: Next Best Action Rule "
            "“Call back”, Pipeline Target “Health Team / 2031-01”."
        )
        team = self._ok("read", [self.team.ids, ["pilot_problem_notice"]], model="crm.team")
        self.assertEqual(team[0]["pilot_problem_notice"], notice)
        # The settings (Settings administrators) name them too
        settings = self.env["res.config.settings"].create({}).read(["pilot_problem_notice"])
        for name in (
            "Next Best Action Rule “Call back”",
            "Pipeline Target “Health Team / 2031-01”",
        ):
            self.assertIn(name, settings[0]["pilot_problem_notice"])
        # Fixed: the problem and the notice go
        self._ok("write", [self.target.ids, {"revenue_target": 500.0}], model="crm.pipeline.target")
        team = self._ok("read", [self.team.ids, ["pilot_problem_notice"]], model="crm.team")
        self.assertEqual(
            team[0]["pilot_problem_notice"],
            "1 rule is skipped until a sales manager fixes it: Next Best Action Rule “Call back”.",
        )
        self.rule.deadline_days = 5
        team = self._ok("read", [self.team.ids, ["pilot_problem_notice"]], model="crm.team")
        self.assertFalse(team[0]["pilot_problem_notice"])

    def test_problem_and_notices_in_french(self):
        load_french(self.env)
        self._login(self.manager)
        french = {"context": {"lang": "fr_FR"}}
        rows = self._ok("read", [self.rule.ids, ["pilot_problem"]], french, model=RULE)
        self.assertEqual(
            rows[0]["pilot_problem"],
            "« Échéance (jours) » vaut 1\xa0000\xa0000, hors de 0 à 3\xa0650 : ignoré "
            "jusqu'à correction.",
        )
        team = self._ok("read", [self.team.ids, ["pilot_problem_notice"]], french, model="crm.team")
        self.assertEqual(
            team[0]["pilot_problem_notice"],
            "2 règles sont ignorées jusqu'à ce qu'un responsable commercial les corrige : "
            "Règle de prochaine meilleure action « Call back », Objectif du pipeline "
            "« Health Team / 2031-01 ».",
        )

    def test_views_show_the_problem_to_managers(self):
        """The warning in the list and form of the rules, the notice on the
        team's form; a salesperson reads the rules, not the warning."""
        for model, view_type, field in (
            (RULE, "list", "pilot_problem"),
            (RULE, "form", "pilot_problem"),
            ("crm.pipeline.target", "list", "pilot_problem"),
            ("crm.team", "form", "pilot_problem_notice"),
        ):
            arch = (
                self.env[model]
                .with_user(self.manager)
                .get_views([(False, view_type)])["views"][view_type]["arch"]
            )
            shown = (
                f'<field name="{field}" optional="show"'
                if view_type == "list"
                else f'name="{field}"'
            )
            self.assertIn(shown, arch, f"{model} {view_type}")
            arch = (
                self.env[model]
                .with_user(self.salesman)
                .get_views([(False, view_type)])["views"][view_type]["arch"]
            )
            self.assertNotIn(shown, arch, f"{model} {view_type}")
