# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Weekly reviews are kept (one per week and teams), the scheduled action and
the demo give the list its history, and each KPI can be drawn over the last
12 weeks against its target."""

import base64
import io
from datetime import date, timedelta

import openpyxl
from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import MODULE, PilotCommon, load_french


class ReviewHistoryCommon(PilotCommon):
    """A team with a small history, today being Wednesday 18 March 2026.

    Closed deals (no customer): week of 5 January one won (created 20 days
    before) and one lost; week of 9 February one won; week of 9 March one
    won (4,000, cost 1,000, 20 days) and one lost. Open: one deal of 9,000.
    Targets: January win rate 40, February 20, March 50 and cycle 10 days;
    December has none (the defaults: win rate 30). No revenue target (no
    pipeline target), no deal size target. The snapshot of the week of
    9 March holds a pipeline of 7,000 (the pipeline that week started with)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_won = cls.env["crm.stage"].create(
            {"name": "History Won", "sequence": 9, "is_won": True}
        )
        cls.trend_team = cls.env["crm.team"].create(
            {"name": "History Team", "user_id": cls.manager.id}
        )
        Target = cls.env["crm.pipeline.target"]
        for month, win_rate, cycle in (
            ("2026-01-01", 40.0, 30.0),
            ("2026-02-01", 20.0, 30.0),
            ("2026-03-01", 50.0, 10.0),
        ):
            Target.create(
                {
                    "team_id": cls.trend_team.id,
                    "month": month,
                    "revenue_target": 0.0,
                    "win_rate_target": win_rate,
                    "cycle_days_target": cycle,
                }
            )
        cls._closed("Won January", True, "2026-01-06 10:00:00", 20, 3000, 1000)
        cls._closed("Lost January", False, "2026-01-07 10:00:00", 10, 2000)
        cls._closed("Won February", True, "2026-02-11 10:00:00", 15, 5000, 2000)
        cls._closed("Won March", True, "2026-03-10 10:00:00", 20, 4000, 1000)
        cls._closed("Lost March", False, "2026-03-12 10:00:00", 5, 1000)
        cls.open_deal = cls._opportunity(
            "History open deal", team_id=cls.trend_team.id, expected_revenue=9000
        )
        cls.env["crm.pipeline.snapshot"].create(
            {
                "date": "2026-03-09",
                "team_id": cls.trend_team.id,
                "company_id": cls.trend_team.company_id.id,
                "lead_count": 1,
                "expected_revenue": 7000,
            }
        )

    @classmethod
    def _closed(cls, name, won, closed, cycle_days, revenue, cost=None):
        values = {"team_id": cls.trend_team.id, "expected_revenue": revenue}
        if cost is not None:
            values["estimated_cost"] = cost
        lead = cls._opportunity(name, **values)
        if won:
            lead.write({"stage_id": cls.stage_won.id})
        else:
            lead.action_set_lost(lost_reason_id=cls.reason.id)
        closed = fields.Datetime.to_datetime(closed)
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE crm_lead SET date_closed = %s, create_date = %s WHERE id = %s",
            [closed, closed - timedelta(days=cycle_days), lead.id],
        )
        lead.invalidate_recordset()
        return lead

    def _team_review(self, week, team=None):
        team = team or self.trend_team
        Review = self.env["crm.pipeline.review"]
        return Review.search(
            [("week_start", "=", week), ("review_key", "=", Review._pilot_review_key(team, None))]
        )

    def _line(self, review, code):
        return review.line_ids.filtered(lambda line: line.kpi_id.code == code)


@tagged("post_install", "-at_install")
class TestReviewHistory(ReviewHistoryCommon):
    def test_cron_stores_the_week_that_ended(self):
        """Monday 16 March: the scheduled action takes the snapshot, then
        stores the review of the week of 9 March of each team, of the whole
        team; its pipeline value is the snapshot of that week (taken on
        9 March), not the one just taken (the week of 16 March's)."""
        with freeze_time("2026-03-16 08:00:00"):
            self.env["crm.pipeline.snapshot"]._cron_snapshot()
        review = self._team_review(date(2026, 3, 9))
        self.assertEqual(len(review), 1)
        self.assertEqual(review.team_ids, self.trend_team)
        self.assertFalse(review.scope_user_id)
        self.assertEqual(
            (review.week_start, review.week_end), (date(2026, 3, 9), date(2026, 3, 15))
        )
        expected = {
            # code: (has value, current, status)
            "pipeline_value": (True, 7000.0, "no_target"),
            "conversion_rate": (False, 0.0, "no_value"),
            "win_rate": (True, 50.0, "on_target"),
            "deal_size": (True, 4000.0, "no_target"),
            "cycle_days": (True, 20.0, "off_target"),
            "attrition": (False, 0.0, "no_value"),
            "margin_rate": (True, 75.0, "on_target"),
        }
        got = {
            line.kpi_id.code: (line.has_value, round(line.current, 2), line.status)
            for line in review.line_ids
        }
        self.assertEqual(got, expected)
        self.assertEqual((review.on_target_count, review.off_target_count), (2, 1))
        self.assertEqual(review.computed_by_id, self.env.user)
        # Every active team has the review of that week, one each.
        teams = self.env["crm.team"].search([("active", "=", True)])
        for team in teams:
            self.assertEqual(len(self._team_review(date(2026, 3, 9), team)), 1)
        # The scheduled action runs again: the same reviews, recomputed.
        self.open_deal.expected_revenue = 11000
        with freeze_time("2026-03-16 09:00:00"):
            self.env["crm.pipeline.snapshot"]._cron_snapshot()
        again = self._team_review(date(2026, 3, 9))
        self.assertEqual(again, review)
        self.assertEqual(self._line(again, "pipeline_value").current, 7000.0)
        snapshot = self.env["crm.pipeline.snapshot"].search(
            [("team_id", "=", self.trend_team.id), ("date", "=", "2026-03-16")]
        )
        self.assertEqual(snapshot.mapped("expected_revenue"), [11000.0])
        self.assertEqual(
            self.env["crm.pipeline.review"].search_count(
                [("week_start", "=", "2026-03-09"), ("team_ids", "in", teams.ids)]
            ),
            len(teams),
        )

    def test_past_review_read_in_the_reader_language(self):
        """The scheduled action computes the review in English; a French
        manager reads its texts (amounts, units, gaps, actions) and exports
        its XLSX in French, without refreshing it."""
        with freeze_time("2026-03-16 08:00:00"):
            self.env["crm.pipeline.snapshot"]._cron_snapshot()
        review = self._team_review(date(2026, 3, 9))
        cycle = self._line(review, "cycle_days")
        pipeline = self._line(review, "pipeline_value")
        nbsp = "\N{NO-BREAK SPACE}"
        self.assertEqual(
            (cycle.current_display, cycle.target_display, cycle.gap_display),
            ("20.0 days", "10.0 days", "+10.0 days"),
        )
        english_action = cycle.kpi_id.action
        self.assertEqual(cycle.action, english_action)
        load_french(self.env, ["crm", MODULE])
        self.manager.lang = "fr_FR"
        # As the web client reads it: in the language of the user's context.
        french = review.with_user(self.manager).with_context(lang="fr_FR")
        cycle_fr = self._line(french, "cycle_days")
        self.assertEqual(
            (cycle_fr.current_display, cycle_fr.target_display, cycle_fr.gap_display),
            ("20,0 jours", "10,0 jours", "+10,0 jours"),
        )
        self.assertEqual(
            cycle_fr.action,
            "Donner à chaque opportunité une prochaine action datée et escalader les "
            "affaires qui restent trop longtemps dans une étape.",
        )
        self.assertEqual(
            self._line(french, "pipeline_value").current_display, f"${nbsp}7{nbsp}000,00"
        )
        self.assertEqual(pipeline.current_display, f"${nbsp}7,000.00")
        # The XLSX of that review, exported by the French manager.
        french.action_export_xlsx()
        self.assertEqual(french.xlsx_filename, "revue_hebdomadaire_2026-03-09.xlsx")
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(french.xlsx_file)))
        sheet = book[self.trend_team.name]
        self.assertEqual(
            [cell.value for cell in sheet[3]],
            [
                "Indicateur",
                "Actuel",
                "Objectif",
                "Écart",
                "Statut",
                "Tendance",
                "Action en cas d'écart",
            ],
        )
        rows = {row[0]: row[1:7] for row in sheet.iter_rows(min_row=4, values_only=True)}
        self.assertEqual(
            rows["Cycle de vente (jours)"], (20.0, 10.0, 10.0, "En écart", None, cycle_fr.action)
        )
        # Printed in landscape, one page wide, the column headers on each page.
        self.assertEqual(
            (
                sheet.page_setup.orientation,
                sheet.sheet_properties.pageSetUpPr.fitToPage,
                sheet.page_setup.fitToHeight,
                sheet.print_title_rows,
            ),
            ("landscape", True, 0, "$3:$3"),
        )

    def test_past_week_pipeline_value_from_its_snapshot(self):
        with freeze_time("2026-03-18 10:00:00"):
            review = self.env["crm.pipeline.review"].create(
                {"date": "2026-03-11", "team_ids": [(6, 0, self.trend_team.ids)]}
            )
            current = self.env["crm.pipeline.review"].create(
                {"date": "2026-03-18", "team_ids": [(6, 0, self.trend_team.ids)]}
            )
        # The week of 9 March started with the pipeline of its snapshot.
        self.assertEqual(self._line(review, "pipeline_value").current, 7000.0)
        # The current week: the pipeline now, against the week before's
        # snapshot (9 March's).
        line = self._line(current, "pipeline_value")
        self.assertEqual((line.current, line.previous, line.trend), (9000.0, 7000.0, "up"))

    def test_each_week_reads_its_own_snapshot(self):
        """Four weeks of snapshots (23 February to 16 March): each week's
        review reads the snapshot dated its Monday, the pipeline it started
        with; the current week, the pipeline now; the trend from week to
        week follows."""
        Snapshot = self.env["crm.pipeline.snapshot"]
        for week, amount in (("2026-02-23", 4000), ("2026-03-02", 5500), ("2026-03-16", 8000)):
            Snapshot.create(
                {
                    "date": week,
                    "team_id": self.trend_team.id,
                    "company_id": self.trend_team.company_id.id,
                    "lead_count": 1,
                    "expected_revenue": amount,
                }
            )
        Review = self.env["crm.pipeline.review"]
        with freeze_time("2026-03-18 10:00:00"):
            reviews = [
                Review._pilot_get_or_create(
                    date(2026, 2, 16) + timedelta(weeks=n), self.trend_team, self.env["res.users"]
                )
                for n in range(5)
            ]
        lines = [self._line(review, "pipeline_value") for review in reviews]
        self.assertEqual(
            [review.week_start for review in reviews],
            [
                date(2026, 2, 16),
                date(2026, 2, 23),
                date(2026, 3, 2),
                date(2026, 3, 9),
                date(2026, 3, 16),
            ],
        )
        # 16 February: no snapshot of its own (the 23 February one is the
        # next week's): the current pipeline; the current week: the pipeline
        # now (9,000), not its snapshot of Monday (8,000).
        self.assertEqual(
            [(line.has_value, line.current, line.previous) for line in lines],
            [
                (True, 9000.0, 9000.0),
                (True, 4000.0, 9000.0),
                (True, 5500.0, 4000.0),
                (True, 7000.0, 5500.0),
                (True, 9000.0, 7000.0),
            ],
        )
        self.assertEqual([line.trend for line in lines], ["flat", "down", "up", "up", "up"])

    @freeze_time("2026-03-18 10:00:00")
    def test_one_review_per_week_and_teams(self):
        """The manager leads Pilot Team and History Team and is a member of
        History Team (his default team): his Monday covers both teams he
        leads, one table each; reopened, not duplicated."""
        Review = self.env["crm.pipeline.review"].with_user(self.manager)
        self.trend_team.member_ids = self.manager
        self.assertEqual(self.manager.sale_team_id, self.trend_team)
        first = Review.action_open_current_week()
        self.open_deal.expected_revenue = 12000
        second = Review.action_open_current_week()
        self.assertEqual(first["res_id"], second["res_id"])
        review = Review.browse(first["res_id"])
        self.assertEqual(review.team_ids, self.team | self.trend_team)
        self.assertEqual(len(review.line_ids), 14)
        # Reopened: computed again.
        self.assertEqual(self._team_line(review, "pipeline_value").current, 12000.0)
        with self.assertRaisesMessage(ValidationError, "There is already a weekly review"):
            Review.create(
                {"date": "2026-03-20", "team_ids": [(6, 0, [self.trend_team.id, self.team.id])]}
            )
        # One team alone is another set of teams: a review of its own.
        alone = Review.create({"date": "2026-03-17", "team_ids": [(6, 0, self.trend_team.ids)]})
        with self.assertRaisesMessage(ValidationError, "There is already a weekly review"):
            Review.create({"date": "2026-03-16", "team_ids": [(6, 0, self.trend_team.ids)]})
        with self.assertRaisesMessage(ValidationError, "There is already a weekly review"):
            alone.team_ids = self.team | self.trend_team
        self.assertEqual(Review.search_count([("week_start", "=", "2026-03-16")]), 2)
        # Refresh recomputes.
        self.open_deal.expected_revenue = 13000
        review.action_refresh()
        self.assertEqual(self._team_line(review, "pipeline_value").current, 13000.0)
        # Another week: a review of its own.
        last_week = Review.create(
            {"date": "2026-03-10", "team_ids": [(6, 0, (self.team | self.trend_team).ids)]}
        )
        self.assertNotEqual(last_week, review)

    @freeze_time("2026-03-18 10:00:00")
    def test_member_only_manager_reviews_his_teams(self):
        """A manager who leads no team and is a member of one: his team's
        review; leading another team too adds it."""
        Review = self.env["crm.pipeline.review"].with_user(self.manager)
        (self.team | self.trend_team).user_id = False
        self.trend_team.member_ids = self.manager
        review = Review.browse(Review.action_open_current_week()["res_id"])
        self.assertEqual(review.team_ids, self.trend_team)
        self.team.user_id = self.manager
        review = Review.browse(Review.action_open_current_week()["res_id"])
        self.assertEqual(review.team_ids, self.team | self.trend_team)

    def _team_line(self, review, code, team=None):
        team = team or self.trend_team
        return review.line_ids.filtered(
            lambda line: line.kpi_id.code == code and line.team_id == team
        )

    def test_a_week_without_data_is_a_gap(self):
        """The sales cycle of the team over 12 weeks: a week without a deal
        won has no value (a gap in the graph, an empty cell in the list, no
        status in its review), not 0."""
        with freeze_time("2026-03-16 08:00:00"):
            self.env["crm.pipeline.snapshot"]._cron_snapshot()
        review = self._team_review(date(2026, 3, 9))
        with freeze_time("2026-03-18 10:00:00"):
            action = self._line(review, "cycle_days").action_open_trend()
        Value = self.env["crm.pipeline.kpi.value"]
        domain = [*action["domain"], ("series", "=", "value")]
        # As the graph reads it: one group per week, None (no point) without data.
        groups = Value.read_group(domain, ["amount:avg"], ["week:day"], lazy=False)
        self.assertEqual(
            [group["amount"] for group in groups],
            [None, None, 20.0, None, None, None, None, 15.0, None, None, None, 20.0],
        )
        # As the list reads it: an empty figure, not 0.
        week = Value.search([*domain, ("week", "=", "2026-01-12")])
        self.assertEqual(week.read(["amount"])[0]["amount"], False)
        # The review of that week: no value, no status against the target.
        with freeze_time("2026-03-18 10:00:00"):
            january = self.env["crm.pipeline.review"]._pilot_get_or_create(
                date(2026, 1, 12), self.trend_team, self.env["res.users"]
            )
        cycle = self._line(january, "cycle_days")
        self.assertEqual(
            (cycle.has_value, cycle.status, cycle.current_display, cycle.gap_display, cycle.trend),
            (False, "no_value", False, False, False),
        )

    def test_twelve_week_trend_against_the_target(self):
        """The win rate of the team over the 12 weeks to the week of 9 March:
        the values computed by hand, None where no deal closed; the targets
        of each week prorated to its days in each month."""
        with freeze_time("2026-03-16 08:00:00"):
            self.env["crm.pipeline.snapshot"]._cron_snapshot()
        review = self._team_review(date(2026, 3, 9))
        with freeze_time("2026-03-18 10:00:00"):
            action = self._line(review, "win_rate").action_open_trend()
        self.assertEqual(action["res_model"], "crm.pipeline.kpi.value")
        self.assertEqual(action["view_mode"], "graph,list")
        # A title the breadcrumb shows whole: the weeks are on the graph.
        self.assertEqual(action["name"], "Win Rate · History Team")
        Value = self.env["crm.pipeline.kpi.value"]
        groups = Value._read_group(action["domain"], ["week:day", "series"], ["amount:avg"])
        series = {}
        for week, name, amount in groups:
            # No data (NULL) reads False; a value of 0 reads 0.0.
            series.setdefault(name, {})[fields.Date.to_date(week)] = (
                None if amount is False else round(amount, 2)
            )
        weeks = [date(2025, 12, 22) + timedelta(weeks=n) for n in range(12)]
        self.assertEqual(sorted(series["value"]), weeks)
        self.assertEqual(sorted(series["target"]), weeks)
        values = dict.fromkeys(weeks)
        values.update({date(2026, 1, 5): 50.0, date(2026, 2, 9): 100.0, date(2026, 3, 9): 50.0})
        self.assertEqual(series["value"], values)
        self.assertEqual(
            series["target"],
            {
                date(2025, 12, 22): 30.0,  # no target record: the default
                date(2025, 12, 29): 35.71,  # 3/7 * 30 + 4/7 * 40
                date(2026, 1, 5): 40.0,
                date(2026, 1, 12): 40.0,
                date(2026, 1, 19): 40.0,
                date(2026, 1, 26): 37.14,  # 6/7 * 40 + 1/7 * 20
                date(2026, 2, 2): 20.0,
                date(2026, 2, 9): 20.0,
                date(2026, 2, 16): 20.0,
                date(2026, 2, 23): 24.29,  # 6/7 * 20 + 1/7 * 50
                date(2026, 3, 2): 50.0,
                date(2026, 3, 9): 50.0,
            },
        )
        # The pipeline value: known for the weeks with a snapshot (9 March's,
        # from the setup; 16 March's, taken by the scheduled action, is after
        # the review's week).
        with freeze_time("2026-03-18 10:00:00"):
            action = self._line(review, "pipeline_value").action_open_trend()
        groups = Value._read_group(
            [*action["domain"], ("series", "=", "value")], ["week:day"], ["amount:avg"]
        )
        pipeline = {
            fields.Date.to_date(week): None if amount is False else amount
            for week, amount in groups
        }
        expected = dict.fromkeys(weeks)
        expected.update({date(2026, 3, 9): 7000.0})
        self.assertEqual(pipeline, expected)
        # Opening the trend again stores nothing more.
        count = Value.search_count([("team_id", "=", self.trend_team.id)])
        with freeze_time("2026-03-18 10:00:00"):
            self._line(review, "win_rate").action_open_trend()
        self.assertEqual(Value.search_count([("team_id", "=", self.trend_team.id)]), count)
        self.assertEqual(count, 12 * 7 * 2)

    def test_personal_review_of_a_salesperson(self):
        """A salesperson who sees only their own opportunities: their review
        and its trend count their deals only, and they see no team review."""
        self.trend_team.member_ids = self.salesman
        self._opportunity(
            "History mine", team_id=self.trend_team.id, expected_revenue=2500
        )  # the salesperson's
        self.open_deal.user_id = self.manager
        with freeze_time("2026-03-16 08:00:00"):
            self.env["crm.pipeline.snapshot"]._cron_snapshot()
        Review = self.env["crm.pipeline.review"].with_user(self.salesman)
        with freeze_time("2026-03-18 10:00:00"):
            mine = Review.create({"date": "2026-03-18", "team_ids": [(6, 0, self.trend_team.ids)]})
            self.assertEqual(mine.scope_user_id, self.salesman)
            self.assertEqual(self._line(mine, "pipeline_value").current, 2500.0)
            action = self._line(mine, "pipeline_value").action_open_trend()
        self.assertIn(("scope_user_id", "=", self.salesman.id), action["domain"])
        values = (
            self.env["crm.pipeline.kpi.value"]
            .with_user(self.salesman)
            .search([("team_id", "=", self.trend_team.id), ("kpi_id.code", "=", "pipeline_value")])
        )
        self.assertEqual(values.scope_user_id, self.salesman)
        self.assertEqual(len(values), 24)
        team_review = self._team_review(date(2026, 3, 9))
        self.assertFalse(Review.search([("id", "=", team_review.id)]))
        with self.assertRaises(AccessError):
            self._line(team_review, "win_rate").with_user(self.salesman).action_open_trend()
