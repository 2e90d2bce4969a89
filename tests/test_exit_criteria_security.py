# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Exit criteria are data, not code: the domains a sales manager stores are
evaluated with no record, model or environment, refused with a message that
echoes nothing they computed, and a domain broken at run time neither breaks
the kanban nor blocks moves without saying why (design 4, trust boundaries)."""

import json
from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged

from .common import SALES_MANAGER, PilotRpcMixin, new_pilot_user

# The evaluation of stored domains, shared by the exit criteria and the qualification
CRITERION_LOGGER = (
    "odoo.addons.crm_pipeline_pilot.models.rule_engine.crm_pipeline_lead_rule_mixin_evaluation"
)
ESCALATION = (
    "[('id', '=', user.write({'groups_id': [(4, user.env.ref('base.group_system').id)]}) and 0)]"
)
SECRET = "[('id', '=', int(user.env['ir.config_parameter'].get_param('database.secret')))]"
NOTE = "this criterion cannot be evaluated: ask your sales administrator"


@tagged("post_install", "-at_install")
class TestExitCriteriaSecurity(PilotRpcMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Criterion = cls.env["crm.stage.exit.criterion"]
        cls.Criterion.search([]).active = False
        cls.manager = new_pilot_user(
            cls.env,
            "pilot_sec_manager",
            name="Sid Security",
            email="sid@example.com",
            groups=SALES_MANAGER,
        )
        cls.team = cls.env["crm.team"].create(
            {"name": "Security Team", "member_ids": [(6, 0, [cls.manager.id])]}
        )
        Stage = cls.env["crm.stage"]
        cls.s1 = Stage.create({"name": "Sec S1", "sequence": 310})
        cls.s2 = Stage.create({"name": "Sec S2", "sequence": 320})
        cls.customer = cls.Criterion.create(
            {
                "name": "Customer set",
                "stage_id": cls.s1.id,
                "criterion_type": "field",
                "field_id": cls.env["ir.model.fields"]._get("crm.lead", "partner_id").id,
            }
        )
        cls.today = fields.Date.context_today(cls.Criterion)
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Sec Deal",
                "type": "opportunity",
                "user_id": cls.manager.id,
                "team_id": cls.team.id,
                "stage_id": cls.s1.id,
                "partner_id": cls.env["res.partner"].create({"name": "Sec Customer"}).id,
                "date_deadline": cls.today + timedelta(days=3),
            }
        )

    def _create_criterion(self, name, domain):
        """Create a domain criterion on S1 over JSON-RPC, as the sales manager."""
        return self._call_kw(
            "crm.stage.exit.criterion",
            "create",
            [{"name": name, "stage_id": self.s1.id, "criterion_type": "domain", "domain": domain}],
        )

    def _is_admin(self):
        self.env.invalidate_all()
        self.env.cr.execute(
            "SELECT 1 FROM res_groups_users_rel WHERE uid = %s AND gid = %s",
            [self.manager.id, self.env.ref("base.group_system").id],
        )
        return bool(self.env.cr.fetchall()) or self.manager.has_group("base.group_system")

    def test_group_escalation_refused(self):
        self._login(self.manager)
        response = self._create_criterion("Escalate", ESCALATION)
        error = response.get("error")
        self.assertTrue(error, "the domain must be refused")
        self.assertEqual(error["data"]["name"], "odoo.exceptions.ValidationError")
        self.assertEqual(
            error["data"]["message"],
            'The domain of the exit criterion "Escalate" is invalid: '
            "it may hold only values (texts, numbers, dates, lists) and uid, today, "
            "context_today(), relativedelta(), datetime, time, with a date plus or minus a "
            "relativedelta: no other call nor arithmetic",
        )
        self.assertFalse(self._is_admin(), "the sales manager became administrator")
        self.assertFalse(self.Criterion.search([("name", "=", "Escalate")]))
        # Nor by rewriting an existing criterion.
        criterion_id = self._create_criterion("Deadline", "[('date_deadline', '!=', False)]")[
            "result"
        ]
        response = self._call_kw(
            "crm.stage.exit.criterion", "write", [[criterion_id], {"domain": ESCALATION}]
        )
        self.assertEqual(response["error"]["data"]["name"], "odoo.exceptions.ValidationError")
        self.assertFalse(self._is_admin(), "the sales manager became administrator")
        self.assertEqual(
            self.Criterion.browse(criterion_id).domain, "[('date_deadline', '!=', False)]"
        )

    def test_secret_not_echoed(self):
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret")
        self.assertTrue(secret)
        self._login(self.manager)
        for domain in (
            SECRET,
            "[(user.env['ir.config_parameter'].get_param('database.secret'), '=', 1)]",
        ):
            with self.subTest(domain=domain):
                response = self._create_criterion("Secret", domain)
                error = response.get("error")
                self.assertTrue(error, "the domain must be refused")
                self.assertEqual(error["data"]["name"], "odoo.exceptions.ValidationError")
                self.assertEqual(
                    error["data"]["message"],
                    'The domain of the exit criterion "Secret" is invalid: it may hold only '
                    "values (texts, numbers, dates, lists) and uid, today, context_today(), "
                    "relativedelta(), datetime, time, with a date plus or minus a "
                    "relativedelta: no other call nor arithmetic",
                )
                self.assertNotIn(secret, json.dumps(response))

    def test_refusals_name_the_problem_only(self):
        """Each refusal names the problem (and what the user typed), never a
        value the domain computed nor the text of the error."""
        cases = [
            ("[(", "the text is not a valid expression (syntax error)"),
            ("'a'", "a domain must be a list of conditions"),
            ("{'a': 1}", "it may hold only values (texts, numbers, dates, lists)"),
            ("[]", "the domain is empty"),
            (
                "[('no_such_field', '=', 1)]",
                'the field "no_such_field" does not exist on Lead/Opportunity',
            ),
            (
                "[('partner_id.no_such_field', '=', 1)]",
                'the field "partner_id.no_such_field" does not exist on Contact',
            ),
            (
                "[('name.x', '=', 1)]",
                'the field path "name.x" goes through a field that is not a relation',
            ),
            ("[('no_' 'field', '=', 1)]", "a condition uses a field that does not exist"),
            ("[('x' * 3, '=', 1)]", "it may hold only values (texts, numbers, dates, lists)"),
            ("[('name', 'bad op', 1)]", 'the operator "bad op" is not supported'),
            ("['|', ('name', '=', 'a')]", "the operators &, | and ! are not followed by enough"),
            ("[('name', '=')]", "each condition must be a list of three elements"),
            ("[(1, '=', 2)]", "the first element of each condition must be a field name"),
            (
                "[('date_deadline', '>', relativedelta(days=1))]",
                "a condition compares a field with something other than a text",
            ),
            (
                "[('date_deadline', '>', (today + relativedelta(years=9000)).isoformat())]",
                "it cannot be evaluated (ValueError)",
            ),
            # (refused by the search itself: a text for a number)
            ("[('id', '<', 'abc')]", "it cannot be applied to opportunities (UserError)"),
            ("[('date_deadline', '>', 'abc')]", "a value does not match the type of its field"),
            ("[('user_id.password', '=', 'x')]", "the field “user_id.password” cannot be searched"),
            (
                "[('expected_revenue', '>', 'abc')]",
                "it cannot be applied to opportunities (ValueError)",
            ),
        ]
        Criterion = self.Criterion.with_user(self.manager)
        for domain, reason in cases:
            with self.subTest(domain=domain), self.assertRaises(ValidationError) as catcher:
                Criterion.create(
                    {
                        "name": "Bad",
                        "stage_id": self.s1.id,
                        "criterion_type": "domain",
                        "domain": domain,
                    }
                )
            message = str(catcher.exception)
            self.assertIn(f'The domain of the exit criterion "Bad" is invalid: {reason}', message)
            self.assertNotIn("xxx", message)
            self.assertNotIn("year", message)

    def test_valid_domain_gates_a_move(self):
        self._login(self.manager)
        response = self._create_criterion(
            "Deadline a week ahead",
            "[('user_id', '=', uid), "
            "('date_deadline', '>=', (today + relativedelta(days=7)).strftime('%Y-%m-%d')), "
            "('date_deadline', '<', (context_today() + relativedelta(years=1)).isoformat()), "
            "('create_date', '>', (datetime.datetime.now() - relativedelta(days=1))"
            ".strftime('%Y-%m-%d %H:%M:%S')), "
            "('name', '!=', time.strftime('no %Y'))]",
        )
        self.assertNotIn("error", response)
        progress = ["exit_criteria_progress", "exit_criteria_missing"]
        read = self._call_kw("crm.lead", "read", [[self.lead.id], progress])["result"][0]
        self.assertEqual(
            (read["exit_criteria_progress"], read["exit_criteria_missing"]),
            ("1/2", "Missing: Deadline a week ahead"),
        )
        error = self._call_kw("crm.lead", "write", [[self.lead.id], {"stage_id": self.s2.id}])[
            "error"
        ]
        self.assertEqual(error["data"]["name"], "odoo.exceptions.UserError")
        self.assertEqual(
            error["data"]["message"],
            '"Sec Deal" cannot move to the stage "Sec S2" yet. Missing exit criteria:\n'
            "- Sec S1: Deadline a week ahead",
        )
        deadline = fields.Date.to_string(self.today + timedelta(days=10))
        response = self._call_kw("crm.lead", "write", [[self.lead.id], {"date_deadline": deadline}])
        self.assertNotIn("error", response)
        read = self._call_kw("crm.lead", "read", [[self.lead.id], progress])["result"][0]
        self.assertEqual(
            (read["exit_criteria_progress"], read["exit_criteria_missing"]),
            ("2/2", "All exit criteria are met."),
        )
        response = self._call_kw("crm.lead", "write", [[self.lead.id], {"stage_id": self.s2.id}])
        self.assertNotIn("error", response)
        self.assertEqual(self.lead.stage_id, self.s2)

    def test_domain_broken_at_run_time(self):
        """A domain that no longer evaluates (a field removed by another
        add-on, a date out of range): not met, said in the checklist and the
        refusal, logged without values; the kanban still computes."""
        criterion = self.Criterion.create(
            {
                "name": "Broken later",
                "stage_id": self.s1.id,
                "criterion_type": "domain",
                "domain": "[('date_deadline', '!=', False)]",
            }
        )
        broken_domains = [
            "[('pilot_removed_field', '=', True)]",
            "[('date_deadline', '<', (today + relativedelta(years=9000)).isoformat())]",
        ]
        for domain in broken_domains:
            with self.subTest(domain=domain):
                self.env.cr.execute(
                    "UPDATE crm_stage_exit_criterion SET domain = %s WHERE id = %s",
                    [domain, criterion.id],
                )
                self.env.registry.clear_cache()
                self.env.invalidate_all()
                with self.assertLogs(CRITERION_LOGGER, "WARNING") as logs:
                    lead = self.lead.with_user(self.manager)
                    self.assertEqual(lead.exit_criteria_progress, "1/2")
                    self.assertFalse(lead.exit_criteria_complete)
                    self.assertEqual(lead.exit_criteria_missing, "Missing: Broken later")
                    checklist = lead.exit_criteria_checklist
                self.assertEqual(checklist.count("fa-check"), 1)
                self.assertEqual(checklist.count("fa-times"), 1)
                self.assertIn(
                    "Broken later <small "
                    f'class="o_pilot_criterion_broken text-warning">— {NOTE}</small></li>',
                    checklist,
                )
                error_type = "InvalidDomainError" if "removed" in domain else "ValueError"
                self.assertIn(
                    f"WARNING:{CRITERION_LOGGER}:The domain of the exit criterion "
                    f"{criterion.id} cannot be evaluated ({error_type}): it counts as not met "
                    "until a sales administrator fixes it.",
                    logs.output,
                )
                self.assertNotIn("pilot_removed_field", "\n".join(logs.output))
                # The kanban (over JSON-RPC) still shows the cards.
                self._login(self.manager)
                response = self._call_kw(
                    "crm.lead",
                    "web_search_read",
                    [[("id", "=", self.lead.id)]],
                    {"specification": {"exit_criteria_progress": {}, "name": {}}},
                )
                self.assertEqual(
                    response["result"]["records"],
                    [{"id": self.lead.id, "exit_criteria_progress": "1/2", "name": "Sec Deal"}],
                )
                error = self._call_kw(
                    "crm.lead", "write", [[self.lead.id], {"stage_id": self.s2.id}]
                )["error"]
                self.assertEqual(
                    error["data"]["message"],
                    '"Sec Deal" cannot move to the stage "Sec S2" yet. Missing exit criteria:\n'
                    f"- Sec S1: Broken later ({NOTE})",
                )
                self.assertEqual(self.lead.stage_id, self.s1)
