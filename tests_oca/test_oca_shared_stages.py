# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Stages shared by several teams (OCA's crm_stage_multi_team, team_ids): the
gate, probabilities, mass moves, the recommended pipeline and the reports, with
the OCA add-ons installed."""

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.crm_pipeline_pilot.models.crm_lead import TRUSTED

from .common import OcaNeighboursCommon


@tagged("post_install", "-at_install")
class TestOcaSharedStages(OcaNeighboursCommon):
    # crm_stage_multi_team: a stage shared by several teams (team_ids)
    def _shared_pipeline(self):
        """Three stages after every other one: Shared Start, Shared Middle
        (named for team A in team_id, shared by A and B in team_ids, with a
        manual exit criterion), Shared End."""
        Stage = self.env["crm.stage"]
        team_a = self.team
        team_b = self.env["crm.team"].create({"name": "Shared B"})
        team_c = self.env["crm.team"].create({"name": "Not shared C"})
        start = Stage.create({"name": "Shared Start", "sequence": 1001})
        middle = Stage.create(
            {
                "name": "Shared Middle",
                "sequence": 1002,
                "team_id": team_a.id,
                "team_ids": [(6, 0, (team_a | team_b).ids)],
                "pilot_probability": 45.0,
            }
        )
        end = Stage.create({"name": "Shared End", "sequence": 1003})
        criterion = self.env["crm.stage.exit.criterion"].create(
            {"name": "Shared check done", "stage_id": middle.id, "criterion_type": "manual"}
        )
        return (team_a, team_b, team_c), (start, middle, end), criterion

    def _in_stage(self, name, team, stage):
        """A deal created directly in ``stage`` (whatever the earlier stages ask)."""
        Lead = self.env["crm.lead"].sudo().with_context(pilot_skip_exit_criteria=TRUSTED)
        values = {"name": name, "type": "opportunity", "user_id": self.salesman.id}
        lead = Lead.create({**values, "team_id": team.id, "stage_id": stage.id})
        return lead.with_env(self.env)

    def test_shared_stage_gate_for_every_team_that_shares_it(self):
        (team_a, team_b, team_c), (start, middle, end), criterion = self._shared_pipeline()
        deals = {
            team: self._in_stage(f"Shared {team.name}", team, start)
            for team in (team_a, team_b, team_c)
        }
        # Skipping the shared stage: its criterion for A and B (B is in
        # team_ids though team_id names A), not for C, whose pipeline lacks it.
        for team in (team_a, team_b):
            with self.assertRaisesMessage(UserError, "Shared check done"):
                deals[team].with_user(self.salesman).write({"stage_id": end.id})
            self.assertEqual(deals[team].stage_id, start)
        deals[team_c].with_user(self.salesman).write({"stage_id": end.id})
        self.assertEqual(deals[team_c].stage_id, end)
        # Leaving it: the same criterion for every team that shares it.
        deals[team_b].with_user(self.salesman).write({"stage_id": middle.id})
        with self.assertRaisesMessage(UserError, "Shared check done"):
            deals[team_b].with_user(self.salesman).write({"stage_id": end.id})
        deals[team_b].confirmed_criterion_ids = [(4, criterion.id)]
        deals[team_b].with_user(self.salesman).write({"stage_id": end.id})
        self.assertEqual(deals[team_b].stage_id, end)

    def test_shared_stage_probability_same_for_every_team(self):
        (team_a, team_b, _team_c), (start, middle, _end), _criterion = self._shared_pipeline()
        team_a.pilot_probability_mode = "fixed"
        team_b.pilot_probability_mode = "adjustable"
        deal_a = self._in_stage("Shared prob A", team_a, start)
        deal_b = self._in_stage("Shared prob B", team_b, start)
        (deal_a | deal_b).with_user(self.salesman).write({"stage_id": middle.id})
        # One stage, one probability of this add-on, in each team's mode.
        self.assertEqual((deal_a.probability, deal_b.probability), (45.0, 45.0))
        deal_b.with_user(self.salesman).probability = 55.0  # within B's band
        self.assertEqual(deal_b.probability, 55.0)
        with self.assertRaises(UserError):
            deal_a.with_user(self.salesman).probability = 55.0  # A's are fixed

    def test_mixed_teams_moved_into_shared_stage(self):
        """Deals of a fixed team, an adjustable team and an automatic team
        moved at once into a shared stage that sets its probability
        (crm_stage_probability's on_change)."""
        (team_a, team_b, team_c), (start, middle, _end), _criterion = self._shared_pipeline()
        middle.write({"team_ids": [(4, team_c.id)], "on_change": True, "probability": 25.0})
        team_a.pilot_probability_mode = "fixed"
        team_b.write({"pilot_probability_mode": "adjustable", "pilot_probability_band": 15.0})
        self.assertEqual(team_c.pilot_probability_mode, "automatic")
        deal_a = self._in_stage("Mixed A", team_a, start)
        deal_b = self._in_stage("Mixed B", team_b, start)
        deal_c = self._in_stage("Mixed C", team_c, start)
        kept_b = self._in_stage("Mixed B, already there", team_b, middle)
        kept_b.with_user(self.salesman).probability = 55.0
        deals = (deal_a | deal_b | deal_c | kept_b).with_user(self.salesman)
        deals.write({"stage_id": middle.id})
        # Each deal per its own team: this add-on's stage probability for the
        # stage teams (an adjustment within the band kept in the stage),
        # crm_stage_probability's for the automatic team.
        self.assertEqual(
            (deal_a.probability, deal_b.probability, kept_b.probability, deal_c.probability),
            (45.0, 45.0, 55.0, 25.0),
        )
        # A probability written on the mixed set: each deal within its own band.
        with self.assertRaisesMessage(UserError, "Mixed A: the sales team Pilot Team fixes"):
            deals.write({"probability": 58.0})
        with self.assertRaisesMessage(UserError, "between 30 % and 60 %"):
            (deal_b | deal_c).with_user(self.salesman).write({"probability": 65.0})
        self.assertEqual(
            (deal_a.probability, deal_b.probability, kept_b.probability, deal_c.probability),
            (45.0, 45.0, 55.0, 25.0),
        )
        (deal_b | kept_b | deal_c).with_user(self.salesman).write({"probability": 58.0})
        self.assertEqual(
            (deal_a.probability, deal_b.probability, kept_b.probability, deal_c.probability),
            (45.0, 58.0, 58.0, 58.0),
        )
        # Moved into the stage and into another team in one write (a form
        # changing both): the team the deal joins decides.
        to_fixed = self._in_stage("Mixed C to A", team_c, start)
        to_automatic = self._in_stage("Mixed A to C", team_a, start)
        to_fixed.with_user(self.salesman).write({"team_id": team_a.id, "stage_id": middle.id})
        to_automatic.with_user(self.salesman).write({"team_id": team_c.id, "stage_id": middle.id})
        self.assertEqual((to_fixed.probability, to_automatic.probability), (45.0, 25.0))

    def test_recommended_pipeline_with_shared_stages(self):
        """Applied to a team whose stages are shared with another team, the
        recommended pipeline completes only the stages of that team alone."""
        Stage = self.env["crm.stage"]
        team_a = self.team
        team_b = self.env["crm.team"].create({"name": "Shared B"})
        both = [(6, 0, (team_a | team_b).ids)]
        # In B's pipeline: Qualified lead of B alone (team_ids only), Discovery
        # and Proposal sent shared with A (whichever team team_id names), a
        # won stage shared with A. Negotiation names B in team_id but is A's
        # alone (team_ids).
        qualified = Stage.create({"name": "Qualified lead", "sequence": 901})
        qualified.team_ids = [(6, 0, team_b.ids)]
        discovery = Stage.create(
            {"name": "Discovery", "sequence": 902, "team_id": team_a.id, "team_ids": both}
        )
        proposal = Stage.create(
            {"name": "Proposal sent", "sequence": 903, "team_id": team_b.id, "team_ids": both}
        )
        # (created with both: crm_stage_multi_team's write puts team_id in team_ids)
        negotiation = Stage.create(
            {
                "name": "Negotiation",
                "sequence": 904,
                "team_id": team_b.id,
                "team_ids": [(6, 0, team_a.ids)],
            }
        )
        won = Stage.create(
            {"name": "Shared Won", "sequence": 905, "is_won": True, "team_ids": both}
        )
        before = Stage.search([])
        stages = Stage.with_user(self.manager).action_apply_recommended_pipeline(team_b.id)
        created = stages - before
        self.assertEqual(len(stages), 5)
        self.assertEqual(stages[0], qualified)
        self.assertEqual(qualified.exit_criteria_count, 2)
        # Discovery, Proposal sent and Negotiation: B's own, new.
        self.assertEqual(
            [(s.name, s.team_id, s.team_ids, s.exit_criteria_count) for s in created],
            [
                ("Discovery", team_b, team_b, 2),
                ("Proposal sent", team_b, team_b, 3),
                ("Negotiation", team_b, team_b, 2),
            ],
        )
        self.assertEqual(stages[1:4], created)
        # The won stage of B's pipeline reused (no criteria, none added).
        self.assertTrue(stages[4].is_won)
        self.assertIn(stages[4], before)
        self.assertTrue(not stages[4].team_ids or team_b in stages[4].team_ids)
        # The shared stages and A's stage gate nothing new, nor are renamed.
        self.assertEqual(
            [
                (s.name, s.exit_criteria_count, s.is_proposal_stage)
                for s in (discovery, proposal, negotiation, won)
            ],
            [
                ("Discovery", 0, False),
                ("Proposal sent", 0, False),
                ("Negotiation", 0, False),
                ("Shared Won", 0, False),
            ],
        )
        # Applied to A: Negotiation is A's alone (team_ids), so it is completed;
        # the stages shared with B still are not; B's Qualified lead is not A's.
        stages_a = Stage.with_user(self.manager).action_apply_recommended_pipeline(team_a.id)
        self.assertIn(negotiation, stages_a)
        self.assertEqual(negotiation.exit_criteria_count, 2)
        self.assertNotIn(qualified, stages_a)
        self.assertFalse(stages_a & (discovery | proposal))
        self.assertEqual((discovery.exit_criteria_count, proposal.exit_criteria_count), (0, 0))
        self.assertEqual(qualified.exit_criteria_count, 2)

    def test_shared_stage_counted_per_deal_team(self):
        """Reports, KPIs, stage history, ranks and the conversion funnel count
        a deal in a shared stage for its own team; the stage's historical win
        rate (forecast) is the stage's, every team sharing it together."""
        (team_a, team_b, _team_c), (start, middle, _end), criterion = self._shared_pipeline()
        middle.is_proposal_stage = True
        won_a = self._in_stage("Shared report A won", team_a, start)
        open_a = self._in_stage("Shared report A open", team_a, start)
        lost_b = self._in_stage("Shared report B lost", team_b, start)
        deals = won_a | open_a | lost_b
        for deal, revenue in ((won_a, 1000.0), (open_a, 3000.0), (lost_b, 5000.0)):
            deal.expected_revenue = revenue
        deals.with_user(self.salesman).write({"stage_id": middle.id})
        won_a.confirmed_criterion_ids = [(4, criterion.id)]
        won_a.with_user(self.salesman).write({"stage_id": self.stage_won.id})
        lost_b.action_set_lost(lost_reason_id=self.reason.id)
        self.env.flush_all()
        # Ranks: the stage is in the pipelines of A and B.
        self.assertEqual(
            self.env["crm.stage"]._pilot_ranks()[middle.id][2], tuple(sorted((team_a | team_b).ids))
        )
        # Stage history: each stay in the shared stage is its deal's team's.
        stays = self.env["crm.lead.stage.history"].search(
            [("lead_id", "in", deals.ids), ("stage_id", "=", middle.id)]
        )
        self.assertEqual(
            sorted((s.lead_id.name, s.team_id.name, bool(s.date_out)) for s in stays),
            [
                ("Shared report A open", "Pilot Team", False),
                ("Shared report A won", "Pilot Team", True),
                ("Shared report B lost", "Shared B", False),
            ],
        )
        # The conversion funnel: the shared proposal stage reached by all three.
        self.assertEqual(deals.mapped("reached_proposal_stage"), [True, True, True])
        Report = self.env["crm.pipeline.report"]
        rows = Report.search([("lead_id", "in", deals.ids)])
        self.assertEqual(
            sorted((r.lead_id.name, r.team_id.name, r.state, r.reached_proposal) for r in rows),
            [
                ("Shared report A open", "Pilot Team", "open", True),
                ("Shared report A won", "Pilot Team", "won", True),
                ("Shared report B lost", "Shared B", "lost", True),
            ],
        )
        now = fields.Datetime.now()
        kpis = Report._pilot_kpi_values_by(
            now - relativedelta(days=1),
            now + relativedelta(days=1),
            [("lead_id", "in", deals.ids)],
            groupby="team_id",
        )
        codes = ("pipeline_value", "conversion_rate", "win_rate", "deal_size", "margin_rate")
        self.assertEqual(
            {team: tuple(values[code] for code in codes) for team, values in kpis.items()},
            {
                team_a.id: (3000.0, 100.0, 100.0, 1000.0, None),
                team_b.id: (0.0, 0.0, 0.0, None, None),
            },
        )
        # The forecast's historical win rate of the stage: the stage's own,
        # A's won deal and B's lost one together (50 %), for A's open deal.
        forecast = self.env["crm.pipeline.forecast"].search([("lead_id", "=", open_a.id)])
        self.assertEqual(
            (
                forecast.team_id,
                forecast.stage_id,
                forecast.stage_win_rate,
                forecast.projected_revenue,
            ),
            (team_a, middle, 50.0, 1500.0),
        )
