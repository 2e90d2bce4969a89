# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the user sees is true: no cost means an unknown margin, not a margin
of 100 %."""

from datetime import datetime, timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .test_form_truth import UNKNOWN, FormTruthCommon


@tagged("post_install", "-at_install")
class TestUnknownMargin(FormTruthCommon):
    def test_no_cost_is_an_unknown_margin(self):
        lead = self._opportunity("Unknown A", expected_revenue=10000, probability=50)
        self.assertFalse(lead.margin_known)
        self.assertEqual(
            (lead.estimated_margin, lead.estimated_margin_rate, lead.prorated_margin),
            (0.0, 0.0, 0.0),
        )
        self.assertTrue(lead.is_low_margin)
        Lead = self.env["crm.lead"]
        self.assertIn(lead, Lead.search([("margin_known", "=", False)]))
        # A rate the cost does not give (an unknown margin shows 0) sets the cost
        lead.estimated_margin_rate = 35
        self.assertTrue(lead.margin_known)
        self.assertEqual(
            (lead.estimated_cost, lead.estimated_margin, lead.prorated_margin),
            (6500.0, 3500.0, 1750.0),
        )
        self.assertFalse(lead.is_low_margin)
        # Clearing the cost makes the margin unknown again
        lead.estimated_cost = False
        self.assertEqual(
            (lead.margin_known, lead.estimated_margin, lead.estimated_margin_rate),
            (False, 0.0, 0.0),
        )
        self.assertTrue(lead.is_low_margin)

    def test_average_margin_rate_leaves_unknown_margins_out(self):
        leads = (
            self._opportunity("Average A", expected_revenue=10000, estimated_cost=6000)
            | self._opportunity("Average B", expected_revenue=10000, estimated_cost=8000)
            | self._opportunity("Average C", expected_revenue=10000)
        )
        [(average,)] = self.env["crm.lead"]._read_group(
            [("id", "in", leads.ids)], [], ["estimated_margin_rate:avg"]
        )
        self.assertEqual(average, 30.0)  # (40 + 20) / 2, not (40 + 20 + 0) / 3
        [(average,)] = self.env["crm.lead"]._read_group(
            [("id", "=", leads[2].id)], [], ["estimated_margin_rate:avg"]
        )
        self.assertIs(average, False)  # no rate at all, not 0 %

    def test_margin_criterion_not_met_when_unknown(self):
        lead = self._opportunity(
            "Unknown B",
            **self._ready(
                stage_id=self.stage_proposal.id,
                expected_revenue=10000,
                date_deadline=fields.Date.today() + timedelta(days=30),
            ),
        )
        self.assertEqual(lead.exit_criteria_progress, "2/3")
        self.assertEqual(
            lead.exit_criteria_missing, "Missing: Margin rate at or above the team minimum"
        )
        self.assertIn(UNKNOWN, lead.exit_criteria_checklist)
        with self.assertRaisesMessage(UserError, "Margin rate at or above the team minimum"):
            lead.with_user(self.salesman).write({"stage_id": self.stage_next.id})
        with Form(lead.with_user(self.salesman)) as form:
            self.assertIn(UNKNOWN, form.exit_criteria_checklist)
            form.estimated_cost = 5000
            self.assertEqual(form.exit_criteria_progress, "3/3")
            self.assertNotIn(UNKNOWN, form.exit_criteria_checklist)
        lead.with_user(self.salesman).write({"stage_id": self.stage_next.id})
        self.assertEqual(lead.stage_id, self.stage_next)

    def test_margin_rate_kpi_counts_known_margins_only(self):
        team = self.env["crm.team"].create({"name": "Truth KPI Team"})
        values = {"team_id": team.id, "stage_id": self.stage_next.id}
        known = self._opportunity("KPI A", expected_revenue=10000, estimated_cost=6000, **values)
        unknown = self._opportunity("KPI B", expected_revenue=5000, **values)
        (known | unknown).write({"stage_id": self.stage_won.id})
        self.env.flush_all()
        now = datetime.now()
        kpis = self.env["crm.pipeline.report"]._pilot_kpi_values(
            now - timedelta(days=1), now + timedelta(days=1), [("team_id", "=", team.id)]
        )
        self.assertEqual(kpis["deal_size"], 7500.0)  # both won deals count here
        self.assertEqual(kpis["margin_rate"], 40.0)  # 4,000 / 10,000, not 4,000 / 15,000
        unknown.estimated_cost = 5000  # margin 0 %: now known
        self.env.flush_all()
        kpis = self.env["crm.pipeline.report"]._pilot_kpi_values(
            now - timedelta(days=1), now + timedelta(days=1), [("team_id", "=", team.id)]
        )
        self.assertAlmostEqual(kpis["margin_rate"], 4000.0 * 100 / 15000, places=6)
        only_unknown = self.env["crm.team"].create({"name": "Truth KPI Team 2"})
        self._opportunity(
            "KPI C", expected_revenue=3000, team_id=only_unknown.id, stage_id=self.stage_next.id
        ).write({"stage_id": self.stage_won.id})
        self.env.flush_all()
        kpis = self.env["crm.pipeline.report"]._pilot_kpi_values(
            now - timedelta(days=1), now + timedelta(days=1), [("team_id", "=", only_unknown.id)]
        )
        self.assertIsNone(kpis["margin_rate"])
