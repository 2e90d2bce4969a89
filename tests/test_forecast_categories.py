# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The forecast category of a deal: its default from the stage, its
override, its selector on the form."""

from datetime import date

from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from ..models.forecast_category.crm_lead import init_forecast_category_columns
from .forecast_common import ForecastCommon


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
