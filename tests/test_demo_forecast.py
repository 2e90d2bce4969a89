# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The forecast's label for opportunities without an expected closing date, the
demo's dated deals, and the French of the recommended pipeline when French is
installed afterwards."""

from datetime import date

from lxml import etree

from odoo import fields
from odoo.tests import tagged

from .common import PilotCommon
from .test_demo_story import FRENCH, RECOMMENDED


@tagged("post_install", "-at_install")
class TestForecastLabels(PilotCommon):
    def test_no_expected_closing_date_label(self):
        self._opportunity("Undated deal", expected_revenue=1000, date_deadline=False)
        self._opportunity("Dated deal", expected_revenue=2000, date_deadline=date(2031, 3, 15))
        Forecast = self.env["crm.pipeline.forecast"].with_context(lang="en_US")
        domain = [("team_id", "=", self.team.id)]
        groups = Forecast.read_group(domain, ["expected_revenue:sum"], ["date_deadline:month"])
        labels = {group["date_deadline:month"]: group["expected_revenue"] for group in groups}
        self.assertEqual(labels, {"March 2031": 2000.0, "No expected closing date": 1000.0})
        # Grouping by month still drills down to the right opportunities.
        undated = next(g for g in groups if g["date_deadline:month"] == "No expected closing date")
        self.assertEqual(
            Forecast.search(undated["__domain"]).lead_id.mapped("name"), ["Undated deal"]
        )
        # Other groupings are untouched.
        by_stage = Forecast.read_group(domain, ["expected_revenue:sum"], ["stage_id"])
        self.assertEqual(by_stage[0]["stage_id"][0], self.stage_new.id)

    def test_undated_deals_shown_as_a_risk(self):
        """The deals without an expected closing date are in no month's
        forecast: the team's figures show them as a risk of their own."""
        self._opportunity("Undated deal", expected_revenue=1000, date_deadline=False)
        self._opportunity("Undated deal 2", expected_revenue=500, date_deadline=False)
        self._opportunity("Dated deal", expected_revenue=2000, date_deadline=date(2031, 3, 15))
        Forecast = self.env["crm.pipeline.forecast"]
        [group] = Forecast.read_group(
            [("team_id", "=", self.team.id)],
            ["undated_count:sum", "undated_revenue:sum", "expected_revenue:sum"],
            ["team_id"],
        )
        self.assertEqual(
            (group["undated_count"], group["undated_revenue"], group["expected_revenue"]),
            (2, 1500.0, 3500.0),
        )
        pivot = self.env.ref("crm_pipeline_pilot.crm_pipeline_forecast_view_pivot")
        measures = etree.fromstring(pivot.arch).xpath("//field[@type='measure']/@name")
        self.assertEqual(measures[-2:], ["undated_count", "undated_revenue"])

    def test_demo_open_deals_have_expected_closing_dates(self):
        """Every open opportunity of the demo teams is dated: the recommended
        forecast of the coming months has figures."""
        teams = self.env["crm.lead"]._pilot_demo_teams()
        Forecast = self.env["crm.pipeline.forecast"]
        [(undated, count)] = Forecast._read_group(
            [("team_id", "in", teams.ids)], aggregates=["undated_count:sum", "__count"]
        )
        self.assertEqual(undated, 0)
        self.assertGreater(count, 10)
        recommended = Forecast._read_group(
            [("team_id", "in", teams.ids), ("date_deadline", ">=", fields.Date.today())],
            groupby=["team_id"],
            aggregates=["recommended_revenue:sum"],
        )
        self.assertEqual(len(recommended), 3)
        self.assertTrue(all(amount > 0 for _team, amount in recommended))
        # Each deal in the forecast category of its stage, but one deal per
        # team its salesperson committed.
        leads = self.env["crm.lead"].search(
            [("team_id", "in", teams.ids), ("type", "=", "opportunity")]
        )
        open_leads = leads.filtered(lambda lead: not lead.stage_id.is_won)
        chosen = open_leads.filtered(
            lambda lead: lead.forecast_category != lead.stage_id.pilot_forecast_category
        )
        self.assertEqual(set(chosen.mapped("forecast_category")), {"commit"})
        self.assertLessEqual(len(chosen), len(teams))
        for team in teams:
            categories = open_leads.filtered(lambda lead, t=team: lead.team_id == t)
            self.assertIn("commit", categories.mapped("forecast_category"), team.name)


@tagged("post_install", "-at_install")
class TestRecommendedPipelineFrench(PilotCommon):
    def test_french_installed_afterwards_translates_the_pipeline(self):
        team = self.env["crm.team"].create({"name": "English first"})
        stages = self.env["crm.stage"].action_apply_recommended_pipeline(team.id)
        criteria = stages.exit_criterion_ids
        # As if created while only English was installed.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_stage SET name = name - 'fr_FR' WHERE id IN %s", [tuple(stages.ids)]
        )
        self.env.cr.execute(
            """UPDATE crm_stage_exit_criterion
                  SET name = name - 'fr_FR', description = description - 'fr_FR'
                WHERE id IN %s""",
            [tuple(criteria.ids)],
        )
        self.env.invalidate_all()

        self.env["res.lang"]._activate_lang("fr_FR")
        self.assertEqual(stages.with_context(lang="fr_FR").mapped("name")[:4], RECOMMENDED[:4])
        # A stage someone named in French keeps its name.
        typed = self.env["crm.stage"].create({"name": "Discovery", "team_id": team.id})
        typed.update_field_translations("name", {"fr_FR": "Ma découverte"})
        self.env["ir.module.module"]._load_module_terms(["crm_pipeline_pilot"], ["fr_FR"])
        self.env.invalidate_all()

        french = stages.with_context(lang="fr_FR")
        self.assertEqual(french.mapped("name"), FRENCH)
        self.assertEqual(stages.with_context(lang="en_US").mapped("name"), RECOMMENDED)
        self.assertEqual(typed.with_context(lang="fr_FR").name, "Ma découverte")
        first = french[0].exit_criterion_ids.sorted("sequence")
        self.assertEqual(first.mapped("name"), ["Besoin identifié", "Contact valide"])
        self.assertTrue(all(first.mapped("description")))
        self.assertNotEqual(
            first[0].description,
            criteria.filtered(lambda c: c.id == first[0].id).with_context(lang="en_US").description,
        )
        # The data records (activity type, KPIs) are in French too.
        follow_up = self.env.ref("crm_pipeline_pilot.mail_activity_type_follow_up")
        self.assertEqual(follow_up.with_context(lang="fr_FR").name, "Relance")
