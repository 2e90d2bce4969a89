# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged

from ..models.forecast_category.crm_forecast_submission import forecast_accuracy
from ..models.forecast_category.crm_lead import init_forecast_category_columns
from .common import MODULE, PilotCommon, PilotRpcMixin, new_pilot_user


class ForecastCommon(PilotCommon):
    """Stages with each default category, a second salesperson of the team and
    a salesperson leading a team of their own (not a sales manager)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Stage = cls.env["crm.stage"]
        cls.s_pipeline = Stage.create({"name": "FC Qualified", "sequence": 201})
        cls.s_best = Stage.create(
            {"name": "FC Proposal", "sequence": 202, "pilot_forecast_category": "best_case"}
        )
        cls.s_commit = Stage.create(
            {"name": "FC Negotiation", "sequence": 203, "pilot_forecast_category": "commit"}
        )
        cls.s_won = Stage.create({"name": "FC Won", "sequence": 204, "is_won": True})
        cls.salesman_2 = new_pilot_user(
            cls.env, "pilot_fc_salesman_2", name="Sue Second", email="sue@example.com"
        )
        # Sue sells in both teams: several teams per salesperson.
        cls.env["ir.config_parameter"].set_param("sales_team.membership_multi", True)
        cls.team.member_ids = [(4, cls.salesman_2.id)]
        cls.leader = new_pilot_user(
            cls.env, "pilot_fc_leader", name="Leo Leader", email="leo@example.com"
        )
        cls.team_led = cls.env["crm.team"].create(
            {
                "name": "FC Led Team",
                "user_id": cls.leader.id,
                "member_ids": [(6, 0, [cls.salesman_2.id])],
            }
        )

    @classmethod
    def _won(cls, name, revenue, closed_on, **values):
        """An opportunity won on ``closed_on`` (the add-on's won: active, won stage)."""
        lead = cls._opportunity(name, stage_id=cls.s_won.id, expected_revenue=revenue, **values)
        lead.date_closed = f"{closed_on} 12:00:00"
        return lead


@tagged("post_install", "-at_install")
class TestForecastCategories(ForecastCommon):
    def test_submission_list_columns_fit(self):
        """The submission list opens with the columns a manager compares
        (commit, best case, closed, team adjusted, won, accuracy), the weighted
        and projected amounts one click away: no truncated headers."""
        arch = self.env["crm.forecast.submission"].get_views([(False, "list")])["views"]["list"][
            "arch"
        ]
        shown = [
            field.get("name")
            for field in etree.fromstring(arch).xpath("/list/field")
            if field.get("optional") != "hide"
            and field.get("column_invisible") not in ("1", "True")
        ]
        self.assertEqual(
            shown,
            [
                "month_label",
                "week",
                "team_id",
                "user_id",
                "commit_amount",
                "best_case_amount",
                "closed_amount",
                "team_adjusted_amount",
                "won_amount",
                "accuracy",
                "state",
            ],
        )

    def test_default_from_stage_at_creation(self):
        for stage, expected in (
            (self.s_pipeline, "pipeline"),
            (self.s_best, "best_case"),
            (self.s_commit, "commit"),
            (self.s_won, "closed"),
        ):
            with self.subTest(stage=stage.name):
                self.assertEqual(
                    self._opportunity("FC", stage_id=stage.id).forecast_category, expected
                )
        # A category given at creation is kept
        lead = self._opportunity(
            "FC given", stage_id=self.s_pipeline.id, forecast_category="commit"
        )
        self.assertEqual(lead.forecast_category, "commit")

    def test_override_kept_until_next_stage_change(self):
        lead = self._opportunity("FC override", stage_id=self.s_pipeline.id).with_user(
            self.salesman
        )
        lead.forecast_category = "best_case"
        lead.write({"expected_revenue": 1234, "probability": 35})
        self.assertEqual(lead.forecast_category, "best_case")
        lead.stage_id = self.s_commit
        self.assertEqual(lead.forecast_category, "commit")
        lead.forecast_category = "omitted"
        lead.stage_id = self.s_best
        self.assertEqual(lead.forecast_category, "best_case")
        lead.stage_id = self.s_won
        self.assertEqual(lead.forecast_category, "closed")
        # Backward from won: the stage's category again
        lead.stage_id = self.s_pipeline
        self.assertEqual(lead.forecast_category, "pipeline")

    def test_changes_are_tracked(self):
        lead = self._opportunity("FC tracked", stage_id=self.s_pipeline.id)
        self.env.cr.precommit.run()
        lead.with_user(self.salesman).forecast_category = "commit"
        self.env.cr.precommit.run()
        tracked = lead.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "forecast_category"
        )
        self.assertEqual(len(tracked), 1)
        self.assertEqual(tracked.old_value_char, "Pipeline")
        self.assertEqual(tracked.new_value_char, "Commit")

    def test_closed_only_for_won(self):
        lead = self._opportunity("FC open", stage_id=self.s_commit.id)
        with self.assertRaisesMessage(ValidationError, "Closed is given to won opportunities"):
            lead.forecast_category = "closed"
        won = self._opportunity("FC won", stage_id=self.s_won.id)
        with self.assertRaisesMessage(ValidationError, "Closed is given to won opportunities"):
            won.forecast_category = "commit"
        self.assertEqual(won.forecast_category, "closed")

    def test_stage_default_and_recommended_pipeline(self):
        self.assertEqual(
            self.env["crm.stage"].create({"name": "FC plain"}).pilot_forecast_category, "pipeline"
        )
        team = self.env["crm.team"].create({"name": "FC Recommended"})
        stages = self.env["crm.stage"].action_apply_recommended_pipeline(team.id)
        self.assertEqual(
            stages.mapped("pilot_forecast_category"),
            ["pipeline", "pipeline", "best_case", "commit", stages[4].pilot_forecast_category],
        )

    @freeze_time("2026-03-18 10:00:00")
    def test_omitted_excluded_from_forecast(self):
        kept = self._opportunity(
            "FC kept", stage_id=self.s_commit.id, expected_revenue=1000, date_deadline="2026-03-20"
        )
        omitted = self._opportunity(
            "FC omitted",
            stage_id=self.s_commit.id,
            expected_revenue=7000,
            date_deadline="2026-03-20",
        )
        omitted.forecast_category = "omitted"
        self.env.flush_all()
        rows = self.env["crm.pipeline.forecast"].search([("lead_id", "in", (kept | omitted).ids)])
        self.assertEqual(rows.lead_id, kept)
        self.assertEqual(rows.forecast_category, "commit")
        submission = (
            self.env["crm.forecast.submission"]
            .with_user(self.salesman)
            .create({"team_id": self.team.id})
        )
        self.assertEqual(submission.commit_amount, 1000)

    def test_bulk_fill_of_existing_leads(self):
        """At install or upgrade, the existing leads get their category in SQL:
        Closed in won stages, the stage's category otherwise."""
        leads = {
            key: self._opportunity(f"FC bulk {key}", stage_id=stage.id)
            for key, stage in (
                ("pipeline", self.s_pipeline),
                ("best_case", self.s_best),
                ("commit", self.s_commit),
                ("closed", self.s_won),
            )
        }
        leads["plain_lead"] = self.env["crm.lead"].create({"name": "FC bulk lead", "type": "lead"})
        self.env.flush_all()
        cr = self.env.cr
        cr.execute("ALTER TABLE crm_lead DROP COLUMN forecast_category CASCADE")
        init_forecast_category_columns(cr)
        cr.execute(
            "SELECT id, forecast_category FROM crm_lead WHERE id = ANY(%s)",
            [[lead.id for lead in leads.values()]],
        )
        found = dict(cr.fetchall())
        for key, lead in leads.items():
            expected = lead.stage_id.pilot_forecast_category if key == "plain_lead" else key
            self.assertEqual(found[lead.id], expected, key)
        # A second run changes nothing
        cr.execute(
            "UPDATE crm_lead SET forecast_category = 'omitted' WHERE id = %s", [leads["commit"].id]
        )
        init_forecast_category_columns(cr)
        cr.execute("SELECT forecast_category FROM crm_lead WHERE id = %s", [leads["commit"].id])
        self.assertEqual(cr.fetchone()[0], "omitted")


@tagged("post_install", "-at_install")
class TestForecastCategorySelector(ForecastCommon):
    """The selector of the opportunity form: open deals offer Pipeline, Best
    case, Commit and Omitted (never Closed); won deals show Closed, read-only.
    ``forecast_category`` stays the field of integrators."""

    OPEN_CHOICES = ["pipeline", "best_case", "commit", "omitted"]

    def test_form_arch_offers_the_open_categories(self):
        arch = self.env["crm.lead"].get_view(view_type="form")["arch"]
        root = etree.fromstring(arch)
        [choice] = root.xpath("//field[@name='pilot_forecast_choice']")
        self.assertEqual(choice.get("widget"), "selection_badge")
        self.assertEqual(choice.get("invisible"), "forecast_category == 'closed'")
        [category] = root.xpath("//field[@name='forecast_category']")
        self.assertEqual(category.get("readonly"), "1")
        self.assertEqual(category.get("invisible"), "forecast_category != 'closed'")
        selection = self.env["crm.lead"].fields_get(["pilot_forecast_choice"])[
            "pilot_forecast_choice"
        ]["selection"]
        self.assertEqual([key for key, _label in selection], self.OPEN_CHOICES)
        # The keys of the technical field are unchanged.
        selection = self.env["crm.lead"].fields_get(["forecast_category"])["forecast_category"][
            "selection"
        ]
        self.assertEqual(
            [key for key, _label in selection],
            ["pipeline", "best_case", "commit", "closed", "omitted"],
        )

    def test_form_choice_and_onchange(self):
        # A customer and an expected closing date, which crm_partner_required and
        # crm_date_deadline_required (OCA) ask on the form.
        ready = {
            "partner_id": self.env["res.partner"].create({"name": "FC Customer"}).id,
            "date_deadline": date(2027, 3, 31),
        }
        lead = self._opportunity("FC form", stage_id=self.s_pipeline.id, **ready)
        with Form(lead.with_user(self.salesman)) as form:
            self.assertEqual(form.pilot_forecast_choice, "pipeline")
            form.pilot_forecast_choice = "commit"
            self.assertEqual(form.forecast_category, "commit")
        self.assertEqual(lead.forecast_category, "commit")
        with Form(lead.with_user(self.salesman)) as form:
            # A stage change gives the stage's category, then the choice wins.
            form.stage_id = self.s_best
            self.assertEqual(form.pilot_forecast_choice, "best_case")
            form.pilot_forecast_choice = "omitted"
        self.assertEqual((lead.stage_id, lead.forecast_category), (self.s_best, "omitted"))
        won = self._opportunity("FC form won", stage_id=self.s_won.id, **ready)
        with Form(won.with_user(self.salesman)) as form:
            self.assertEqual(form.forecast_category, "closed")
            self.assertFalse(form.pilot_forecast_choice)
            with self.assertRaises(AssertionError):
                form.forecast_category = "commit"
            with self.assertRaises(AssertionError):
                form.pilot_forecast_choice = "commit"
        self.assertEqual(won.forecast_category, "closed")

    def test_write_the_choice(self):
        lead = self._opportunity("FC write", stage_id=self.s_pipeline.id).with_user(self.salesman)
        lead.pilot_forecast_choice = "best_case"
        self.assertEqual(lead.forecast_category, "best_case")
        won = self._opportunity("FC write won", stage_id=self.s_won.id).with_user(self.salesman)
        with self.assertRaisesMessage(ValidationError, "always Closed in forecasts"):
            won.pilot_forecast_choice = "commit"
        self.assertEqual(won.forecast_category, "closed")


@tagged("post_install", "-at_install")
class TestForecastSubmissions(ForecastCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # History of the negotiation stage: one won, one lost -> win rate 50 %
        with freeze_time("2025-06-01 10:00:00"):
            history_values = {"user_id": cls.salesman_2.id, "stage_id": cls.s_commit.id}
            cls.hist_won = cls._opportunity("FC hist won", expected_revenue=1, **history_values)
            cls.hist_lost = cls._opportunity("FC hist lost", expected_revenue=1, **history_values)
            cls.hist_won.stage_id = cls.s_won
            cls.hist_lost.action_set_lost(lost_reason_id=cls.reason.id)
        with freeze_time("2026-03-10 10:00:00"):
            month = {"date_deadline": "2026-03-25"}
            cls.commit = cls._opportunity(
                "FC commit",
                stage_id=cls.s_commit.id,
                expected_revenue=10000,
                probability=50,
                **month,
            )
            cls.best = cls._opportunity(
                "FC best", stage_id=cls.s_best.id, expected_revenue=5000, probability=20, **month
            )
            cls.pipe = cls._opportunity(
                "FC pipe",
                stage_id=cls.s_pipeline.id,
                expected_revenue=3000,
                probability=10,
                **month,
            )
            cls.omitted = cls._opportunity(
                "FC omit",
                stage_id=cls.s_commit.id,
                expected_revenue=7000,
                probability=90,
                forecast_category="omitted",
                **month,
            )
            cls.next_month = cls._opportunity(
                "FC next month",
                stage_id=cls.s_commit.id,
                expected_revenue=9999,
                date_deadline="2026-04-02",
            )
            cls.other = cls._opportunity(
                "FC other",
                stage_id=cls.s_commit.id,
                expected_revenue=8000,
                user_id=cls.salesman_2.id,
                **month,
            )
            cls.won_march = cls._won("FC won March", 4000, "2026-03-05")
            cls.won_february = cls._won("FC won February", 6000, "2026-02-27")

    def _submit(self, user, **values):
        values.setdefault("team_id", self.team.id)
        submission = self.env["crm.forecast.submission"].with_user(user).create(values)
        submission.action_submit()
        return submission

    @freeze_time("2026-03-18 10:00:00")
    def test_prefilled_amounts(self):
        submission = self._submit(self.salesman)
        self.assertEqual(submission.month, date(2026, 3, 1))
        self.assertEqual(submission.week, date(2026, 3, 16))
        self.assertEqual(submission.state, "submitted")
        # commit = Commit + Closed this month; best case = commit + Best case
        self.assertEqual(submission.commit_deals_amount, 10000)
        self.assertEqual(submission.closed_amount, 4000)
        self.assertEqual(submission.commit_amount, 14000)
        self.assertEqual(submission.best_case_deals_amount, 5000)
        self.assertEqual(submission.best_case_amount, 19000)
        self.assertEqual(submission.pipeline_amount, 3000)
        # Forecast report: weighted 5,000 + 1,000 + 300; history-based: the
        # negotiation stage wins 1 of 2 (10,000 x 50 %), the others never.
        self.assertEqual(submission.weighted_amount, 6300)
        self.assertEqual(submission.projected_amount, 5000)
        self.assertFalse(submission.month_closed)

    @freeze_time("2026-03-18 10:00:00")
    def test_form_prefills_a_new_forecast(self):
        """The salesperson who opens a new forecast sees the commit and the
        best case of their deals before saving, and saves them."""
        with Form(self.env["crm.forecast.submission"].with_user(self.salesman)) as form:
            form.team_id = self.team
            self.assertEqual((form.commit_amount, form.best_case_amount), (14000, 19000))
            self.assertEqual((form.commit_deals_amount, form.closed_amount), (10000, 4000))
        submission = form.record
        self.assertEqual((submission.commit_amount, submission.best_case_amount), (14000, 19000))
        self.assertEqual(submission.pipeline_amount, 3000)
        # What the salesperson types instead is kept.
        with Form(self.env["crm.forecast.submission"].with_user(self.salesman_2)) as form:
            form.team_id = self.team
            self.assertEqual(form.commit_amount, 8000)
            form.commit_amount = 6000
        self.assertEqual(form.record.commit_amount, 6000)

    @freeze_time("2026-03-18 10:00:00")
    def test_a_deal_counts_in_its_own_team(self):
        """Sue sells in two teams: each submission counts the deals of its
        own team only, open and won."""
        self._opportunity(
            "FC led commit",
            stage_id=self.s_commit.id,
            expected_revenue=2500,
            user_id=self.salesman_2.id,
            team_id=self.team_led.id,
            date_deadline="2026-03-28",
        )
        self._won(
            "FC led won", 1500, "2026-03-09", user_id=self.salesman_2.id, team_id=self.team_led.id
        )
        in_team = self._submit(self.salesman_2)
        in_led = self._submit(self.salesman_2, team_id=self.team_led.id)
        self.assertEqual(
            (in_team.commit_deals_amount, in_team.closed_amount, in_team.commit_amount),
            (8000, 0, 8000),
        )
        self.assertEqual(
            (in_led.commit_deals_amount, in_led.closed_amount, in_led.commit_amount),
            (2500, 1500, 4000),
        )
        with freeze_time("2026-04-02 06:00:00"):
            self.env["crm.forecast.submission"]._cron_forecast_actuals()
        self.assertEqual((in_team.won_amount, in_led.won_amount), (0, 1500))

    def test_no_total_across_weeks_months_or_teams(self):
        """The amounts have no aggregate (a list grouped by salesperson does
        not add the forecasts of several weeks); the accuracy is averaged
        over the months that are over only, and its column is empty for the
        month still running."""
        Submission = self.env["crm.forecast.submission"]
        fields_info = Submission.fields_get(attributes=["aggregator"])
        amounts = [name for name, field in Submission._fields.items() if field.type == "monetary"]
        self.assertEqual(len(amounts), 10)
        for name in amounts:
            self.assertNotIn("aggregator", fields_info[name], name)
        self.assertEqual(fields_info["accuracy"]["aggregator"], "avg")
        arch = etree.fromstring(
            Submission.get_view(self.env.ref(f"{MODULE}.crm_forecast_submission_view_list").id)[
                "arch"
            ]
        )
        self.assertFalse(arch.xpath("//field[@sum or @avg]"))
        self.assertEqual(arch.xpath("//field[@name='accuracy']/@invisible"), ["not month_closed"])
        with freeze_time("2026-03-18 10:00:00"):
            running = self._submit(self.salesman, commit_amount=12000)
        with freeze_time("2026-02-18 10:00:00"):
            february = self._submit(self.salesman, commit_amount=5000)
        with freeze_time("2026-03-18 10:00:00"):
            self.env["crm.forecast.submission"]._cron_forecast_actuals()
        self.assertEqual((february.month_closed, february.won_amount), (True, 6000))
        self.assertFalse(running.month_closed)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT id, accuracy FROM crm_forecast_submission WHERE id IN %s ORDER BY id",
            [tuple((running | february).ids)],
        )
        self.assertEqual(self.env.cr.fetchall(), [(running.id, None), (february.id, 83.3)])
        [(accuracy,)] = Submission._read_group(
            [("id", "in", (running | february).ids)], aggregates=["accuracy:avg"]
        )
        self.assertAlmostEqual(accuracy, 83.3, places=6)

    @freeze_time("2026-03-18 10:00:00")
    def test_given_amounts_are_kept_and_locked_once_submitted(self):
        submission = self._submit(self.salesman, commit_amount=12000, best_case_amount=15000)
        self.assertEqual((submission.commit_amount, submission.best_case_amount), (12000, 15000))
        self.assertEqual(submission.commit_deals_amount, 10000)
        with self.assertRaisesMessage(UserError, "submitted"):
            submission.commit_amount = 1
        # Frozen: the comment too
        with self.assertRaisesMessage(UserError, "nothing can change until a sales manager"):
            submission.comment = "Signed on Friday"
        with self.assertRaises(UserError):
            submission.action_reset_to_draft()
        submission.with_user(self.manager).action_reset_to_draft()
        self.assertEqual(submission.state, "draft")

    def test_accuracy_formula(self):
        self.assertEqual(forecast_accuracy(12000, 10000), 80.0)
        self.assertEqual(forecast_accuracy(8000, 10000), 80.0)
        self.assertEqual(forecast_accuracy(25000, 10000), 0.0)
        self.assertEqual(forecast_accuracy(0, 0), 100.0)
        self.assertEqual(forecast_accuracy(500, 0), 0.0)

    def test_accuracy_after_the_month(self):
        with freeze_time("2026-03-18 10:00:00"):
            exact = self._submit(self.salesman, commit_amount=12000)
            over = self._submit(self.salesman_2, commit_amount=500)
            # Won in March by the salesperson: 4,000 + 6,000; archived won and
            # April deals do not count.
            self._won("FC won late March", 6000, "2026-03-31")
            self._won("FC won April", 5000, "2026-04-01")
            self._won("FC archived", 7000, "2026-03-20").write(
                {"active": False, "lost_reason_id": self.reason.id}
            )
            (exact | over)._pilot_update_actuals()
        self.assertEqual(exact.won_amount, 10000)
        self.assertFalse(exact.month_closed)
        self.assertFalse(exact.accuracy)
        with freeze_time("2026-04-02 06:00:00"):
            self.env["crm.forecast.submission"]._cron_forecast_actuals()
        self.assertTrue(exact.month_closed)
        self.assertEqual(exact.won_amount, 10000)
        self.assertEqual(exact.accuracy, 80.0)
        self.assertEqual(over.won_amount, 0)
        self.assertEqual(over.accuracy, 0.0)
        self.env.flush_all()
        [(accuracy, won)] = self.env["crm.forecast.submission"]._read_group(
            [("id", "in", (exact | over).ids)], aggregates=["accuracy:avg", "won_amount:sum"]
        )
        self.assertEqual((accuracy, won), (40.0, 10000))

    def test_weekly_review_shows_latest_submissions(self):
        with freeze_time("2026-03-11 10:00:00"):
            first = self._submit(self.salesman, commit_amount=1)
        with freeze_time("2026-03-18 10:00:00"):
            latest = self._submit(self.salesman, commit_amount=2)
            other = self._submit(self.salesman_2, commit_amount=3)
            self._submit(self.salesman_2, team_id=self.team_led.id, commit_amount=4)
            review = (
                self.env["crm.pipeline.review"]
                .with_user(self.manager)
                .create({"date": "2026-03-18", "team_ids": [(6, 0, self.team.ids)]})
            )
            self.assertEqual(review.forecast_submission_ids, latest | other)
            review_before = (
                self.env["crm.pipeline.review"]
                .with_user(self.manager)
                .create({"date": "2026-03-12", "team_ids": [(6, 0, self.team.ids)]})
            )
            self.assertEqual(review_before.forecast_submission_ids, first)

    @freeze_time("2026-03-18 10:00:00")
    def test_team_adjusted_amount_on_leader_submission(self):
        with self.assertRaisesMessage(UserError, "team leader only"):
            self._submit(self.salesman, team_adjusted_amount=50000)
        mine = self._submit(self.leader, team_id=self.team_led.id, team_adjusted_amount=42000)
        self.assertTrue(mine.is_team_leader)
        self.assertEqual(mine.team_adjusted_amount, 42000)
        # Frozen once submitted, the leader's figure too
        with self.assertRaisesMessage(UserError, "nothing can change until a sales manager"):
            mine.with_user(self.leader).team_adjusted_amount = 50000

    @freeze_time("2026-03-18 10:00:00")
    def test_visibility(self):
        own = self._submit(self.salesman)
        colleague = self._submit(self.salesman_2)
        led = self._submit(self.salesman_2, team_id=self.team_led.id)
        Submission = self.env["crm.forecast.submission"]
        ids = (own | colleague | led).ids
        self.assertEqual(Submission.with_user(self.salesman).search([("id", "in", ids)]), own)
        # The leader reads the team's submissions, but does not write them
        self.assertEqual(Submission.with_user(self.leader).search([("id", "in", ids)]), led)
        with self.assertRaises(AccessError):
            led.with_user(self.leader).comment = "Not mine"
        self.assertEqual(
            set(Submission.with_user(self.manager).search([("id", "in", ids)]).ids), set(ids)
        )
        with self.assertRaises(AccessError):
            Submission.with_user(self.salesman).create(
                {"team_id": self.team.id, "user_id": self.salesman_2.id, "week": "2026-03-09"}
            )
        with self.assertRaises(AccessError):
            own.with_user(self.salesman).user_id = self.salesman_2
        # The figures from the deals are not typed, not even on a draft
        own.with_user(self.manager).action_reset_to_draft()
        self.assertEqual(own.state, "draft")
        for vals in ({"won_amount": 1}, {"accuracy": 100}, {"commit_deals_amount": 5}):
            with self.assertRaisesMessage(AccessError, "maintained by the application"):
                own.with_user(self.salesman).write(vals)
            with self.assertRaisesMessage(AccessError, "maintained by the application"):
                Submission.with_user(self.salesman).create(
                    dict(vals, team_id=self.team.id, week="2026-03-02")
                )


@tagged("post_install", "-at_install")
class TestForecastSubmissionRpc(PilotRpcMixin, HttpCase):
    """Over JSON-RPC: a salesperson neither reads a colleague's forecast nor
    submits one in their name."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sam = new_pilot_user(
            cls.env, "pilot_fc_rpc_sam", name="Sam RPC", email="samrpc@example.com"
        )
        cls.sue = new_pilot_user(
            cls.env, "pilot_fc_rpc_sue", name="Sue RPC", email="suerpc@example.com"
        )
        cls.team = cls.env["crm.team"].create(
            {"name": "FC RPC Team", "member_ids": [(6, 0, [cls.sam.id, cls.sue.id])]}
        )
        cls.sue_submission = (
            cls.env["crm.forecast.submission"]
            .with_user(cls.sue)
            .create({"team_id": cls.team.id, "commit_amount": 1000})
        )

    def test_salesperson_cannot_read_nor_submit_for_a_colleague(self):
        self._login(self.sam)
        model = "crm.forecast.submission"
        response = self._call_kw(model, "read", [[self.sue_submission.id], ["commit_amount"]])
        self.assertEqual(self._error_name(response), "odoo.exceptions.AccessError")
        response = self._call_kw(model, "search_read", [[], ["user_id"]])
        self.assertNotIn(self.sue_submission.id, [row["id"] for row in response["result"]])
        response = self._call_kw(
            model,
            "create",
            [{"team_id": self.team.id, "user_id": self.sue.id, "week": "2030-01-07"}],
        )
        self.assertEqual(self._error_name(response), "odoo.exceptions.AccessError")
        response = self._call_kw(model, "action_submit", [[self.sue_submission.id]])
        self.assertEqual(self._error_name(response), "odoo.exceptions.AccessError")
        response = self._call_kw(model, "write", [[self.sue_submission.id], {"commit_amount": 1}])
        self.assertEqual(self._error_name(response), "odoo.exceptions.AccessError")
        self.assertEqual(self.sue_submission.state, "draft")
        self.assertEqual(self.sue_submission.commit_amount, 1000)
        # Their own forecast goes through
        response = self._call_kw(model, "create", [{"team_id": self.team.id}])
        self.assertNotIn("error", response)
        own = self.env[model].browse(response["result"])
        self.assertEqual(own.user_id, self.sam)

    def test_forecast_category_by_rpc(self):
        """A salesperson sets the category of their open deal by either field;
        Closed is refused on an open deal and the choice on a won one."""
        Lead = self.env["crm.lead"]
        stage = self.env["crm.stage"].create({"name": "FC RPC Qualified", "sequence": 301})
        won_stage = self.env["crm.stage"].create(
            {"name": "FC RPC Won", "sequence": 302, "is_won": True}
        )
        lead = Lead.create(
            {
                "name": "FC RPC deal",
                "type": "opportunity",
                "user_id": self.sam.id,
                "team_id": self.team.id,
                "stage_id": stage.id,
            }
        )
        won = Lead.create(
            {
                "name": "FC RPC won",
                "type": "opportunity",
                "user_id": self.sam.id,
                "team_id": self.team.id,
                "stage_id": won_stage.id,
            }
        )
        self._login(self.sam)
        response = self._call_kw(
            "crm.lead", "write", [lead.ids, {"pilot_forecast_choice": "commit"}]
        )
        self.assertNotIn("error", response)
        self.assertEqual(lead.forecast_category, "commit")
        response = self._call_kw("crm.lead", "write", [lead.ids, {"forecast_category": "omitted"}])
        self.assertNotIn("error", response)
        lead.invalidate_recordset()
        self.assertEqual(
            (lead.forecast_category, lead.pilot_forecast_choice), ("omitted", "omitted")
        )
        response = self._call_kw("crm.lead", "write", [lead.ids, {"forecast_category": "closed"}])
        self.assertEqual(self._error_name(response), "odoo.exceptions.ValidationError")
        response = self._call_kw(
            "crm.lead", "write", [lead.ids, {"pilot_forecast_choice": "closed"}]
        )
        self.assertIn("error", response)
        response = self._call_kw(
            "crm.lead", "write", [won.ids, {"pilot_forecast_choice": "commit"}]
        )
        self.assertEqual(self._error_name(response), "odoo.exceptions.ValidationError")
        lead.invalidate_recordset()
        won.invalidate_recordset()
        self.assertEqual((lead.forecast_category, won.forecast_category), ("omitted", "closed"))
        response = self._call_kw(
            "crm.lead", "read", [[lead.id, won.id], ["forecast_category", "pilot_forecast_choice"]]
        )
        self.assertEqual(
            [
                (row["forecast_category"], row["pilot_forecast_choice"])
                for row in response["result"]
            ],
            [("omitted", "omitted"), ("closed", False)],
        )
