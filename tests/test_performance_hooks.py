# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Guards of the add-on's Odoo hooks (docs/development.md, "Odoo hooks"):
the SQL the add-on writes instead of a global hook, and the behaviour of
Odoo's cache that the card computes rely on."""

from contextlib import ExitStack
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..models import crm_lead as orchestration
from .common import PilotCommon


@tagged("post_install", "-at_install")
class TestWithoutSubquerySearch(PilotCommon):
    """Opportunities *without* a related record (a planned activity, a dated
    next action) are searched by the add-on's own queries with NOT EXISTS,
    which PostgreSQL plans as an anti-join, instead of Odoo's NOT IN, which it
    re-scans for every opportunity once the subquery is large (the follow-up
    run at 1,000,000 opportunities, docs/benchmark.md). Other searches on
    opportunities are left as Odoo writes them."""

    def test_without_activity_found_with_not_exists(self):
        planned, with_follow_up_only, without = (
            self._opportunity("Planned"),
            self._opportunity("Followed up only"),
            self._opportunity("Nothing planned"),
        )
        planned.activity_schedule(
            "mail.mail_activity_data_call", user_id=self.salesman.id, summary="Call"
        )
        step = self.env.ref("crm_pipeline_pilot.automation_follow_up_first")
        with_follow_up_only.activity_schedule(
            "mail.mail_activity_data_todo", user_id=self.salesman.id, summary="Follow up"
        ).pilot_follow_up_step_id = step
        ids = (planned | with_follow_up_only | without).ids
        # The shipped follow-up steps' condition, in the follow-up run's query
        domain = [
            ("id", "in", ids),
            ("activity_ids", "not any", [("pilot_follow_up_step_id", "=", False)]),
        ]
        Lead = self.env["crm.lead"].sudo()
        query = Lead._pilot_follow_up_eligible_query(domain, 0, 10)
        sql = query.select().code
        self.assertIn("NOT EXISTS", sql)
        self.assertNotIn("NOT IN", sql)
        self.assertEqual(
            [row[0] for row in self.env.execute_query(query.select())],
            sorted((with_follow_up_only | without).ids),
        )
        # Scope: the same condition in any other search is Odoo's own
        # (NOT IN), with the same opportunities.
        odoo_sql = Lead._search(domain).select().code
        self.assertIn("NOT IN", odoo_sql)
        self.assertNotIn("NOT EXISTS", odoo_sql)
        self.assertEqual(Lead.search(domain), with_follow_up_only | without)
        # The add-on's field whose search is "without": NOT EXISTS too
        missing_domain = [("id", "in", ids), ("has_dated_next_action", "=", False)]
        missing_sql = Lead._search(missing_domain).select().code
        self.assertIn("NOT EXISTS", missing_sql)
        self.assertNotIn("NOT IN", missing_sql)
        self.assertEqual(Lead.search(missing_domain), with_follow_up_only | without)
        self.assertEqual(
            Lead.search([("id", "in", ids), ("has_dated_next_action", "=", True)]), planned
        )

    def test_not_exists_only_for_top_level_conditions(self):
        """A "not any" inside an OR is left to Odoo: the leads are the same."""
        planned, without = self._opportunity("Planned"), self._opportunity("Nothing planned")
        planned.activity_schedule(
            "mail.mail_activity_data_call", user_id=self.salesman.id, summary="Call"
        )
        domain = [
            ("id", "in", (planned | without).ids),
            "|",
            ("activity_ids", "not any", []),
            ("name", "=", "No such name"),
        ]
        query = self.env["crm.lead"].sudo()._pilot_follow_up_eligible_query(domain, 0, 10)
        self.assertNotIn("NOT EXISTS", query.select().code)
        self.assertEqual([row[0] for row in self.env.execute_query(query.select())], without.ids)

    def test_cached_values_agree_with_the_orm(self):
        """The card computes read Odoo's cache column by column
        (``cached_values``, docs/development.md "Odoo hooks"): the values are
        those of the ORM, whatever their type, loaded for all the records in
        one query when missing."""
        later = self.env["crm.stage"].create({"name": "Pilot Later", "sequence": 5})
        dated = self._opportunity("Dated", date_deadline="2026-03-02", stage_id=later.id)
        bare = self._opportunity("Bare", team_id=False)
        bare.activity_schedule(
            "mail.mail_activity_data_call", user_id=self.salesman.id, summary="Call"
        )
        leads = (dated | bare).sudo()
        self.env.invalidate_all()
        with self.assertQueryCount(1):
            self.assertEqual(
                orchestration.cached_values(leads, "date_deadline"),
                [fields.Date.to_date("2026-03-02"), None],
            )
        self.assertEqual(orchestration.cached_values(leads, "active"), [True, True])
        self.assertEqual(
            orchestration.many2one_ids(leads, "stage_id"), [later.id, self.stage_new.id]
        )
        self.assertEqual(orchestration.many2one_ids(leads, "team_id"), [self.team.id, False])
        self.assertEqual(
            [tuple(ids) for ids in orchestration.cached_values(leads, "activity_ids")],
            [(), tuple(bare.activity_ids.ids)],
        )
        self.assertEqual(len(bare.activity_ids), 1)
        self.assertEqual(
            orchestration.cached_values(leads, "exit_criteria_evaluation"),
            [lead.exit_criteria_evaluation or None for lead in leads],
        )
        # What the card computes assign, read back as the ORM reads it
        self.assertEqual(
            [lead.has_dated_next_action for lead in leads],
            [False, True],
        )

    def test_activities_read_with_the_rule_only_for_the_addon(self):
        """mail.activity._determine_fields_to_fetch: the fields of the dated
        next action come with an opportunity's activities (the context key of
        crm.lead's activity_ids), in the same query; the activities of any
        other document are read as Odoo reads them (document and active)."""
        lead = self._opportunity("Read")
        activity = lead.activity_schedule(
            "mail.mail_activity_data_call", user_id=self.salesman.id, summary="Call"
        )
        partner = self.env["res.partner"].create({"name": "Pilot read partner"})
        other = partner.activity_schedule(
            "mail.mail_activity_data_call", user_id=self.salesman.id, summary="Call"
        )
        deadline = activity._fields["date_deadline"]
        self.env.invalidate_all()
        with self.assertQueryCount(1):
            self.assertEqual(lead.activity_ids, activity)
        self.assertTrue(self.env.cache.contains(activity, deadline))
        self.env.invalidate_all()
        self.assertEqual(partner.activity_ids, other)
        self.assertFalse(self.env.cache.contains(other, deadline))
        # The status of the next action from the same read: planned today
        self.env.invalidate_all()
        self.assertEqual(lead.next_action_status, "planned")
        self.assertTrue(lead.has_dated_next_action)


@tagged("post_install", "-at_install")
class TestValuesMechanismScope(PilotCommon):
    """The values mechanism's overrides of ``base`` (create, write,
    _validate_fields in models/trust/base.py, _search in
    models/trust/search.py) act on the models with fields of the add-on only:
    the others go straight to Odoo's methods."""

    CHECKS = (
        "_pilot_check_values",
        "_pilot_check_typed_bounds",
        "_pilot_check_bounds",
        "_pilot_guarded_leaves",
    )

    def _count_checks(self, model, run):
        """{check: number of calls} on ``model`` while ``run()`` runs."""
        counts = dict.fromkeys(self.CHECKS, 0)
        cls = type(model)
        with ExitStack() as stack:
            for name in self.CHECKS:
                original = getattr(cls, name)

                def counted(records, *args, _name=name, _original=original, **kwargs):
                    counts[_name] += 1
                    return _original(records, *args, **kwargs)

                stack.enter_context(patch.object(cls, name, counted))
            run()
        return counts

    def test_model_without_addon_fields_goes_straight_to_odoo(self):
        Tag = self.env["res.partner.category"]
        self.assertFalse(Tag._pilot_checks_values())
        self.assertFalse(Tag._pilot_extended_by_addon())

        def run():
            tag = Tag.create({"name": "Pilot scope tag"})
            tag.write({"name": "Pilot scope tag 2"})
            self.assertEqual(Tag.search([("name", "=", "Pilot scope tag 2")]), tag)

        self.assertEqual(self._count_checks(Tag, run), dict.fromkeys(self.CHECKS, 0))

    def test_model_with_addon_fields_is_checked(self):
        Stage = self.env["crm.stage"]
        self.assertTrue(Stage._pilot_checks_values())
        self.assertTrue(Stage._pilot_extended_by_addon())
        stage = Stage.create({"name": "Pilot scope stage", "sequence": 70})

        def run():
            stage.write({"stagnation_days": 12})
            self.assertEqual(Stage.search([("stagnation_days", "=", 12)]), stage)

        self.assertEqual(
            self._count_checks(Stage, run),
            {
                "_pilot_check_values": 1,
                "_pilot_check_typed_bounds": 1,
                # each time Odoo validates the stage's fields
                "_pilot_check_bounds": 2,
                "_pilot_guarded_leaves": 1,
            },
        )
        # The mechanism still refuses a value out of its bounds there
        with self.assertRaises(ValidationError):
            stage.write({"stagnation_days": -3})
