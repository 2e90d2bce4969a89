# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The exit criterion "a quotation was sent at a margin rate at or above the
team's minimum" (quotation_margin_ok) on every path the gate covers, over
JSON-RPC as a salesperson: each refused without such a quotation, allowed
with it."""

from odoo.tests import HttpCase, tagged

from odoo.addons.crm_pipeline_pilot.tests.common import PilotRpcMixin, new_pilot_user

MISSING = "- Quote Qualified: Quotation sent at margin"


@tagged("post_install", "-at_install")
class TestQuotationCriterionOverRpc(PilotRpcMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["crm.stage.exit.criterion"].search([]).active = False
        cls.salesman = new_pilot_user(
            cls.env, "pilot_quote_salesman", name="Quentin Quote", email="quentin@example.com"
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Quote Team",
                "member_ids": [(6, 0, [cls.salesman.id])],
                "pilot_min_margin_rate": 30.0,
            }
        )
        # Not the salesperson's team (Odoo would move their leads to it when
        # they become opportunities): a team they hop to with a move.
        cls.strict_team = cls.env["crm.team"].create(
            {"name": "Quote Strict Team", "pilot_min_margin_rate": 40.0}
        )
        Stage = cls.env["crm.stage"]
        cls.stage_from = Stage.create({"name": "Quote Qualified", "sequence": -30})
        cls.stage_to = Stage.create({"name": "Quote Proposal", "sequence": -20})
        cls.env["crm.stage.exit.criterion"].create(
            {
                "name": "Quotation sent at margin",
                "stage_id": cls.stage_from.id,
                "criterion_type": "field",
                "field_id": cls.env["ir.model.fields"]._get("crm.lead", "quotation_margin_ok").id,
            }
        )
        cls.partner = cls.env["res.partner"].create({"name": "Quote Customer"})
        cls.product = cls.env["product.product"].create(
            {"name": "Quote Service", "type": "service", "list_price": 1.0}
        )

    def setUp(self):
        super().setUp()
        self._login(self.salesman)

    def _lead(self, name, **values):
        vals = {
            "name": name,
            "type": "opportunity",
            "user_id": self.salesman.id,
            "team_id": self.team.id,
            "stage_id": self.stage_from.id,
            "partner_id": self.partner.id,
            "expected_revenue": 1000.0,
            "estimated_cost": 600.0,
        }
        vals.update(values)
        return self.env["crm.lead"].create(vals)

    def _quotation(self, lead=None, cost=650.0, state="sent"):
        """A quotation of 1,000 (35 % with the default cost), sent."""
        order = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "opportunity_id": lead.id if lead else False,
                "user_id": self.salesman.id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": self.product.id,
                            "product_uom_qty": 1.0,
                            "price_unit": 1000.0,
                            "purchase_price": cost,
                            "tax_id": [(5, 0, 0)],
                        },
                    )
                ],
            }
        )
        if state == "sent":
            order.action_quotation_sent()
        # What the calls read comes from the database.
        self.env.flush_all()
        return order

    def _stage_of(self, lead):
        lead.invalidate_recordset()
        return lead.stage_id

    def test_stage_write_and_web_save(self):
        lead = self._lead("Quote write")
        self.assertIn(MISSING, self._refused("write", [[lead.id], {"stage_id": self.stage_to.id}]))
        message = self._refused(
            "web_save", [[lead.id], {"stage_id": self.stage_to.id}], {"specification": {}}
        )
        self.assertIn(MISSING, message)
        # A draft quotation, or one below the team's 30 %, is not enough.
        self._quotation(lead, state="draft")
        self._quotation(lead, cost=800.0)
        self.assertIn(MISSING, self._refused("write", [[lead.id], {"stage_id": self.stage_to.id}]))
        self.assertEqual(self._stage_of(lead), self.stage_from)
        self._quotation(lead).date_order = "2199-01-01"  # 35 %, the latest
        self._ok("web_save", [[lead.id], {"stage_id": self.stage_to.id}], {"specification": {}})
        self.assertEqual(self._stage_of(lead), self.stage_to)
        other = self._lead("Quote write 2")
        self._quotation(other)
        self._ok("write", [[other.id], {"stage_id": self.stage_to.id}])
        self.assertEqual(self._stage_of(other), self.stage_to)

    def test_create_copy_and_load_in_a_later_stage(self):
        vals = {
            "name": "Quote born later",
            "type": "opportunity",
            "team_id": self.team.id,
            "stage_id": self.stage_to.id,
        }
        self.assertIn(MISSING, self._refused("create", [vals]))
        # Born with a quotation sent at margin (linked at its creation).
        quotation = self._quotation()
        lead_id = self._ok("create", [dict(vals, order_ids=[(4, quotation.id)])])
        lead = self.env["crm.lead"].browse(lead_id)
        self.assertEqual((lead.stage_id, lead.quotation_margin_ok), (self.stage_to, True))
        # A copy has no quotation: refused in the later stage.
        source = self._lead("Quote copied")
        self._quotation(source)
        self.assertIn(MISSING, self._refused("copy", [[source.id], {"stage_id": self.stage_to.id}]))
        copy_id = self._ok(
            "copy",
            [[source.id], {"stage_id": self.stage_to.id, "order_ids": [(4, self._quotation().id)]}],
        )
        self.assertEqual(self.env["crm.lead"].browse(copy_id).stage_id, self.stage_to)
        # Import
        header = ["name", "type", "team_id/.id", "stage_id/.id"]
        row = ["Quote import", "opportunity", str(self.team.id), str(self.stage_to.id)]
        result = self._ok("load", [header, [row]])
        self.assertFalse(result["ids"])
        self.assertIn(MISSING, result["messages"][0]["message"])
        result = self._ok("load", [[*header, "order_ids/.id"], [[*row, str(self._quotation().id)]]])
        self.assertEqual(len(result["ids"]), 1, result["messages"])
        self.assertEqual(self.env["crm.lead"].browse(result["ids"]).stage_id, self.stage_to)

    def test_mass_write_all_or_nothing(self):
        ready = self._lead("Quote mass ready")
        self._quotation(ready)
        missing = self._lead("Quote mass missing")
        message = self._refused("write", [[ready.id, missing.id], {"stage_id": self.stage_to.id}])
        self.assertIn("Quote mass missing", message)
        self.assertNotIn("Quote mass ready", message)
        self.assertEqual(self._stage_of(ready), self.stage_from)
        self._quotation(missing)
        self._ok("write", [[ready.id, missing.id], {"stage_id": self.stage_to.id}])
        self.assertEqual((ready | missing).stage_id, self.stage_to)

    def test_team_hop_to_a_stricter_minimum(self):
        """A quotation at 35 % meets the 30 % of the team, not the 40 % of the
        team the deal hops to with the move."""
        lead = self._lead("Quote hop")
        hop = {"team_id": self.strict_team.id, "stage_id": self.stage_to.id}
        self.assertIn(MISSING, self._refused("write", [[lead.id], hop]))
        self._quotation(lead)
        self.assertTrue(lead.quotation_margin_ok)
        self.assertIn(MISSING, self._refused("write", [[lead.id], hop]))
        lead.invalidate_recordset()
        self.assertEqual((lead.team_id, lead.stage_id), (self.team, self.stage_from))
        self._quotation(lead, cost=550.0).date_order = "2199-01-01"  # 45 %
        self._ok("write", [[lead.id], hop])
        lead.invalidate_recordset()
        self.assertEqual((lead.team_id, lead.stage_id), (self.strict_team, self.stage_to))

    def test_type_switch_and_lead_conversion(self):
        switched = self._lead("Quote switch", type="lead", stage_id=self.stage_to.id)
        message = self._refused("write", [[switched.id], {"type": "opportunity"}])
        self.assertIn(MISSING, message)
        self._quotation(switched)
        self._ok("write", [[switched.id], {"type": "opportunity"}])
        switched.invalidate_recordset()
        self.assertEqual((switched.type, switched.stage_id), ("opportunity", self.stage_to))
        converted = self._lead("Quote convert", type="lead", stage_id=self.stage_to.id)
        context = {
            "active_model": "crm.lead",
            "active_id": converted.id,
            "active_ids": [converted.id],
        }

        def convert():
            wizard_id = self._ok(
                "create",
                [{"name": "convert", "action": "nothing", "lead_id": converted.id}],
                {"context": context},
                model="crm.lead2opportunity.partner",
            )
            return self._call_kw(
                "crm.lead2opportunity.partner", "action_apply", [[wizard_id]], {"context": context}
            )

        response = convert()
        self.assertIn(MISSING, self._error(response)["message"])
        self.assertEqual(self._error_name(response), "odoo.exceptions.UserError")
        converted.invalidate_recordset()
        self.assertEqual(converted.type, "lead")
        self._quotation(converted)
        self.assertNotIn("error", convert())
        converted.invalidate_recordset()
        self.assertEqual((converted.type, converted.stage_id), ("opportunity", self.stage_to))

    def test_merge_into_an_opportunity_without_stage(self):
        """The merged opportunity takes the later stage of the lead only with
        a quotation sent at margin."""

        def merge(name):
            head = self._lead(f"{name} head", email_from="quote-merge@example.com")
            head.stage_id = False
            tail = self._lead(
                f"{name} tail",
                type="lead",
                stage_id=self.stage_to.id,
                email_from="quote-merge@example.com",
            )
            return head, tail

        head, tail = merge("Quote merge")
        message = self._refused("merge_opportunity", [[head.id, tail.id]])
        self.assertIn(MISSING, message)
        self.assertTrue(tail.exists())
        head, tail = merge("Quote merge ok")
        self._quotation(head)
        self._ok("merge_opportunity", [[head.id, tail.id]])
        self.assertFalse(tail.exists())
        self.assertEqual(self._stage_of(head), self.stage_to)
