# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The stage history of the demo tells a coherent story (each stay starts when
the previous one ended, the deal is created when its first stay starts and
closed after its last one starts) and the current stay runs until now, in the
form and in the pivot."""

from datetime import timedelta
from itertools import pairwise

from freezegun import freeze_time

from odoo.tests import HttpCase, tagged

from .common import MODULE, SALES_MANAGER, PilotCommon, load_french, new_pilot_user

DEMO_TEAMS = (
    "sales_team.crm_team_1",
    "crm_pipeline_pilot.team_pilot_direct_sales",
    "sales_team.team_sales_department",
)


@tagged("post_install", "-at_install")
class TestStageHistoryDemo(PilotCommon):
    def _demo_deals(self):
        teams = [self.env.ref(xmlid).id for xmlid in DEMO_TEAMS]
        return (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("team_id", "in", teams), ("type", "=", "opportunity")])
        )

    def test_demo_stays_are_coherent(self):
        deals = self._demo_deals()
        self.assertEqual(len(deals), 82)
        for deal in deals:
            stays = deal.stage_history_ids.sorted(lambda stay: (stay.date_in, stay.id))
            with self.subTest(deal=deal.name):
                self.assertTrue(stays)
                self.assertLessEqual(deal.create_date, stays[0].date_in)
                # Each stay starts when the previous one ended; only the last
                # one is running.
                for previous, stay in pairwise(stays):
                    self.assertEqual(previous.date_out, stay.date_in)
                self.assertEqual([bool(stay.date_out) for stay in stays][-1], False)
                self.assertEqual(stays[-1].stage_id, deal.stage_id)
                if deal.date_closed:
                    self.assertGreaterEqual(deal.date_closed, stays[-1].date_in)
                self.assertEqual(deal.date_last_stage_update, stays[-1].date_in)
        history = self.env["crm.lead.stage.history"].search([("lead_id", "in", deals.ids)])
        # No negative duration anywhere; every current stay counts its days.
        self.assertEqual(history.filtered(lambda stay: stay.days < 0), history.browse())
        current = history.filtered(lambda stay: not stay.date_out)
        self.assertEqual(len(current), len(deals))
        self.assertEqual(current.filtered(lambda stay: stay.days <= 0), current.browse())
        groups = self.env["crm.lead.stage.history"].read_group(
            [("lead_id", "in", deals.ids), ("date_out", "=", False)], ["days:min"], []
        )
        self.assertGreater(groups[0]["days"], 0)

    def test_demo_won_deal_stays(self):
        """Office network upgrade, won 12 days ago after 28 days: a week in
        each of the four open stages, then Won since its closing."""
        deal = self.env.ref("crm_pipeline_pilot.lead_pilot_history_1_3")
        stays = deal.stage_history_ids.sorted("date_in")
        self.assertEqual(
            stays.stage_id.mapped("name"),
            ["Qualified lead", "Discovery", "Proposal sent", "Negotiation", "Won"],
        )
        self.assertEqual(stays[:4].mapped("days"), [7.0, 7.0, 7.0, 7.0])
        self.assertEqual(stays[-1].date_in, deal.date_closed)
        self.assertEqual(deal.date_closed - deal.create_date, timedelta(days=28))
        with freeze_time(stays[-1].date_in + timedelta(days=12, hours=6)):
            stays.invalidate_recordset(["days"])
            self.assertEqual(stays.mapped("days"), [7.0, 7.0, 7.0, 7.0, 12.25])
            groups = self.env["crm.lead.stage.history"].read_group(
                [("lead_id", "=", deal.id)], ["days:avg"], []
            )
            self.assertAlmostEqual(groups[0]["days"], 8.05, places=6)

    def test_current_stay_runs_until_now(self):
        stage = self.env.ref("crm.stage_lead1")
        # A team of its own: the demo's Sales team works with other stages
        team = self.env["crm.team"].create({"name": "Running stay team"})
        with freeze_time("2026-03-02 09:00:00"):
            lead = self.env["crm.lead"].create(
                {
                    "name": "Running stay",
                    "type": "opportunity",
                    "team_id": team.id,
                    "stage_id": stage.id,
                }
            )
            self.assertEqual(lead.stage_history_ids.days, 0.0)
        with freeze_time("2026-03-05 15:00:00"):
            lead.stage_history_ids.invalidate_recordset(["days"])
            self.assertEqual(lead.stage_history_ids.days, 3.25)
            self.assertEqual(
                self.env["crm.lead.stage.history"].search_count(
                    [("lead_id", "=", lead.id), ("days", ">", 3)]
                ),
                1,
            )
            lead.stage_id = self.env.ref("crm.stage_lead2")
        with freeze_time("2026-03-10 15:00:00"):
            lead.stage_history_ids.invalidate_recordset(["days"])
            self.assertEqual(lead.stage_history_ids.sorted("date_in").mapped("days"), [3.25, 5.0])


@tagged("post_install", "-at_install")
class TestStageHistoryDemoTour(HttpCase):
    def test_stage_history_tab_in_french(self):
        """Office network upgrade, won 12 days ago: the form's stage history
        shows 7,00 days in each open stage and the days since it was won."""
        load_french(self.env, ["crm", MODULE])
        manager = new_pilot_user(
            self.env, "pilot_history_days", groups=SALES_MANAGER, lang="fr_FR", name="Hélène"
        )
        deal = self.env.ref(f"{MODULE}.lead_pilot_history_1_3")
        self.start_tour(
            f"/odoo/crm/{deal.id}", "crm_pipeline_pilot_stage_history_days", login=manager.login
        )
