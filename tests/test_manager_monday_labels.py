# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What a French manager reads on the Monday screens: months named, weeks by
their Monday (not "W24 2026"), one name for the forecast screen, and the
demo's closed deals that went through Negotiation with the decision maker's
agreement."""

from lxml import etree

from odoo.tests import tagged

from .common import MODULE, PilotCommon, load_french


@tagged("post_install", "-at_install")
class TestManagerMondayLabels(PilotCommon):
    def test_submission_month_named(self):
        load_french(self.env, ["crm", MODULE])
        submission = self.env["crm.forecast.submission"].create(
            {
                "team_id": self.team.id,
                "user_id": self.salesman.id,
                "month": "2026-12-01",
                "week": "2026-11-30",
            }
        )
        self.assertEqual(submission.with_context(lang="en_US").month_label, "December 2026")
        self.assertEqual(submission.with_context(lang="fr_FR").month_label, "décembre 2026")
        arch = self.env["crm.forecast.submission"].get_view(view_type="list")["arch"]
        columns = [
            (field.get("name"), field.get("column_invisible"))
            for field in etree.fromstring(arch).iter("field")
        ][:2]
        self.assertEqual(columns, [("month", "1"), ("month_label", None)])

    def test_weeks_grouped_by_their_monday(self):
        for model, fname in (
            ("crm.forecast.submission", "week"),
            ("crm.pipeline.review", "week_start"),
        ):
            arch = self.env[model].get_view(view_type="search")["arch"]
            with self.subTest(model=model):
                self.assertIn(f"'{fname}:day'", arch)
                self.assertNotIn(f"'{fname}:week'", arch)
        for view_type in ("graph", "pivot"):
            arch = etree.fromstring(
                self.env["crm.pipeline.snapshot"].get_view(view_type=view_type)["arch"]
            )
            with self.subTest(view_type=view_type):
                self.assertEqual(arch.xpath("//field[@name='date']/@interval"), ["day"])

    def test_forecast_screen_has_one_name(self):
        load_french(self.env, ["crm", MODULE])
        menu = self.env.ref(f"{MODULE}.crm_pipeline_forecast_menu").with_context(lang="fr_FR")
        action = self.env.ref(f"{MODULE}.crm_pipeline_forecast_action").with_context(lang="fr_FR")
        self.assertEqual((menu.name, action.name), ("Prévision par méthode",) * 2)

    def test_demo_closed_deals_met_the_agreement(self):
        """The won deals of the demo went through Negotiation: the decision
        maker's agreement is met on each of them, and on the deals lost in
        Negotiation; never on the others."""
        teams = self.env["crm.lead"]._pilot_demo_teams()
        stages = self.env["crm.stage"].search(teams[:1]._pilot_stage_domain(), order="sequence, id")
        negotiation = stages.filtered(lambda stage: not stage.is_won)[-1:]
        agreement = negotiation.exit_criterion_ids.filtered(
            lambda criterion: criterion.criterion_type == "manual"
        )
        self.assertEqual(agreement.mapped("name"), ["Agreement of the decision maker"])
        closed = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search(
                [
                    ("team_id", "in", teams.ids),
                    ("type", "=", "opportunity"),
                    "|",
                    ("active", "=", False),
                    ("stage_id.is_won", "=", True),
                ]
            )
        )
        met = closed.filtered(lambda lead: agreement in lead.confirmed_criterion_ids)
        won = closed.filtered("stage_id.is_won")
        self.assertEqual(len(closed), 64)
        self.assertEqual(won, met.filtered("stage_id.is_won"))
        self.assertEqual(len(won), 36)
        # Lost in Negotiation: Showroom furniture, once per team.
        self.assertEqual(len(met - won), 3)
        self.assertEqual((met - won).stage_id, negotiation)

    def test_card_badges_wrap(self):
        """The badges of a card (stars, activities, urgency, margin, exit
        criteria, qualification...) wrap onto a second line rather than
        overflow the card of a 1280 px wide pipeline."""
        arch = etree.fromstring(
            self.env["crm.lead"].get_view(
                self.env.ref("crm.crm_case_kanban_view_leads").id, view_type="kanban"
            )["arch"]
        )
        [badges] = arch.xpath("//t[@t-name='card']//footer/div[field[@name='priority']]")
        self.assertEqual(
            set(badges.get("class").split()) & {"flex-wrap", "row-gap-1", "min-w-0"},
            {"flex-wrap", "row-gap-1", "min-w-0"},
        )
        self.assertTrue(badges.xpath("span[contains(@t-attf-class, 'o_pilot_urgency')]"))
