# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The demo tells one story: each demo team works with the recommended
pipeline, and every report shows figures on first open (the forecast's labels
and the French pipeline: test_demo_forecast)."""

from datetime import datetime, timedelta

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import PilotCommon, load_french

RECOMMENDED = ["Qualified lead", "Discovery", "Proposal sent", "Negotiation", "Won"]
FRENCH = [
    "Lead qualifié",
    "Découverte / cadrage",
    "Proposition envoyée",
    "Négociation / validation",
    "Gagné",
]
# The team whose stages are the demo's pipeline, and the teams working with them.
PIPELINE_TEAM = "sales_team.crm_team_1"
DEMO_TEAMS = (
    PIPELINE_TEAM,
    "crm_pipeline_pilot.team_pilot_direct_sales",
    "sales_team.team_sales_department",
)


@tagged("post_install", "-at_install")
class TestDemoPipeline(PilotCommon):
    def _kanban_columns(self, team):
        groups = (
            self.env["crm.lead"]
            .with_context(default_team_id=team.id)
            .read_group([("team_id", "=", team.id)], ["stage_id"], ["stage_id"])
        )
        return [group["stage_id"][1] for group in groups]

    def test_demo_teams_use_the_recommended_stages_only(self):
        """One recommended pipeline for the three demo teams: Pre-Sales' own
        stages, which the two other teams work with."""
        shared = [self.env.ref(f"crm.stage_lead{index}") for index in range(1, 5)]
        pipeline_team = self.env.ref(PIPELINE_TEAM)
        self.assertTrue(pipeline_team.pilot_own_stages_only)
        for xmlid in DEMO_TEAMS:
            team = self.env.ref(xmlid)
            with self.subTest(team=team.name):
                self.assertEqual(team.pilot_stage_team_id, pipeline_team - team)
                self.assertEqual(self._kanban_columns(team), RECOMMENDED)
                status_bar = self.env["crm.stage"].search(
                    [("pilot_pipeline_team_id", "=", team.id)]
                )
                self.assertEqual(status_bar.mapped("name"), RECOMMENDED)
                self.assertEqual(status_bar.team_id, pipeline_team)
                # Exit criteria on every stage but Won.
                self.assertEqual(
                    [bool(stage.exit_criterion_ids) for stage in status_bar],
                    [True, True, True, True, False],
                )
                lead = self.env["crm.lead"].create(
                    {"name": "New demo deal", "type": "opportunity", "team_id": team.id}
                )
                self.assertEqual(lead.stage_id.name, "Qualified lead")
                self.assertEqual(lead.stage_id.team_id, pipeline_team)
                # No opportunity of the team left in Odoo's shared stages.
                self.assertFalse(
                    self.env["crm.lead"]
                    .with_context(active_test=False)
                    .search_count(
                        [("team_id", "=", team.id), ("stage_id", "in", [s.id for s in shared])]
                    )
                )
        # Odoo's shared stages are neither renamed nor moved to a team.
        self.assertEqual(
            [stage.with_context(lang="en_US").name for stage in shared],
            ["New", "Qualified", "Proposition", "Won"],
        )
        self.assertFalse(any(stage.team_id for stage in shared))

    def test_other_teams_keep_the_shared_stages(self):
        self.assertFalse(self.team.pilot_own_stages_only)
        stages = self.env["crm.stage"].search([("pilot_pipeline_team_id", "=", self.team.id)])
        self.assertIn(self.stage_new, stages)
        self.assertIn(self.env.ref("crm.stage_lead1"), stages)
        self.assertIn("Pilot New", self._kanban_columns(self.team))

    def test_a_team_works_with_the_stages_of_another(self):
        """South works with North's stages: one pipeline, its kanban, status
        bar, first stage and gate; the recommended pipeline applied to South
        completes North's; no chain of teams, no team its own source."""
        Team, Stage = self.env["crm.team"], self.env["crm.stage"]
        north = Team.create({"name": "North", "pilot_own_stages_only": True})
        south = Team.create({"name": "South"})
        stages = Stage.action_apply_recommended_pipeline(north.id)
        south.pilot_stage_team_id = north
        self.assertEqual(Stage.action_apply_recommended_pipeline(south.id), stages)
        self.assertEqual(Stage.search([("team_id", "in", (north | south).ids)]), stages)
        self.assertEqual(Stage.search([("pilot_pipeline_team_id", "=", south.id)]), stages)
        lead = self.env["crm.lead"].create(
            {"name": "South deal", "type": "opportunity", "team_id": south.id}
        )
        self.assertEqual(lead.stage_id, stages[0])
        # Skipping North's Discovery asks its criteria of a South deal too.
        with self.assertRaises(UserError):
            lead.write({"stage_id": stages[2].id})
        self.env["crm.lead"].create(
            {"name": "North deal", "type": "opportunity", "team_id": north.id}
        )
        self.assertEqual(self._kanban_columns(south), RECOMMENDED)
        groups = (
            self.env["crm.lead"]
            .with_context(default_team_id=south.id)
            .read_group([("team_id", "in", (north | south).ids)], ["stage_id"], ["stage_id"])
        )
        self.assertEqual([group["stage_id"][1] for group in groups], RECOMMENDED)
        east = Team.create({"name": "East"})
        for team, source in ((north, south), (east, south), (south, south)):
            with self.subTest(team=team.name, source=source.name):
                with self.assertRaises(ValidationError), self.env.cr.savepoint():
                    team.pilot_stage_team_id = source

    def test_merge_in_a_team_working_with_the_stages_of_another(self):
        """Odoo's merge keeps a stage only when it is the team's own or shared
        by every team: the merged deal of South keeps North's stage it was in
        (not Odoo's first shared stage, outside South's pipeline)."""
        Team, Stage = self.env["crm.team"], self.env["crm.stage"]
        north = Team.create({"name": "North", "pilot_own_stages_only": True})
        south = Team.create({"name": "South", "pilot_stage_team_id": north.id})
        stages = Stage.action_apply_recommended_pipeline(north.id)
        Lead = self.env["crm.lead"]
        deals = Lead.create(
            [
                {"name": f"South deal {key}", "type": "opportunity", "team_id": south.id}
                | {"user_id": False}
                for key in "AB"
            ]
        )
        self.assertEqual(deals.stage_id, stages[0])
        merged = deals.merge_opportunity()
        self.assertEqual(len(merged), 1)
        self.assertEqual(merged.stage_id, stages[0])
        self.assertEqual(merged.team_id, south)
        self.assertEqual(len(deals.exists()), 1)

    def test_own_stages_only_without_stages_falls_back_to_the_shared_ones(self):
        team = self.env["crm.team"].create({"name": "Empty own", "pilot_own_stages_only": True})
        lead = self.env["crm.lead"].create(
            {"name": "Deal", "type": "opportunity", "team_id": team.id}
        )
        self.assertFalse(lead.stage_id.team_id)
        self.assertTrue(lead.stage_id)

    def test_a_card_in_a_shared_stage_stays_visible(self):
        team = self.env.ref("sales_team.crm_team_1")
        # Left in a shared stage by a change of team (no deal is put there)
        lead = self._opportunity("Left behind")
        lead.team_id = team
        lead.with_context(default_team_id=team.id)  # the truth is shown
        self.assertIn("Pilot New", self._kanban_columns(team))
        self.assertEqual(lead.stage_id, self.stage_new)

    def test_demo_moves_to_the_team_stages_are_stays(self):
        """The demo moves the leads of its teams from Odoo's shared stages to
        the team's own: each move is a stay, leads (not only opportunities)
        included, so that every record has one current stay, in its stage."""
        team = self.env.ref("sales_team.crm_team_1")
        qualified = self.env["crm.stage"].search(
            [("team_id", "=", team.id)], order="sequence, id", limit=1
        )
        # Odoo's demo lead, lost, in the shared stage New before the move
        lead = self.env.ref("crm.crm_case_9")
        self.assertEqual((lead.type, lead.team_id, lead.stage_id), ("lead", team, qualified))
        stays = lead.stage_history_ids.sorted("id")
        self.assertEqual(stays.mapped("stage_id"), self.env.ref("crm.stage_lead1") | qualified)
        self.assertEqual([bool(stay.date_out) for stay in stays], [True, False])
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT l.id FROM crm_lead l
              LEFT JOIN crm_lead_stage_history h ON h.lead_id = l.id AND h.date_out IS NULL
             GROUP BY l.id, l.stage_id
            HAVING COUNT(h.id) <> 1 OR MIN(h.stage_id) IS DISTINCT FROM l.stage_id
            """
        )
        self.assertEqual(self.env.cr.fetchall(), [])


@tagged("post_install", "-at_install")
class TestDemoReports(PilotCommon):
    def test_reports_show_figures_on_first_open(self):
        teams = [self.env.ref(xmlid) for xmlid in DEMO_TEAMS]
        today = fields.Date.context_today(self.env["crm.lead"])
        since = datetime.combine(today - timedelta(days=365), datetime.min.time())
        Report = self.env["crm.pipeline.report"]
        for team in teams:
            with self.subTest(team=team.name):
                groups = Report._read_group(
                    [("team_id", "=", team.id), ("date_closed", ">=", since)],
                    ["state"],
                    ["__count"],
                )
                counts = dict(groups)
                self.assertGreaterEqual(counts.get("won", 0), 6)
                self.assertGreaterEqual(counts.get("lost", 0), 5)
                lost = (
                    self.env["crm.lead"]
                    .with_context(active_test=False)
                    .search(
                        [
                            ("team_id", "=", team.id),
                            ("active", "=", False),
                            ("probability", "=", 0),
                            ("type", "=", "opportunity"),
                        ]
                    )
                )
                self.assertTrue(lost)
                self.assertTrue(all(lost.mapped("lost_reason_id")))
                # Targets for every month of the history.
                months = (
                    self.env["crm.pipeline.target"]
                    .search([("team_id", "=", team.id), ("user_id", "=", False)])
                    .mapped("month")
                )
                first = today.replace(day=1)
                for back in range(7):
                    month = (first - timedelta(days=back * 28)).replace(day=1)
                    self.assertIn(month, months)
                # The weekly review of this week has figures.
                week_start = today - timedelta(days=today.weekday())
                values = Report._pilot_kpi_values(
                    datetime.combine(week_start, datetime.min.time()),
                    datetime.combine(week_start + timedelta(days=7), datetime.min.time()),
                    [("team_id", "=", team.id)],
                )
                self.assertGreater(values["pipeline_value"], 0)
                self.assertIsNotNone(values["win_rate"])
                self.assertIsNotNone(values["margin_rate"])
                self.assertIsNotNone(values["deal_size"])
        # Stage moves over months; a margin known on won deals.
        History = self.env["crm.lead.stage.history"]
        oldest = History.search(
            [("team_id", "in", [t.id for t in teams])], order="date_in", limit=1
        )
        self.assertLess(oldest.date_in, datetime.now() - timedelta(days=120))
        self.assertGreater(
            History.search_count(
                [("team_id", "in", [t.id for t in teams]), ("date_out", "!=", False)]
            ),
            50,
        )
        # Pipeline value over time: at least 8 weekly points.
        weeks = sorted(
            {week for (week,) in self.env["crm.pipeline.snapshot"]._read_group([], ["date:day"])}
        )
        self.assertGreaterEqual(len(weeks), 8)
        self.assertGreaterEqual((weeks[-1] - weeks[0]).days, 7 * 7)
        # The history-based projection is not zero.
        projected = self.env["crm.pipeline.forecast"].search(
            [("team_id", "in", [t.id for t in teams]), ("projected_revenue", ">", 0)]
        )
        self.assertTrue(projected)
        self.assertTrue(0 < min(projected.mapped("stage_win_rate")) <= 100)

    def test_demo_claims_on_two_exit_criteria(self):
        """The Direct Sales team's closed deals give the demo's pipeline (the
        stages of Pre-Sales, which it works with) enough for two claims: a
        criterion that predicts wins and one that is paperwork."""
        team = self.env.ref("crm_pipeline_pilot.team_pilot_direct_sales").pilot_stage_team_id
        Stat = self.env["crm.stage.exit.criterion.stat"]
        # As installed, then recomputed today.
        for refresh in (False, True):
            stats = Stat._pilot_refresh() if refresh else Stat.search([("team_id", "=", team.id)])
            verdicts = {
                stat.criterion_id.name: stat.verdict
                for stat in stats.filtered(lambda stat: stat.team_id == team)
            }
            self.assertEqual(verdicts["Decision maker identified"], "predictive")
            self.assertEqual(verdicts["Need identified"], "paperwork")
            claimed = stats.filtered(lambda stat: stat.verdict != "insufficient")
            self.assertTrue(all(min(s.met_count, s.not_met_count) >= 10 for s in claimed))

    def test_demo_deals_named_after_their_customer(self):
        """The demo's closed deals carry their customer's name, never their
        team's (English whatever the reader's language)."""
        lead = self.env.ref("crm_pipeline_pilot.lead_pilot_history_2_1")
        self.assertEqual(lead.name, f"Payroll outsourcing - {lead.partner_id.name}")
        Lead = self.env["crm.lead"].with_context(active_test=False)
        teams = self.env["crm.team"].search([])
        self.assertFalse(
            Lead.search([("name", "in", [f"Payroll outsourcing ({team.name})" for team in teams])])
        )
        self.assertFalse(
            [
                name
                for name in Lead.search([("name", "like", " (")]).mapped("name")
                if any(name.endswith(f"({team.name})") for team in teams)
            ]
        )

    def test_demo_submissions_every_week(self):
        """Each salesperson of each demo team submitted a forecast every week
        of the twelve weeks of history and this week: thirteen submissions,
        one a week; the months over have their accuracy."""
        this_week = fields.Date.context_today(self.env.user)
        this_week -= timedelta(days=this_week.weekday())
        weeks = {this_week - timedelta(weeks=back) for back in range(13)}
        Lead = self.env["crm.lead"].with_context(active_test=False)
        people = 0
        for xmlid in DEMO_TEAMS:
            team = self.env.ref(xmlid)
            users = Lead.search([("team_id", "=", team.id), ("type", "=", "opportunity")]).user_id
            self.assertEqual(len(users), 1)
            for user in users:
                people += 1
                with self.subTest(team=team.name, user=user.name):
                    submissions = self.env["crm.forecast.submission"].search(
                        [("team_id", "=", team.id), ("user_id", "=", user.id)]
                    )
                    self.assertEqual(set(submissions.mapped("week")), weeks)
                    self.assertEqual(len(submissions), 13)
                    self.assertEqual(set(submissions.mapped("state")), {"submitted"})
                    over = submissions.filtered("month_closed")
                    self.assertTrue(over)
                    self.assertEqual(
                        {s.month for s in over},
                        {s.month for s in submissions if s.month < this_week.replace(day=1)},
                    )
                    # The first month of the twelve weeks is compared too.
                    self.assertIn(min(weeks).replace(day=1), {s.month for s in over})
        self.assertEqual(people, 3)
        # No submission of a salesperson for a team they have no deal in.
        submitted = self.env["crm.forecast.submission"].search(
            [("team_id", "in", [self.env.ref(xmlid).id for xmlid in DEMO_TEAMS])]
        )
        self.assertEqual(len(submitted), 3 * 13)

    def test_demo_one_backtest_run_per_team(self):
        """The demo's back-test is one run, over every demo team: each team's
        back-test figures come from one run, six months of it."""
        Detail = self.env["crm.forecast.backtest.detail"]
        for xmlid in DEMO_TEAMS:
            team = self.env.ref(xmlid)
            with self.subTest(team=team.name):
                details = Detail.search([("team_id", "=", team.id)])
                self.assertEqual(len(details.backtest_id), 1)
                self.assertEqual(len(set(details.mapped("month"))), 6)

    def test_manager_of_two_teams_sees_one_board(self):
        """The demo's sales manager leads Direct Sales and is a member of
        Sales: his pipeline, as the menu opens it (his deals), and the board
        of his two teams show the five recommended columns, in French, once
        each (one Won)."""
        load_french(self.env, ["crm", "sales_team", "crm_pipeline_pilot"])
        manager = self.env.ref("base.user_admin")
        sales = self.env.ref("sales_team.team_sales_department")
        direct = self.env.ref("crm_pipeline_pilot.team_pilot_direct_sales")
        self.assertEqual(direct.user_id, manager)
        self.assertIn(manager, sales.member_ids)
        self.assertEqual(manager.sale_team_id, sales)
        action = self.env["crm.team"].with_user(manager).action_your_pipeline()
        context = dict(action["context"], lang="fr_FR")
        self.assertEqual(context.get("search_default_assigned_to_me"), 1)
        self.assertNotIn("default_team_id", context)
        Lead = self.env["crm.lead"].with_user(manager).with_context(**context)
        mine = [("type", "=", "opportunity"), ("user_id", "=", manager.id)]
        both = [("type", "=", "opportunity"), ("team_id", "in", (sales | direct).ids)]
        for domain in (mine, both):
            with self.subTest(domain=domain):
                # Both teams' deals are on the board.
                self.assertEqual(Lead.search(domain).team_id, sales | direct)
                groups = Lead.web_read_group(
                    domain, ["expected_revenue:sum"], ["stage_id"], lazy=True
                )["groups"]
                self.assertEqual([group["stage_id"][1] for group in groups], FRENCH)

    def test_demo_history_is_not_run_twice(self):
        count = self.env["crm.lead"].with_context(active_test=False).search_count([])
        self.env["crm.lead"]._pilot_demo_history()
        self.assertEqual(
            self.env["crm.lead"].with_context(active_test=False).search_count([]), count
        )
