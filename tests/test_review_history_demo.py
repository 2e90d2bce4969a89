# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Weekly reviews kept: the history the demo gives, and the trends drawn in
the browser."""

from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import MODULE, SALES_MANAGER, PilotCommon, PilotRpcMixin, load_french, new_pilot_user


@tagged("post_install", "-at_install")
class TestDemoReviewHistory(PilotCommon):
    """The demo data: twelve past weeks of reviews for each demo team, with
    figures, and a trend of 12 points."""

    def test_demo_reviews_and_trend(self):
        Review = self.env["crm.pipeline.review"]
        this_week = self.env["crm.pipeline.snapshot"]._week_start(fields.Date.context_today(Review))
        weeks = [this_week - timedelta(weeks=back) for back in range(12, 0, -1)]
        teams = self.env["crm.lead"]._pilot_demo_teams()
        self.assertEqual(len(teams), 3)
        for team in teams:
            with self.subTest(team=team.name):
                reviews = Review.search(
                    [
                        ("review_key", "=", Review._pilot_review_key(team, None)),
                        ("week_start", "in", weeks),
                    ]
                )
                self.assertEqual(sorted(reviews.mapped("week_start")), weeks)
                self.assertTrue(all(len(review.line_ids) == 7 for review in reviews))
                # Figures: a pipeline each week (from the snapshots), changing
                # over the weeks; statuses against the targets.
                pipeline = [
                    review.line_ids.filtered(lambda line: line.kpi_id.code == "pipeline_value")
                    for review in reviews.sorted("week_start")
                ]
                self.assertTrue(all(line.has_value for line in pipeline))
                # Each week's review reads the snapshot of that week (the
                # pipeline it started with), not the next Monday's.
                snapshots = self.env["crm.pipeline.snapshot"].read_group(
                    [("team_id", "=", team.id), ("date", "in", weeks)],
                    ["expected_revenue:sum"],
                    ["date:day"],
                )
                by_week = {
                    fields.Date.to_date(group["__range"]["date:day"]["from"]): group[
                        "expected_revenue"
                    ]
                    for group in snapshots
                }
                self.assertEqual(
                    [line.current for line in pipeline],
                    [round(by_week[week], 2) for week in weeks],
                )
                self.assertGreater(len({line.current for line in pipeline}), 1)
                self.assertGreater(sum(reviews.mapped("on_target_count")), 0)
                self.assertGreater(sum(reviews.mapped("off_target_count")), 0)
                self.assertTrue(all(review.computed_on for review in reviews))
        latest = Review.search(
            [
                ("review_key", "=", Review._pilot_review_key(teams[:1], None)),
                ("week_start", "=", weeks[-1]),
            ]
        )
        line = latest.line_ids.filtered(lambda line: line.kpi_id.code == "pipeline_value")
        action = line.action_open_trend()
        groups = self.env["crm.pipeline.kpi.value"]._read_group(
            action["domain"], ["week:day", "series"], ["amount:avg"]
        )
        points = {
            fields.Date.to_date(week)
            for week, series, amount in groups
            if series == "value" and amount
        }
        self.assertEqual(sorted(points), weeks)
        self.assertEqual(len(groups), 24)


@tagged("post_install", "-at_install")
class TestReviewHistoryTour(PilotRpcMixin, HttpCase):
    """A French sales manager opens the list of weekly reviews, a review, and
    the trend graph of its pipeline value (12 weeks against the target).
    A salesperson, by RPC, reads only their own reviews."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_french(cls.env, ["crm", MODULE])
        cls.manager = new_pilot_user(
            cls.env,
            "pilot_history_directrice",
            name="Hélène Directrice",
            email="helene@example.com",
            lang="fr_FR",
            groups=SALES_MANAGER,
        )
        # crm_security_group (OCA) gives CRM's Reporting menu to its own
        # Administrator group, which an integrator grants to the sales managers.
        crm_admin = cls.env.ref("crm_security_group.group_crm_manager", raise_if_not_found=False)
        if crm_admin:
            cls.manager.groups_id |= crm_admin
        cls.salesman = new_pilot_user(
            cls.env, "pilot_history_vendeur", name="Victor Vendeur", email="victor@example.com"
        )
        cls.team = cls.env["crm.team"].create(
            {"name": "Équipe Historique", "user_id": cls.manager.id}
        )
        cls.env["crm.lead"].create(
            {
                "name": "Affaire historique",
                "type": "opportunity",
                "team_id": cls.team.id,
                "user_id": cls.manager.id,
                "expected_revenue": 5000,
            }
        )
        # The team's reviews of the last twelve weeks (the latest first in the list).
        today = fields.Date.today()
        Snapshot = cls.env["crm.pipeline.snapshot"]
        this_week = Snapshot._week_start(today)
        for back in range(12, -1, -1):
            Snapshot.create(
                {
                    "date": this_week - timedelta(weeks=back),
                    "team_id": cls.team.id,
                    "company_id": cls.team.company_id.id,
                    "lead_count": 1,
                    "expected_revenue": 1000 * (13 - back),
                }
            )
        Review = cls.env["crm.pipeline.review"]
        for back in range(12, 0, -1):
            Review._pilot_get_or_create(
                this_week - timedelta(weeks=back), cls.team, cls.env["res.users"]
            )
        cls.latest = Review.search(
            [("week_start", "=", this_week - timedelta(weeks=1)), ("team_ids", "=", cls.team.id)]
        )

    def test_tour_review_list_and_trend(self):
        self.assertEqual(len(self.latest), 1)
        self.start_tour("/odoo/crm", "crm_pipeline_pilot_review_history", login=self.manager.login)

    def test_salesperson_reads_only_their_reviews_by_rpc(self):
        self._login(self.salesman)
        response = self._call_kw(
            "crm.pipeline.review",
            "create",
            [
                {
                    "date": fields.Date.to_string(fields.Date.today()),
                    "scope_user_id": False,
                    "team_ids": [[6, 0, [self.team.id]]],
                }
            ],
        )
        self.assertNotIn("error", response)
        mine = self.env["crm.pipeline.review"].browse(response["result"])
        self.assertEqual(mine.scope_user_id, self.salesman)
        # The deal of the team is the manager's: not in the salesperson's figures.
        value = mine.line_ids.filtered(lambda line: line.kpi_id.code == "pipeline_value")
        self.assertEqual(value.current, 0.0)
        response = self._call_kw(
            "crm.pipeline.review",
            "search_read",
            [[("team_ids", "in", [self.team.id])]],
            {"fields": ["week_start", "scope_user_id"]},
        )
        self.assertEqual([row["id"] for row in response["result"]], mine.ids)
        line = self.latest.line_ids[:1]
        response = self._call_kw("crm.pipeline.review.line", "action_open_trend", [line.ids])
        self.assertEqual(response["error"]["data"]["name"], "odoo.exceptions.AccessError")
        response = self._call_kw(
            "crm.pipeline.review", "write", [self.latest.ids, {"date": "2020-01-01"}]
        )
        self.assertEqual(response["error"]["data"]["name"], "odoo.exceptions.AccessError")
        self.assertEqual(self.latest.date, self.latest.week_start)
