# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The stage history of opportunities (stays, proposal reached, amount
revisions, the installation hook) and its cost at creation, on the dataset of
the KPIs."""

from datetime import datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged

from ..hooks import post_init_hook
from .common import PilotCommon, PilotQueryCountMixin
from .test_kpi import PipelineKpiCommon


@tagged("post_install", "-at_install")
class TestStageHistory(PipelineKpiCommon):
    # ------------------------------------------------------------------
    # Stage history
    # ------------------------------------------------------------------

    def test_stage_history_rows(self):
        history = self.env["crm.lead.stage.history"].search(
            [("lead_id", "=", self.proposals[0].id)], order="date_in"
        )
        self.assertEqual(history.stage_id, self.stage_new | self.stage_prop | self.stage_won)
        new, prop, won = history
        self.assertEqual(new.date_in, datetime(2026, 2, 1, 9))
        self.assertEqual(new.date_out, datetime(2026, 2, 10, 9))
        self.assertEqual(new.days, 9.0)
        self.assertEqual(prop.days, 22.0)
        self.assertFalse(won.date_out)
        self.assertEqual(won.user_id, self.salesman)
        self.assertEqual(won.team_id, self.team)
        self.assertEqual(won.company_id, self.company)
        # A lead lost in a stage keeps its stay open; one row per stay.
        self.assertEqual(
            self.env["crm.lead.stage.history"].search_count(
                [("lead_id", "in", self.proposals.ids)]
            ),
            22,
        )

    def test_reached_proposal_follows_stage_flag(self):
        """Flagging a stage as proposal stage afterwards counts the leads that
        stayed in it, from the stage history."""
        stage = self.env["crm.stage"].create({"name": "Pilot Demo Given", "sequence": 2})
        lead = self._opportunity("Went through demo", stage_id=stage.id)
        lead.write({"stage_id": self.stage_new.id})
        other = self._opportunity("Never there")
        self.assertFalse(lead.reached_proposal_stage)
        stage.is_proposal_stage = True
        self.assertTrue(lead.reached_proposal_stage)
        self.assertFalse(other.reached_proposal_stage)
        self.assertTrue(self.proposals[0].reached_proposal_stage)
        stage.is_proposal_stage = False
        self.assertFalse(lead.reached_proposal_stage)
        self.assertTrue(self.proposals[0].reached_proposal_stage)

    def test_stage_history_of_new_opportunities(self):
        """Creating opportunities opens their first stay with the values they
        are created with, and flags the one created in a proposal stage."""
        with freeze_time("2026-03-10 10:00:00"):
            in_prop, in_new = (
                self.env["crm.lead"]
                .with_user(self.sally)
                .create(
                    [
                        {
                            "name": "Created in proposal",
                            "type": "opportunity",
                            "team_id": self.team_b.id,
                            "stage_id": self.stage_prop.id,
                        },
                        {
                            "name": "Created new",
                            "type": "opportunity",
                            "team_id": self.team_b.id,
                            "stage_id": self.stage_new.id,
                        },
                    ]
                )
            )
        self.assertTrue(in_prop.reached_proposal_stage)
        self.assertFalse(in_new.reached_proposal_stage)
        for lead, stage in ((in_prop, self.stage_prop), (in_new, self.stage_new)):
            stay = lead.stage_history_ids
            self.assertEqual(len(stay), 1)
            self.assertEqual(stay.stage_id, stage)
            self.assertEqual(stay.user_id, self.sally)
            self.assertEqual(stay.team_id, self.team_b)
            self.assertEqual(stay.company_id, self.company)
            self.assertEqual(stay.date_in, datetime(2026, 3, 10, 10))
            self.assertFalse(stay.date_out)

    def test_stage_history_same_stage_write(self):
        """Writing the current stage again does not open a new stay."""
        lead = self.open_1
        lead.write({"stage_id": self.stage_prop.id})
        self.assertEqual(len(lead.stage_history_ids), 1)

    def test_stage_history_install_hook(self):
        """At install every existing lead gets one row from its current stage."""
        lead = self.open_3
        self.env.cr.execute("DELETE FROM crm_lead_stage_history WHERE lead_id = %s", [lead.id])
        self.env.cr.execute(
            "UPDATE crm_lead SET date_last_stage_update = '2026-01-05 08:00:00' WHERE id = %s",
            [lead.id],
        )
        self.env.invalidate_all()
        post_init_hook(self.env)
        self.env.invalidate_all()
        self.assertEqual(len(lead.stage_history_ids), 1)
        self.assertEqual(lead.stage_history_ids.stage_id, self.stage_new)
        self.assertEqual(lead.stage_history_ids.date_in, datetime(2026, 1, 5, 8))
        self.assertEqual(lead.stage_history_ids.user_id, self.sally)
        # Running it again adds nothing.
        post_init_hook(self.env)
        self.assertEqual(len(lead.stage_history_ids), 1)

    def test_amount_revision_per_stay(self):
        with freeze_time("2026-04-01 10:00:00"):
            lead = self._opportunity("Revised", expected_revenue=1000)
        Lead = self.env["crm.lead"]
        self.assertFalse(lead.amount_reviewed_in_stage)
        self.assertFalse(lead.date_last_amount_revision)
        lead.write({"expected_revenue": 1000})  # same value: not a revision
        self.assertFalse(lead.amount_reviewed_in_stage)
        with freeze_time("2026-04-02 11:00:00"):
            lead.write({"expected_revenue": 1500})
        self.assertTrue(lead.amount_reviewed_in_stage)
        self.assertEqual(lead.date_last_amount_revision, datetime(2026, 4, 2, 11))
        self.assertIn(lead, Lead.search([("amount_reviewed_in_stage", "=", True)]))
        # A new stay starts unrevised; the previous one keeps its flag.
        lead.write({"stage_id": self.stage_prop.id})
        self.assertFalse(lead.amount_reviewed_in_stage)
        self.assertIn(lead, Lead.search([("amount_reviewed_in_stage", "=", False)]))
        self.assertNotIn(lead, Lead.search([("amount_reviewed_in_stage", "=", True)]))
        stays = lead.stage_history_ids.sorted("id")
        self.assertEqual(stays.mapped("amount_revised"), [True, False])
        # The estimated cost counts too.
        with freeze_time("2026-04-03 12:00:00"):
            lead.write({"estimated_cost": 300})
        self.assertTrue(lead.amount_reviewed_in_stage)
        self.assertEqual(lead.date_last_amount_revision, datetime(2026, 4, 3, 12))
        self.assertEqual(lead.stage_history_ids.sorted("id").mapped("amount_revised"), [True, True])


@tagged("post_install", "-at_install", "is_query_count")
class TestStageHistoryQueries(PilotQueryCountMixin, PilotCommon):
    def test_create_query_count(self):
        """The first stay of a new opportunity costs one query over the same
        creation without the stage history: the new lead's pending values are
        not flushed apart (Odoo's budgets for lead creation, test_crm_full)."""
        Lead = self.env["crm.lead"].with_user(self.salesman)
        partner = self.env["res.partner"].create(
            {
                "name": "Query Customer",
                "email": "query@example.com",
                "phone": "+32 456 00 00 00",
                "country_id": self.env.ref("base.be").id,
            }
        )
        # With a partner, as Odoo's test_crm_full: the contact fields computed
        # from it are written by the same UPDATE as the stage.
        vals = {"name": "Query", "type": "opportunity", "team_id": self.team.id}
        vals["partner_id"] = partner.id
        # Without exit criteria (as in Odoo's tests): no savepoint flushes the
        # new lead before the stage history does.
        self.env["crm.stage.exit.criterion"].search([("active", "=", True)]).active = False
        with patch.object(type(Lead), "_pilot_record_stage_history", lambda *args, **kw: None):
            self._count(lambda: Lead.create(dict(vals)))
            baseline = self._count(lambda: Lead.create(dict(vals)))
        self._count(lambda: Lead.create(dict(vals)))
        self.assertEqual(self._count(lambda: Lead.create(dict(vals))), baseline + 1)
        lead = Lead.create(dict(vals))
        self.assertEqual(len(lead.stage_history_ids), 1)
