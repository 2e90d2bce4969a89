# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Qualification (BANT): the shipped rules, team overrides, the safe domains,
the daily refresh, the filter and the win rate by score."""

from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from ..hooks import post_init_hook
from .common import PilotCommon


@tagged("post_install", "-at_install")
class TestQualification(PilotCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.rule_budget = ref("crm_pipeline_pilot.qualification_rule_budget")
        cls.rule_authority = ref("crm_pipeline_pilot.qualification_rule_authority")
        cls.rule_need = ref("crm_pipeline_pilot.qualification_rule_need_confirmed")
        cls.today = fields.Date.context_today(cls.env["crm.lead"])

    def assertScore(self, lead, score, missing):
        self.assertEqual(
            (lead.qualification_score, lead.qualification_missing or ""),
            (score, ",".join(missing)),
        )

    def test_nothing_known_scores_zero(self):
        lead = self._opportunity("Unqualified")
        self.assertScore(lead, 0, ["budget", "authority", "need", "timing"])
        self.assertEqual(lead.qualification_missing_label, "Budget, Authority, Need, Timing")

    def test_each_dimension(self):
        lead = self._opportunity("BANT").with_user(self.salesman)
        lead.expected_revenue = 12000
        self.assertScore(lead, 1, ["authority", "need", "timing"])
        lead.qualification_confirmed_ids = self.rule_authority
        self.assertScore(lead, 2, ["need", "timing"])
        lead.description = "<p>Replace 40 laptops before the audit</p>"
        self.assertScore(lead, 3, ["timing"])
        lead.date_deadline = self.today + timedelta(days=30)
        self.assertScore(lead, 4, [])
        self.assertFalse(lead.qualification_missing_label)

    def test_need_confirmed_without_description(self):
        lead = self._opportunity("Need by hand")
        lead.with_user(self.salesman).qualification_confirmed_ids = self.rule_need
        self.assertScore(lead, 1, ["budget", "authority", "timing"])

    def test_need_identified_is_one_tick(self):
        """The recommended pipeline asks "Need identified" to leave its first
        stage, the qualification asks it for the need: one fact. Ticked in
        the stage's checklist, the qualification's need is met; the
        qualification offers no second box for it in that team (it still
        does in a team without that stage)."""
        team = self.env["crm.team"].create({"name": "One tick", "pilot_own_stages_only": True})
        stages = self.env["crm.stage"].action_apply_recommended_pipeline(team.id)
        need = stages[0].exit_criterion_ids.filtered(lambda c: c.name == "Need identified")
        self.assertEqual(need.criterion_type, "manual")
        lead = self._opportunity("One tick deal", team_id=team.id, stage_id=stages[0].id)
        self.assertScore(lead, 0, ["budget", "authority", "need", "timing"])
        # "Decision maker identified" is asked by the Discovery stage: one tick too.
        self.assertFalse(
            lead.qualification_manual_rule_ids & (self.rule_need | self.rule_authority)
        )
        lead.with_user(self.salesman).confirmed_criterion_ids = need
        self.assertScore(lead, 1, ["budget", "authority", "timing"])
        self.assertEqual(lead.qualification_missing_label, "Budget, Authority, Timing")
        # Withdrawn: missing in both places again.
        lead.with_user(self.salesman).confirmed_criterion_ids = False
        self.assertScore(lead, 0, ["budget", "authority", "need", "timing"])
        # A team without the recommended pipeline ticks it in the qualification.
        other = self._opportunity("Other team deal")
        self.assertEqual(
            other.qualification_manual_rule_ids & (self.rule_need | self.rule_authority),
            self.rule_need | self.rule_authority,
        )

    def test_timing_window(self):
        expected = {-1: False, 0: True, 90: True, 91: False}
        for days, met in expected.items():
            lead = self._opportunity(
                f"Timing {days}", date_deadline=self.today + timedelta(days=days)
            )
            self.assertEqual("timing" not in (lead.qualification_missing or ""), met, days)
            self.assertEqual(lead.qualification_score, 1 if met else 0, days)

    def test_team_override_replaces_the_default_of_its_dimension(self):
        other_team = self.env["crm.team"].create({"name": "Other pilot team"})
        self.env["crm.qualification.rule"].create(
            {
                "name": "Budget of at least 10,000",
                "dimension": "budget",
                "team_id": self.team.id,
                "criterion_type": "domain",
                "domain": "[('expected_revenue', '>=', 10000)]",
            }
        )
        ours = self._opportunity("Ours 5k", expected_revenue=5000)
        ours_big = self._opportunity("Ours 10k", expected_revenue=10000)
        theirs = self._opportunity("Theirs 5k", expected_revenue=5000, team_id=other_team.id)
        self.assertScore(ours, 0, ["budget", "authority", "need", "timing"])
        self.assertScore(ours_big, 1, ["authority", "need", "timing"])
        self.assertScore(theirs, 1, ["authority", "need", "timing"])
        # The team's manual rules offered on the form: only the default ones here
        self.assertEqual(
            ours.qualification_manual_rule_ids,
            self.rule_authority | self.rule_need,
        )

    def test_dimension_without_rule_counts_as_met(self):
        self.env["crm.qualification.rule"].search([("dimension", "=", "authority")]).active = False
        lead = self._opportunity("No authority rule")
        self.assertScore(lead, 1, ["budget", "need", "timing"])

    def test_domain_checked_at_save_without_values(self):
        Rule = self.env["crm.qualification.rule"].with_user(self.manager)
        with self.assertRaisesMessage(
            ValidationError,
            'The domain of the qualification rule "Bad" is invalid: the field "no_such_field" '
            "does not exist",
        ):
            Rule.create(
                {
                    "name": "Bad",
                    "dimension": "need",
                    "criterion_type": "domain",
                    "domain": "[('no_such_field', '=', 1)]",
                }
            )
        with self.assertRaisesMessage(
            ValidationError, "it may hold only values (texts, numbers, dates, lists) and uid"
        ):
            Rule.create(
                {
                    "name": "Env",
                    "dimension": "need",
                    "criterion_type": "domain",
                    "domain": "[('user_id', '=', env.uid)]",
                }
            )
        with self.assertRaisesMessage(ValidationError, "checks a field: choose the field"):
            Rule.create({"name": "No field", "dimension": "budget", "criterion_type": "field"})

    @contextmanager
    def assertRulesEvaluated(self, times):
        """The qualification rules are evaluated ``times`` times in the block."""
        Lead = type(self.env["crm.lead"])
        calls = []
        original = Lead._pilot_qualification_results

        def counted(records):
            calls.append(records.ids)
            return original(records)

        with patch.object(Lead, "_pilot_qualification_results", counted):
            yield
            self.env.flush_all()
        self.assertEqual(len(calls), times, calls)

    def test_writes_that_change_nothing_the_rules_read_keep_the_score(self):
        """A stage move (or a change of priority, of salesperson) does not
        evaluate the rules again; a write of what a rule reads does."""
        later = self.env["crm.stage"].create({"name": "Pilot Later", "sequence": 2})
        lead = self._opportunity("Kept score", expected_revenue=12000).with_user(self.salesman)
        self.env.flush_all()
        self.assertScore(lead, 1, ["authority", "need", "timing"])
        with self.assertRulesEvaluated(0):
            lead.write({"stage_id": later.id, "priority": "2"})
        self.assertScore(lead, 1, ["authority", "need", "timing"])
        with self.assertRulesEvaluated(1):
            lead.date_deadline = self.today + timedelta(days=10)
        self.assertScore(lead, 2, ["authority", "need"])
        with self.assertRulesEvaluated(1):
            lead.qualification_confirmed_ids = self.rule_authority
        self.assertScore(lead, 3, ["need"])

    def test_a_rule_on_another_field_follows_its_writes(self):
        """A team's rule reading the priority: a write of the priority now
        evaluates the rules again (the fields read follow the active rules)."""
        self.env["crm.qualification.rule"].create(
            {
                "name": "Flagged as urgent by the salesperson",
                "dimension": "timing",
                "team_id": self.team.id,
                "criterion_type": "domain",
                "domain": "[('priority', '=', '3')]",
            }
        )
        lead = self._opportunity("Urgent").with_user(self.salesman)
        self.env.flush_all()
        self.assertScore(lead, 0, ["budget", "authority", "need", "timing"])
        with self.assertRulesEvaluated(1):
            lead.priority = "3"
        self.assertScore(lead, 1, ["budget", "authority", "need"])

    def test_confirmations_tracked_when_written(self):
        """The confirmations are tracked in the chatter when they change, and
        only then."""
        later = self.env["crm.stage"].create({"name": "Pilot Later", "sequence": 2})
        lead = self._opportunity("Tracked").with_user(self.salesman)
        field = self.env["ir.model.fields"]._get("crm.lead", "qualification_confirmed_ids")

        def tracked():
            self.env.cr.flush()  # the tracking is written before the commit
            return self.env["mail.tracking.value"].search(
                [("mail_message_id.res_id", "=", lead.id), ("field_id", "=", field.id)]
            )

        lead.qualification_confirmed_ids = self.rule_authority
        values = tracked()
        self.assertEqual(len(values), 1)
        self.assertEqual(values.new_value_char, self.rule_authority.name)
        lead.stage_id = later
        self.assertEqual(tracked(), values)

    def test_rules_on_cached_values_agree_with_the_database(self):
        """The domains of the rules give the same leads evaluated on the
        values in the cache (no query) and searched in the database."""
        today = self.today
        values = [
            {"description": False, "date_deadline": False},
            {"description": "", "date_deadline": today - timedelta(days=1)},
            {"description": "<p>Forty laptops</p>", "date_deadline": today},
            {"description": "<p>Audit</p>", "date_deadline": today + timedelta(days=90)},
            {"description": False, "date_deadline": today + timedelta(days=91)},
        ]
        leads = self.env["crm.lead"].browse(
            [
                self._opportunity(
                    f"Cached {index}",
                    expected_revenue=1000 * index,
                    priority=str(index % 4),
                    **vals,
                ).id
                for index, vals in enumerate(values)
            ]
        )
        ids = leads.ids
        Rule = self.env["crm.qualification.rule"]
        timing = self.env.ref("crm_pipeline_pilot.qualification_rule_timing")
        need = self.env.ref("crm_pipeline_pilot.qualification_rule_need_written")
        custom = Rule.create(
            [
                {
                    "name": name,
                    "dimension": "budget",
                    "team_id": self.team.id,
                    "criterion_type": "domain",
                    "domain": domain,
                }
                for name, domain in (
                    ("Above 2,000", "[('expected_revenue', '>', 2000)]"),
                    ("Starred", "[('priority', 'in', ['2', '3'])]"),
                    (
                        "Mine, or no closing date",
                        "['|', ('user_id', '=', uid), ('date_deadline', '=', False)]",
                    ),
                )
            ]
        )
        expected = {
            timing: {ids[2], ids[3]},
            need: {ids[2], ids[3]},
            custom[0]: {ids[3], ids[4]},
            custom[1]: {ids[2], ids[3]},
            custom[2]: {ids[0]},  # the leads are the salesperson's
        }
        self.env.flush_all()
        for rule, matching in expected.items():
            leads.fetch(["description", "date_deadline", "expected_revenue", "priority", "user_id"])
            rule._pilot_domain_satisfied_lead_ids(leads, rule.domain)  # warm-up (the user's tz)
            before = self.env.cr.sql_log_count
            in_memory = rule._pilot_domain_satisfied_lead_ids(leads, rule.domain)
            self.assertEqual(self.env.cr.sql_log_count, before, rule.name)
            leads.invalidate_recordset()
            in_database = rule._pilot_domain_satisfied_lead_ids(leads, rule.domain)
            self.assertEqual((in_memory, in_database), (matching, matching), rule.name)

    def test_exit_criteria_always_ask_the_database(self):
        """The gate's criteria are never decided on cached values."""
        criterion = self.env["crm.stage.exit.criterion"].create(
            {
                "name": "Above zero",
                "stage_id": self.stage_new.id,
                "criterion_type": "domain",
                "domain": "[('expected_revenue', '>', 0)]",
            }
        )
        lead = self._opportunity("Gated", expected_revenue=10)
        self.env.flush_all()
        lead.fetch(["expected_revenue"])
        before = self.env.cr.sql_log_count
        self.assertEqual(
            criterion._pilot_domain_satisfied_lead_ids(lead, criterion.domain), {lead.id}
        )
        self.assertEqual(self.env.cr.sql_log_count, before + 1)

    def test_creating_a_lead_evaluates_the_rules_without_a_query(self):
        """Creating an opportunity costs the same queries with the shipped
        qualification rules as without any (Odoo's budgets of lead creation,
        test_crm_full, hold); its score is right."""
        Lead = self.env["crm.lead"].with_user(self.salesman)
        vals = {
            "name": "Created",
            "type": "opportunity",
            "team_id": self.team.id,
            "stage_id": self.stage_new.id,
            "description": "<p>Forty laptops</p>",
            "date_deadline": self.today + timedelta(days=10),
        }

        def create_and_count():
            Lead.create(dict(vals))  # warm-up
            before = self.env.cr.sql_log_count
            lead = Lead.create(dict(vals))
            self.env.flush_all()
            return self.env.cr.sql_log_count - before, lead

        with_rules, lead = create_and_count()
        self.assertScore(lead, 2, ["budget", "authority"])
        self.env["crm.qualification.rule"].search([("dimension", "!=", False)]).active = False
        self.env.flush_all()
        without_rules, lead = create_and_count()
        self.assertScore(lead, 4, [])
        self.assertEqual(with_rules, without_rules)

    def test_salesperson_cannot_edit_rules(self):
        with self.assertRaises(AccessError):
            self.rule_budget.with_user(self.salesman).name = "Anything"

    def test_daily_refresh_follows_the_date(self):
        lead = self._opportunity("Later", date_deadline=self.today + timedelta(days=100))
        self.assertScore(lead, 0, ["budget", "authority", "need", "timing"])
        # 20 days later the expected closing is 80 days away: as if time passed
        self.env.cr.execute(
            "UPDATE crm_lead SET date_deadline = %s WHERE id = %s",
            (self.today + timedelta(days=80), lead.id),
        )
        lead.invalidate_recordset()
        self.env["crm.lead"]._cron_pilot_refresh_qualification()
        self.assertScore(lead, 1, ["budget", "authority", "need"])

    def test_daily_refresh_scores_the_leads_never_scored(self):
        """The opportunities that existed when the add-on was installed (score
        0, no missing dimension: never scored) are scored by the refresh job,
        closed ones included; a closed opportunity keeps its score otherwise."""
        won_stage = self.env["crm.stage"].create(
            {"name": "Pilot Won", "sequence": 50, "is_won": True}
        )
        existing = self._opportunity("Existing", expected_revenue=9000, stage_id=won_stage.id)
        closed = self._opportunity("Closed", stage_id=won_stage.id)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead SET qualification_score = 0, qualification_missing = NULL "
            "WHERE id = %s",
            (existing.id,),
        )
        self.env.cr.execute(
            "UPDATE crm_lead SET qualification_score = 3, qualification_missing = 'timing' "
            "WHERE id = %s",
            (closed.id,),
        )
        (existing | closed).invalidate_recordset()
        self.env["crm.lead"]._cron_pilot_refresh_qualification()
        self.assertScore(existing, 1, ["authority", "need", "timing"])
        self.assertScore(closed, 3, ["timing"])

    def test_installation_starts_the_first_scoring(self):
        """The post-init hook starts the refresh job rather than scoring every
        existing opportunity inside the installation."""
        cron = self.env.ref("crm_pipeline_pilot.ir_cron_qualification_refresh")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        post_init_hook(self.env)
        self.assertEqual(
            len(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]) - triggers), 1
        )

    def test_poorly_qualified_filter(self):
        poor = self._opportunity("Poor", expected_revenue=100)
        good = self._opportunity(
            "Good", expected_revenue=100, date_deadline=self.today + timedelta(days=10)
        )
        found = self.env["crm.lead"].search(
            [("qualification_score", "<=", 1), ("id", "in", (poor | good).ids)]
        )
        self.assertEqual(found, poor)

    def test_win_rate_by_score_in_the_pipeline_analysis(self):
        won_stage = self.env["crm.stage"].create(
            {"name": "Pilot Won Q", "sequence": 2, "is_won": True}
        )
        soon = self.today + timedelta(days=10)
        qualified = [
            self._opportunity(f"Q{index}", expected_revenue=1000, date_deadline=soon)
            for index in range(3)
        ]
        unqualified = [self._opportunity(f"U{index}") for index in range(2)]
        qualified[0].stage_id = won_stage
        qualified[1].stage_id = won_stage
        qualified[2].action_set_lost(lost_reason_id=self.reason.id)
        unqualified[0].stage_id = won_stage
        unqualified[1].action_set_lost(lost_reason_id=self.reason.id)
        self.env.flush_all()
        groups = self.env["crm.pipeline.report"]._read_group(
            [("lead_id", "in", [lead.id for lead in qualified + unqualified])],
            ["qualification_score"],
            ["win_rate:avg", "__count"],
        )
        self.assertEqual(
            [(score, round(rate, 2), count) for score, rate, count in groups],
            [(0, 50.0, 2), (2, 66.67, 3)],
        )
