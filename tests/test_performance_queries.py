# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The hot paths at plain Odoo's cost, pinned by query counts (see
docs/benchmark.md, which measures the same paths on a large database).

Each budget is relative to a baseline measured in the same test: the same
operation with the add-on's write steps left out (plain Odoo's ``write``), or
on leads whose stage has no exit criteria, or on fewer leads; both are
measured after a warm-up (caches filled, as in a running server)."""

from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

import freezegun
from lxml import etree

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models import crm_lead as orchestration
from ..models.crm_lead import TRUSTED
from .common import PilotCommon, PilotQueryCountMixin


@contextmanager
def plain_odoo_write():
    """``crm.lead.write`` without the add-on's steps (models/crm_lead.py is
    the add-on's only override of ``write``): plain Odoo's write, whose
    stored computed fields still include the add-on's."""
    addon = orchestration.CrmLead

    def write(self, vals):
        return super(addon, self).write(vals)

    with patch.object(addon, "write", write):
        yield


@contextmanager
def counting_calls(model, *method_names):
    """Count the calls of methods of ``model`` (computes included)."""
    calls = Counter()
    cls = type(model)
    patches = []
    for name in method_names:
        original = getattr(cls, name)

        def wrapper(self, *args, _name=name, _original=original, **kwargs):
            calls[_name] += 1
            return _original(self, *args, **kwargs)

        patches.append(patch.object(cls, name, wrapper))
    for patcher in patches:
        patcher.start()
    try:
        yield calls
    finally:
        for patcher in patches:
            patcher.stop()


def view_specification(model, view, arch_node=None, model_name=None, fields_info=None):
    """The specification of ``web_read``/``web_search_read`` that the web client
    builds from a view as installed (fields of the arch, display names of
    relations, the fields of a one2many's own list)."""
    if arch_node is None:
        result = model.get_views([(view.id, view.type)])
        arch_node = etree.fromstring(result["views"][view.type]["arch"])
        model_name = model._name
        fields_info = result["models"]
    spec = {}
    for node in arch_node.iterchildren():
        if not isinstance(node.tag, str):
            continue
        if node.tag != "field":
            spec.update(view_specification(model, view, node, model_name, fields_info))
            continue
        name = node.get("name")
        field = fields_info[model_name]["fields"].get(name)
        if field is None or name in spec:
            continue
        if field["type"] in ("many2one", "reference"):
            spec[name] = {"fields": {"display_name": {}}}
        elif field["type"] in ("one2many", "many2many"):
            sub = (
                view_specification(model, view, node, field["relation"], fields_info)
                if len(node)
                else {"display_name": {}}
            )
            spec[name] = {"fields": sub}
        else:
            spec[name] = {}
    return spec


@tagged("post_install", "-at_install", "is_query_count")
class TestHotPathQueries(PilotQueryCountMixin, PilotCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Criterion = cls.env["crm.stage.exit.criterion"]
        # Criteria of other pipelines (demo data) must not interfere.
        cls.Criterion.search([]).active = False
        Stage = cls.env["crm.stage"]
        # As in the benchmark: two criteria on the stage left (a field and a
        # domain), none on the next ones.
        cls.s1 = Stage.create({"name": "Hot S1", "sequence": 310})
        cls.s2 = Stage.create({"name": "Hot S2", "sequence": 320})
        cls.s3 = Stage.create({"name": "Hot S3", "sequence": 330})
        # Stages without criteria, before those with criteria.
        cls.free_a = Stage.create({"name": "Hot Free A", "sequence": 301})
        cls.free_b = Stage.create({"name": "Hot Free B", "sequence": 302})
        revenue = cls.env["ir.model.fields"]._get("crm.lead", "expected_revenue")
        cls.Criterion.create(
            [
                {
                    "name": "Expected revenue set",
                    "stage_id": cls.s1.id,
                    "criterion_type": "field",
                    "field_id": revenue.id,
                },
                {
                    "name": "Revenue above zero",
                    "stage_id": cls.s1.id,
                    "criterion_type": "domain",
                    "domain": "[('expected_revenue', '>', 0)]",
                },
                {"name": "Demo given", "stage_id": cls.s2.id, "criterion_type": "manual"},
                {
                    "name": "Valid contact",
                    "stage_id": cls.s2.id,
                    "criterion_type": "domain",
                    "domain": "[('is_contact_valid', '=', True)]",
                },
            ]
        )

    def _leads(self, count, stage, **values):
        """``count`` opportunities of the salesperson created in ``stage``
        (by trusted code: the criteria of the earlier stages are not asked)."""
        Lead = self.env["crm.lead"].with_context(pilot_skip_exit_criteria=TRUSTED)
        leads = Lead.create(
            [
                {
                    "name": f"{stage.name} {index}",
                    "type": "opportunity",
                    "user_id": self.salesman.id,
                    "team_id": self.team.id,
                    "stage_id": stage.id,
                    **values,
                }
                for index in range(count)
            ]
        )
        return self.env["crm.lead"].browse(leads.ids)

    # ------------------------------------------------------------------
    # Stage moves
    # ------------------------------------------------------------------

    def test_forward_move_with_criteria_costs_plain_plus_two(self):
        """A forward move leaving a stage with a field and a domain criterion,
        by its salesperson: at most two queries more than plain Odoo's write
        of the same move."""
        leads = self._leads(4, self.s1, expected_revenue=5000).with_user(self.salesman)
        with plain_odoo_write():
            self._count(lambda: leads[0].write({"stage_id": self.s2.id}))
            plain = self._count(lambda: leads[1].write({"stage_id": self.s2.id}))
        self._count(lambda: leads[2].write({"stage_id": self.s2.id}))
        # Budget: the domain criterion's search (the field criterion reads the
        # lead, loaded by the write anyway) and the stage history (one
        # statement closes the stay and opens the next). The criteria are
        # checked before the write, on the saved values: no savepoint.
        self.env.invalidate_all()
        with (
            counting_calls(self.Criterion, "_pilot_get_domain") as calls,
            self.assertQueryCount(plain + 2),
        ):
            self.env.invalidate_all()
            leads[3].write({"stage_id": self.s2.id})
        self.assertEqual(leads.stage_id, self.s2)
        self.assertEqual(len(leads[3].stage_history_ids), 2)
        # The domain's text is evaluated once, for its search: the fields it
        # reads come from the cache of the definitions.
        self.assertEqual(calls["_pilot_get_domain"], 1)

    def test_forward_move_saved_from_the_kanban_costs_plain_plus_two(self):
        """The same move as the web client saves it (``web_save`` with the
        specification of the pipeline's kanban cards)."""
        leads = self._leads(4, self.s1, expected_revenue=5000).with_user(self.salesman)
        spec = view_specification(leads, self.env.ref("crm.crm_case_kanban_view_leads"))
        self.assertIn("exit_criteria_progress", spec)
        with plain_odoo_write():
            self._count(lambda: leads[0].web_save({"stage_id": self.s2.id}, spec))
            plain = self._count(lambda: leads[1].web_save({"stage_id": self.s2.id}, spec))
        self._count(lambda: leads[2].web_save({"stage_id": self.s2.id}, spec))
        # Budget: as for write (the domain search and the stage history); the
        # cards read back are the same in both.
        self.env.invalidate_all()
        with self.assertQueryCount(plain + 2):
            self.env.invalidate_all()
            leads[3].web_save({"stage_id": self.s2.id}, spec)
        self.assertEqual(leads.stage_id, self.s2)

    def test_mass_move_with_criteria_costs_plain_plus_two(self):
        """A mass stage change by the sales manager: the criteria are checked
        for all the leads at once (the same two queries for 10 leads)."""
        batches = [self._leads(10, self.s1, expected_revenue=5000) for _index in range(4)]
        batches = [batch.with_user(self.manager) for batch in batches]
        with plain_odoo_write():
            self._count(lambda: batches[0].write({"stage_id": self.s2.id}))
            plain = self._count(lambda: batches[1].write({"stage_id": self.s2.id}))
        self._count(lambda: batches[2].write({"stage_id": self.s2.id}))
        # Budget: one domain search and one stage-history statement for all.
        self.env.invalidate_all()
        with self.assertQueryCount(plain + 2):
            self.env.invalidate_all()
            batches[3].write({"stage_id": self.s2.id})
        self.assertEqual(set(batches[3].mapped("stage_id")), {self.s2})

    def test_refused_move_checked_before_the_write_changes_nothing(self):
        """Checked before the write, a refused move writes nothing, even for a
        caller that goes on after the error (no savepoint of its own)."""
        lead = self._leads(1, self.s1)[0].with_user(self.salesman)
        date_before = lead.date_last_stage_update
        refused = None
        try:
            lead.write({"stage_id": self.s2.id})
        except UserError as error:
            refused = error
        self.assertIn("- Hot S1: Expected revenue set, Revenue above zero", str(refused))
        self.env.flush_all()
        lead.invalidate_recordset()
        self.assertEqual(
            (lead.stage_id, lead.date_last_stage_update, len(lead.stage_history_ids)),
            (self.s1, date_before, 1),
        )

    # ------------------------------------------------------------------
    # Opportunity form and kanban cards
    # ------------------------------------------------------------------

    def test_form_opens_with_the_criteria_evaluated_once(self):
        """Opening an opportunity (``web_read`` with the form's specification,
        as the web client does) evaluates its exit criteria once for the
        progress, the tooltip and the checklist together."""
        lead = self._leads(1, self.s2, email_from="buyer@example.com")[0]
        free = self._leads(1, self.free_a, email_from="buyer@example.com")[0]
        Lead = self.env["crm.lead"].with_user(self.salesman)
        spec = view_specification(Lead, self.env.ref("crm.crm_lead_view_form"))
        for fname in ("exit_criteria_progress", "exit_criteria_checklist"):
            self.assertIn(fname, spec)
        self._count(lambda: Lead.browse(free.id).web_read(spec))  # warm-up
        baseline = self._count(lambda: Lead.browse(free.id).web_read(spec))
        self._count(lambda: Lead.browse(lead.id).web_read(spec))  # warm-up
        self.env.invalidate_all()
        with counting_calls(
            Lead,
            "_compute_exit_criteria_evaluation",
            "_pilot_missing_exit_criteria",
            "_compute_exit_criteria",
            "_compute_exit_criteria_checklist",
        ) as calls:
            # Budget, against the same form on a lead in a stage without
            # criteria: the domain criterion's search and the criteria's names
            # and descriptions (the confirmations are read by the form anyway),
            # and the stored win rates of the stage's criteria (one read). The
            # deal coach (next action, briefing) reuses the same evaluation.
            with self.assertQueryCount(baseline + 3):
                self.env.invalidate_all()
                values = Lead.browse(lead.id).web_read(spec)[0]
        self.assertEqual(
            dict(calls),
            {
                "_compute_exit_criteria_evaluation": 1,
                "_pilot_missing_exit_criteria": 1,
                "_compute_exit_criteria": 1,
                "_compute_exit_criteria_checklist": 1,
            },
        )
        self.assertEqual(values["exit_criteria_progress"], "1/2")
        self.assertTrue(values["exit_criteria_has_manual"])
        self.assertEqual(values["exit_criteria_checklist"].count("o_pilot_criterion_missing"), 1)
        self.assertEqual(values["exit_criteria_checklist"].count("o_pilot_criterion_met"), 1)

    def test_kanban_cards_cost_the_same_for_any_number_of_leads(self):
        """``web_search_read`` of the pipeline kanban's card fields costs as
        many queries for 40 cards as for 4, in a stage with a manual and a
        domain criterion, met by some cards and not by others."""
        Lead = self.env["crm.lead"].with_user(self.salesman)
        spec = view_specification(Lead, self.env.ref("crm.crm_case_kanban_view_leads"))
        demo = self.Criterion.search([("name", "=", "Demo given"), ("stage_id", "=", self.s2.id)])

        def cards(count):
            leads = self._leads(count, self.s2, expected_revenue=1000)
            leads[::2].email_from = "buyer@example.com"
            leads[::4].confirmed_criterion_ids = demo
            domain = [("id", "in", leads.ids)]
            self._count(lambda: Lead.web_search_read(domain, spec, order="id"))  # warm-up
            queries = self._count(lambda: Lead.web_search_read(domain, spec, order="id"))
            records = Lead.web_search_read(domain, spec, order="id")["records"]
            self.assertEqual(
                [record["exit_criteria_progress"] for record in records[:4]],
                ["2/2", "0/2", "1/2", "0/2"],
            )
            return queries

        # Budget: no query per card.
        self.assertEqual(cards(40), cards(4))

    def test_card_criteria_read_from_the_cards_values(self):
        """The criteria of a stage comparing only what the cards read (the
        benchmark's: expected revenue set, above zero) cost the kanban no
        query: the domain is evaluated on the values read with the cards
        (the gate asks the database)."""
        Lead = self.env["crm.lead"].with_user(self.salesman)
        spec = view_specification(Lead, self.env.ref("crm.crm_case_kanban_view_leads"))

        def cards(stage):
            leads = self._leads(4, stage, expected_revenue=1000)
            leads[1].expected_revenue = 0
            # Counted on the cards meeting them (a missing criterion's name is
            # read for its card)
            met = [("id", "in", (leads - leads[1]).ids)]
            self._count(lambda: Lead.web_search_read(met, spec, order="id"))  # warm-up
            queries = self._count(lambda: Lead.web_search_read(met, spec, order="id"))
            domain = [("id", "in", leads.ids)]
            records = Lead.web_search_read(domain, spec, order="id")["records"]
            return queries, [record["exit_criteria_progress"] for record in records]

        with_criteria, progress = cards(self.s1)
        without, no_progress = cards(self.free_a)
        self.assertEqual(progress, ["2/2", "0/2", "2/2", "2/2"])
        self.assertEqual(no_progress, [False] * 4)
        self.assertEqual(with_criteria, without)

    # ------------------------------------------------------------------
    # Expected closing dates
    # ------------------------------------------------------------------

    def test_close_date_change_costs_plain_plus_one(self):
        """A change of the expected closing date, with its ledger row and its
        push counted: at most one query more than plain Odoo's write."""
        # Overdue dates pushed later, still before the end of the month: a push
        # (counted on the lead) that needs no slip reason.
        today = fields.Date.today()
        earlier, later = today - timedelta(days=3), today - timedelta(days=1)
        leads = self._leads(4, self.free_a, date_deadline=earlier).with_user(self.salesman)
        with plain_odoo_write():
            self._count(lambda: leads[0].write({"date_deadline": later}))
            plain = self._count(lambda: leads[1].write({"date_deadline": later}))
        self._count(lambda: leads[2].write({"date_deadline": later}))
        # Budget: the ledger is one statement (row inserted, push counted).
        self.env.invalidate_all()
        with self.assertQueryCount(plain + 1):
            self.env.invalidate_all()
            leads[3].write({"date_deadline": later})
        changes = self.env["crm.lead.close.date.change"].search([("lead_id", "=", leads[3].id)])
        self.assertEqual(
            (changes.date_old, changes.date_new, changes.pushed), (earlier, later, True)
        )
        self.assertEqual(leads.mapped("close_date_push_count"), [0, 0, 1, 1])

    # ------------------------------------------------------------------
    # Weekly review
    # ------------------------------------------------------------------

    def _review_queries(self, review):
        """Queries of recomputing the weekly review through its public method
        (one review per week and set of teams: it is refreshed, not created
        again). Two warm-up runs: the first one after new opportunities loads
        the record rules of the review's lines again."""
        review.action_refresh()  # warm-up
        self._count(review.action_refresh)
        return self._count(review.action_refresh)

    def test_weekly_review_costs_the_same_for_any_number_of_leads(self):
        """The weekly review of 5 teams: as many queries with 15 opportunities
        per team as with 3 (one open, one won and one lost this week)."""
        won_stage = self.env["crm.stage"].create(
            {"name": "Hot Won", "sequence": 305, "is_won": True}
        )
        teams = self.env["crm.team"].create(
            [{"name": f"Hot Team {index}", "user_id": self.manager.id} for index in range(5)]
        )

        def add_leads(count):
            for team in teams:
                for index in range(count):
                    lead = self._opportunity(
                        f"Hot review {team.name} {index}",
                        team_id=team.id,
                        stage_id=self.free_a.id,
                        expected_revenue=1000 * (index + 1),
                    )
                    if index % 3 == 1:
                        lead.stage_id = won_stage
                    elif index % 3 == 2:
                        lead.action_set_lost(lost_reason_id=self.reason.id)

        add_leads(3)
        self.env.flush_all()
        self.startPatcher(freezegun.freeze_time(fields.Datetime.now()))
        review = (
            self.env["crm.pipeline.review"]
            .with_user(self.manager)
            .create({"team_ids": [(6, 0, teams.ids)]})
        )
        few = self._review_queries(review)
        add_leads(12)
        many = self._review_queries(review)
        # Budget: grouped reads per KPI (all teams in one), none per team or
        # per lead. The clock is frozen: the review's stamps (computed on,
        # written on) are then written by both runs alike.
        self.assertEqual(many, few)
        review = review.sudo()
        pipeline = review.line_ids.filtered(
            lambda line: line.kpi_id.code == "pipeline_value" and line.team_id == teams[0]
        )
        # Open: every third lead of each batch from its first (1,000; then
        # 1,000 + 4,000 + 7,000 + 10,000).
        self.assertEqual(pipeline.current, 23000)
