# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The add-on's registry checks run over the bridge's models and fields, in
a database with the bridge: its maintained fields refused on every path over
JSON-RPC, every searchable field of the bridge with every operator and
hostile value, its typed numbers bounded. The checks are the add-on's own
(inherited, not copied); only the enumeration is the bridge's."""

from odoo.tests import tagged

from odoo.addons.crm_pipeline_pilot.models.trust.base import field_bounds
from odoo.addons.crm_pipeline_pilot.tests import test_trust_hostile, test_values, test_values_rpc

BRIDGE = "crm_pipeline_pilot_sale"
# The fields of the bridge the application maintains, all on the opportunity
BRIDGE_MAINTAINED = {
    "margin_erosion",
    "margin_erosion_known",
    "margin_erosion_points",
    "ordered_amount",
    "ordered_margin",
    "ordered_margin_known",
    "ordered_margin_rate",
    "proposal_estimated_margin",
    "proposal_estimated_margin_rate",
    "proposal_margin_known",
    "quotation_margin_ok",
    "quoted_amount",
    "quoted_margin",
    "quoted_margin_known",
    "quoted_margin_rate",
    "real_margin_source",
}


@tagged("post_install", "-at_install")
class TestBridgeMaintainedFieldsOverRpc(test_values_rpc.TestMaintainedFieldsOverRpc):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The bridge's fields only: the add-on's suite checks its own.
        cls.maintained = {
            model: bridge_fields
            for model, fields_ in cls.maintained.items()
            if (bridge_fields := [field for field in fields_ if field._module == BRIDGE])
        }

    def test_every_model_is_covered(self):
        self.assertEqual(list(self.maintained), ["crm.lead"])
        self.assertEqual({field.name for field in self.maintained["crm.lead"]}, BRIDGE_MAINTAINED)
        for user in (self.salesman, self.manager):
            self.assertTrue(self._may_write("crm.lead", user))
        self.assertIn("crm.lead", test_values_rpc.WRITABLE_MODELS)


@tagged("post_install", "-at_install")
class TestBridgeHostileCallsOverRpc(test_trust_hostile.TestHostileCallsOverRpc):
    def test_every_searchable_field_every_operator(self):
        found = test_trust_hostile.searchable_fields(self.env, module=BRIDGE)
        names = {(model, field.name) for model, field in found}
        for expected in (
            ("crm.lead", "quoted_margin"),
            ("crm.lead", "pilot_reference_order_id"),
            ("crm.lead", "real_margin_source"),
            ("crm.margin.erosion.report", "margin_erosion"),
            ("crm.margin.erosion.report", "quote_erosion"),
            ("crm.margin.erosion.report", "categ_id"),
        ):
            self.assertIn(expected, names)
        self._check_hostile_searches(found)


@tagged("post_install", "-at_install")
class TestBridgeBoundedNumbers(test_values.TestBoundedNumbers):
    def test_every_numeric_field_is_bounded(self):
        # The bridge's numbers are the documents' (Odoo's prices and costs)
        # and the figures it computes from them: none is typed on its models.
        self.assertEqual(test_values.bounded_fields(self.env, module=BRIDGE), [])
        names = {f"{model}.{field.name}" for model, field in test_values.bounded_fields(self.env)}
        self.assertIn("crm.lead.estimated_cost", names)
        self.assertTrue(field_bounds(self.env["crm.lead"]._fields["estimated_cost"]))
