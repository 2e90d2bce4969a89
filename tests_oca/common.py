# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The set-up shared by the tests that need OCA's CRM add-ons."""

from odoo.addons.crm_pipeline_pilot.tests.common import PilotCommon

OCA_ADDONS = (
    "crm_won_reason",
    "crm_stage_multi_team",
    "crm_stage_probability",
    "crm_won_restrict_per_stage",
    "crm_security_group",
    "crm_date_deadline_required",
)


class OcaNeighboursCommon(PilotCommon):
    """The OCA add-ons installed (a failure, never a skip, without them), a
    won stage, won reasons of both add-ons and a customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        installed = cls.env["ir.module.module"].search(
            [("name", "in", OCA_ADDONS), ("state", "=", "installed")]
        )
        missing = set(OCA_ADDONS) - set(installed.mapped("name"))
        if missing:
            raise AssertionError(
                f"these tests need OCA's {', '.join(sorted(missing))} (make test-oca)"
            )
        cls.stage_won = cls.env["crm.stage"].create(
            {"name": "Pilot Won", "sequence": 50, "is_won": True}
        )
        cls.price = cls.env["crm.won.reason"].create({"name": "Best price (OCA check)"})
        cls.customer = cls.env["res.partner"].create({"name": "OCA check customer"})
        cls.oca_won = cls.env["crm.lost.reason"].create(
            {"name": "Won: fit (OCA)", "reason_type": "won"}
        )
