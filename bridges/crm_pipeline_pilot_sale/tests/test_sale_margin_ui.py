# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import HttpCase, tagged

from odoo.addons.crm_pipeline_pilot.tests.common import load_french, new_pilot_user

MODULES = ("crm_pipeline_pilot", "crm_pipeline_pilot_sale")


@tagged("post_install", "-at_install")
class TestSaleMarginTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_french(cls.env, (*MODULES, "sale", "sale_crm", "sale_margin", "crm", "mail"))
        cls.env["crm.stage.exit.criterion"].search([]).active = False
        # The company's document layout is chosen: sending a quotation goes
        # straight to the email, without the layout's configuration dialog.
        cls.env.company.external_report_layout_id = cls.env.ref("web.external_layout_standard")
        cls.salesman = new_pilot_user(
            cls.env,
            "pilot_marge_vendeuse",
            name="Vera Vendeuse",
            email="vera@example.com",
            lang="fr_FR",
        )
        cls.manager = new_pilot_user(
            cls.env,
            "pilot_marge_manager",
            name="Marc Manager",
            email="marc@example.com",
            lang="fr_FR",
            groups="sales_team.group_sale_manager",
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Équipe Marge",
                "member_ids": [(6, 0, [cls.salesman.id])],
                "pilot_min_margin_rate": 30.0,
            }
        )
        cls.partner = cls.env["res.partner"].create(
            {"name": "Client Marge", "email": "client@example.com"}
        )
        # Estimated: 10 000 of revenue, 6 500 of cost (35 %).
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Affaire marge",
                "type": "opportunity",
                "user_id": cls.salesman.id,
                "team_id": cls.team.id,
                "partner_id": cls.partner.id,
                "expected_revenue": 10000.0,
                "estimated_cost": 6500.0,
            }
        )
        product = cls.env["product.product"].create({"name": "Prestation", "type": "service"})
        # Quoted: 10 000 at a cost of 8 000 (20 %), below the team's 30 %.
        cls.order = cls.env["sale.order"].create(
            {
                "partner_id": cls.partner.id,
                "opportunity_id": cls.lead.id,
                "user_id": cls.salesman.id,
                "team_id": cls.team.id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "price_unit": 10000.0,
                            "purchase_price": 8000.0,
                            "tax_id": [(5, 0, 0)],
                        },
                    )
                ],
            }
        )

    def test_tour_quotation_below_minimum_then_erosion_report(self):
        """The salesperson sends the quotation from the deal and reads 20 %,
        an erosion of 1 500 (15 points) and the low-margin flag; the manager
        finds the deal's erosion in the report."""
        self.assertFalse(self.lead.quoted_margin_known)
        self.assertFalse(self.lead.is_low_margin)
        self.start_tour(
            f"/odoo/crm/{self.lead.id}",
            "crm_pipeline_pilot_sale_quotation",
            login=self.salesman.login,
        )
        self.assertEqual(self.order.state, "sent")
        self.assertEqual(
            (
                self.lead.quoted_margin,
                self.lead.quoted_margin_rate,
                self.lead.margin_erosion,
                self.lead.margin_erosion_points,
                self.lead.is_low_margin,
            ),
            (2000.0, 20.0, 1500.0, 15.0, True),
        )
        action = self.env.ref("crm_pipeline_pilot_sale.crm_margin_erosion_report_action")
        self.start_tour(
            f"/odoo/action-{action.id}",
            "crm_pipeline_pilot_sale_erosion_report",
            login=self.manager.login,
        )
