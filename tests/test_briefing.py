# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Deal briefing: its values on a hand-built deal, the form tab, and the PDF
rendered by wkhtmltopdf and read back."""

import io
import re
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools.misc import format_date
from odoo.tools.pdf import PdfFileReader

from odoo.addons.crm_pipeline_pilot.models.crm_lead import TRUSTED

from .common import PilotCommon, PilotQueryCountMixin, load_french
from .test_performance_queries import counting_calls, view_specification


def _briefing_deal(case):
    """A deal with everything the briefing shows."""
    env = case.env
    partner = env["res.partner"].create({"name": "Briefing Customer SA"})
    # After the other stages of these tests: only this deal is gated
    stage_gated = env["crm.stage"].create({"name": "Briefing Discovery", "sequence": 5})
    env["crm.stage.exit.criterion"].create(
        [
            {"name": "Need identified", "stage_id": stage_gated.id, "criterion_type": "manual"},
            {
                "name": "Amount set",
                "stage_id": stage_gated.id,
                "criterion_type": "field",
                "field_id": env["ir.model.fields"]._get("crm.lead", "expected_revenue").id,
            },
        ]
    )
    lead = (
        env["crm.lead"]
        .with_context(pilot_skip_exit_criteria=TRUSTED)
        .create(
            {
                "name": "Briefing deal",
                "type": "opportunity",
                "partner_id": partner.id,
                "user_id": case.salesman.id,
                "team_id": case.team.id,
                "stage_id": stage_gated.id,
                "expected_revenue": 12000,
                "estimated_cost": 9000,
                "probability": 40,
                "date_deadline": fields.Date.context_today(env["crm.lead"]) + timedelta(days=20),
            }
        )
    )
    lead.with_user(case.salesman).message_post(
        body="Met the buyer, they compare two offers", message_type="comment"
    )
    lead.activity_schedule(
        activity_type_id=env.ref("mail.mail_activity_data_call").id,
        summary="Call the buyer back",
        date_deadline=fields.Date.context_today(env["crm.lead"]) + timedelta(days=2),
        user_id=case.salesman.id,
    )
    return lead


@tagged("post_install", "-at_install")
class TestBriefingValues(PilotCommon):
    def test_risks_counted_in_words(self):
        """Pushes and missing criteria read right for one and for several."""
        lead = _briefing_deal(self)
        lead.estimated_cost = 3000  # margin above the team's minimum
        lead.confirmed_criterion_ids = False
        lead.expected_revenue = 0  # both criteria of the stage missing
        self.env.cr.execute(
            "UPDATE crm_lead SET close_date_push_count = 1 WHERE id = %s", (lead.id,)
        )
        lead.invalidate_recordset(["close_date_push_count"])
        self.assertEqual(
            lead._pilot_briefing_values()["risks"],
            ["Expected closing date pushed once.", "2 exit criteria of the stage are missing."],
        )
        self.env.cr.execute(
            "UPDATE crm_lead SET close_date_push_count = 3 WHERE id = %s", (lead.id,)
        )
        lead.invalidate_recordset(["close_date_push_count"])
        lead.expected_revenue = 5000
        self.assertEqual(
            lead._pilot_briefing_values()["risks"],
            [
                "Expected closing date pushed 3 times.",
                "One exit criterion of the stage is missing.",
            ],
        )

    def test_values_of_a_hand_built_deal(self):
        lead = _briefing_deal(self)
        values = lead._pilot_briefing_values()
        deadline = format_date(self.env, lead.date_deadline)
        self.assertEqual(
            values["facts"],
            [
                ("Customer", "Briefing Customer SA"),
                ("Salesperson", "Sam Salesman"),
                ("Expected Revenue", "$\xa012,000.00"),
                ("Estimated Margin", "$\xa03,000.00 (25.0 %)"),
                ("Probability", "40 %"),
                ("Stage", "Briefing Discovery, since today"),
                ("Expected Closing", deadline),
            ],
        )
        self.assertEqual([row["stage"] for row in values["timeline"]], ["Briefing Discovery"])
        self.assertEqual(
            [(row["author"], row["text"]) for row in values["interactions"]],
            [("Sam Salesman", "Met the buyer, they compare two offers")],
        )
        self.assertEqual(
            [(row["summary"], row["user"]) for row in values["activities"]],
            [("Call the buyer back", "Sam Salesman")],
        )
        self.assertEqual(
            values["criteria"],
            [{"name": "Need identified", "met": False}, {"name": "Amount set", "met": True}],
        )
        self.assertEqual(
            values["risks"],
            [
                "Low margin: 25.0 % below the team minimum of 30.0 %.",
                "One exit criterion of the stage is missing.",
            ],
        )
        # Budget (amount) and timing (in 20 days) met; authority and need missing
        self.assertEqual((values["score"], values["missing_dimensions"]), (2, "Authority, Need"))
        self.assertEqual(
            (values["next_action"], values["next_action_reason"]),
            (
                "Obtain: Need identified",
                "Missing exit criteria of the stage Briefing Discovery: Need identified.",
            ),
        )

    def test_french_figures_and_words(self):
        """In French: a decimal comma in the rates, "since today" rather than
        "for 0 days", no "moved 0 times"."""
        load_french(self.env)
        lead = _briefing_deal(self).with_context(lang="fr_FR")
        values = lead._pilot_briefing_values()
        facts = dict(values["facts"])
        self.assertEqual(facts["Marge estimée"], "$\xa03\xa0000,00 (25,0 %)")
        self.assertEqual(facts["Étape"], "Briefing Discovery, depuis aujourd'hui")
        self.assertEqual(facts["Date de clôture prévue"], format_date(lead.env, lead.date_deadline))
        self.assertIn(
            "Marge faible : 25,0 % sous le minimum de l'équipe de 30,0 %.", values["risks"]
        )

    def test_print_header_in_french(self):
        load_french(self.env)
        lead = _briefing_deal(self).with_context(lang="fr_FR")
        today = fields.Date.context_today(lead)
        self.assertEqual(
            lead._pilot_briefing_print_header(),
            f"{lead.company_id.name or self.env.company.name} · Imprimé le "
            f"{today.strftime('%d/%m/%Y')}",
        )

    def test_form_tab_shows_the_same_content(self):
        lead = _briefing_deal(self)
        html = str(lead.with_user(self.salesman).briefing_html)
        for text in (
            "Briefing deal",
            "Briefing Customer SA",
            "Qualification score: <strong>2/4</strong>",
            "Obtain: Need identified",
            "Call the buyer back",
            "Met the buyer, they compare two offers",
            "Low margin: 25.0 % below the team minimum of 30.0 %.",
        ):
            self.assertIn(text, html)


@tagged("post_install", "-at_install")
class TestBriefingPdf(PilotCommon, HttpCase):
    """Rendered by wkhtmltopdf, which loads the styles from the test server."""

    def test_pdf_text_of_three_deals(self):
        first = _briefing_deal(self)
        others = self._opportunity("Second briefed deal") | self._opportunity(
            "Third briefed deal", expected_revenue=500
        )
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_user(self.manager)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(
                "crm_pipeline_pilot.action_report_deal_briefing", (first | others).ids
            )
        )
        self.assertEqual(report_type, "pdf")
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        pages = [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]
        self.assertEqual(len(pages), 3)  # one page per deal
        first_page = pages[0]
        for text in (
            "Briefing deal",
            "Briefing Customer SA",
            "12,000.00",
            "Qualification score: 2/4",
            "missing: Authority, Need",
            "Next best action: Obtain: Need identified",
            "Call the buyer back",
            "Met the buyer, they compare two offers",
            "Low margin: 25.0 % below the team minimum of 30.0 %.",
        ):
            self.assertIn(text, first_page)
        # Each page says whose document it is and when it was printed.
        company = first.company_id.name or self.env.company.name
        printed = (
            # the day where the reader (who prints it) is
            f"{company} · Printed on "
            f"{format_date(self.env, fields.Date.context_today(first.with_user(self.manager)))}"
        )
        for page in pages:
            self.assertIn(printed, page)
        self.assertIn("Second briefed deal", pages[1])
        self.assertIn("Next best action: Plan the next step", pages[1])
        self.assertIn("Third briefed deal", pages[2])
        self.assertIn("Qualification score: 1/4", pages[2])


@tagged("post_install", "-at_install", "is_query_count")
class TestBriefingFormQueries(PilotQueryCountMixin, PilotCommon):
    """What the briefing tab adds to the opening of the form."""

    def test_briefing_tab_costs_five_queries_on_form_open(self):
        """Opening the form of a deal with a message and an open activity
        (``web_read`` with the form's specification): the briefing tab costs
        five queries more than the same form without it (its messages, its
        activities with their fields, their types' names; the evidence and
        the messages read by its synthesis), and reuses the form's evaluation
        of the exit criteria."""
        lead = _briefing_deal(self)
        Lead = self.env["crm.lead"].with_user(self.salesman)
        spec = view_specification(Lead, self.env.ref("crm.crm_lead_view_form"))
        self.assertIn("briefing_html", spec)
        without = {name: value for name, value in spec.items() if name != "briefing_html"}
        self._count(lambda: Lead.browse(lead.id).web_read(without))  # warm-up
        baseline = self._count(lambda: Lead.browse(lead.id).web_read(without))
        self._count(lambda: Lead.browse(lead.id).web_read(spec))  # warm-up
        self.env.invalidate_all()
        with (
            counting_calls(Lead, "_compute_exit_criteria_evaluation") as calls,
            self.assertQueryCount(baseline + 5),
        ):
            self.env.invalidate_all()
            values = Lead.browse(lead.id).web_read(spec)[0]
        self.assertEqual(dict(calls), {"_compute_exit_criteria_evaluation": 1})
        html = values["briefing_html"]
        for text in ("Call the buyer back", "Met the buyer, they compare two offers", "[✗]"):
            self.assertIn(text, html)
