# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from unittest.mock import patch

from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

MODULE = "crm_pipeline_pilot"
REPORT = "crm_pipeline_pilot.report_deal_briefing"


@tagged("post_install", "-at_install")
class TestBriefingPrintTour(HttpCase):
    """The deal briefing printed from the list view, on the demo data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms([MODULE], ["fr_FR"], overwrite=True)
        cls.manager = mail_new_test_user(
            cls.env,
            login="pilot_briefing_directeur",
            name="Denis Directeur",
            email="denis@example.com",
            groups="sales_team.group_sale_manager",
            lang="fr_FR",
        )
        # Four open opportunities of the demo, now the manager's (the
        # pipeline opens on "My Pipeline"): three are printed, not the fourth.
        cls.deals = cls.env.ref("crm.crm_case_13") | cls.env.ref("crm.crm_case_14")
        cls.deals |= cls.env.ref("crm.crm_case_19")
        cls.deals.user_id = cls.manager
        cls.other = cls.env.ref("crm.crm_case_16")
        cls.other.user_id = cls.manager

    def test_tour_manager_prints_the_briefing_of_three_deals(self):
        """A French sales manager ticks three opportunities of the list, opens
        Imprimer and clicks Fiche affaire: the report is rendered once, for
        exactly those three deals, as them and in French."""
        self.assertEqual(
            self.deals.mapped("name"),
            ["Quote for 12 Tables", "Office Design Project", "Customizable Desk"],
        )
        self.assertTrue(all(deal.active and deal.type == "opportunity" for deal in self.deals))
        Report = type(self.env["ir.actions.report"])
        original = Report._render_qweb_pdf
        rendered = []

        def render(report, report_ref, res_ids=None, data=None):
            content, content_type = original(report, report_ref, res_ids=res_ids, data=data)
            rendered.append(
                {
                    "report": report_ref,
                    "ids": sorted(res_ids),
                    "uid": report.env.uid,
                    "lang": report.env.lang,
                    "content": content.decode() if isinstance(content, bytes) else content,
                }
            )
            return content, content_type

        with patch.object(Report, "_render_qweb_pdf", render):
            self.start_tour(
                "/odoo/crm",
                "crm_pipeline_pilot_briefing_print",
                login=self.manager.login,
                timeout=120,
            )
        self.assertEqual(
            [(call["report"], call["ids"], call["uid"], call["lang"]) for call in rendered],
            [(REPORT, sorted(self.deals.ids), self.manager.id, "fr_FR")],
        )
        # The test server renders the PDF's HTML (Odoo does not call
        # wkhtmltopdf in tests: see test_briefing.py for the PDF itself): one
        # page per deal, in French, and not the fourth deal of the list.
        content = rendered[0]["content"]
        self.assertEqual(content.count("o_pilot_briefing_page"), 3)
        for name in self.deals.mapped("name"):
            self.assertIn(name, content)
        self.assertNotIn(self.other.name, content)
        self.assertEqual(content.count("Score de qualification :"), 3)
        self.assertNotIn("Qualification score:", content)
