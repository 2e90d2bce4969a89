# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import HttpCase, tagged

from .common import SALES_MANAGER, new_pilot_user


@tagged("post_install", "-at_install")
class TestKpiUi(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_pilot_user(
            cls.env,
            "pilot_kpi_manager",
            name="Kim KPI",
            email="kim@example.com",
            groups=SALES_MANAGER,
        )
        # crm_security_group (OCA) gives CRM's Reporting menu to its own
        # Administrator group, which an integrator grants to the sales managers.
        crm_admin = cls.env.ref("crm_security_group.group_crm_manager", raise_if_not_found=False)
        if crm_admin:
            cls.manager.groups_id |= crm_admin
        cls.team = cls.env["crm.team"].create(
            {
                "name": "KPI Tour Team",
                "user_id": cls.manager.id,
                "member_ids": [(6, 0, [cls.manager.id])],
            }
        )
        proposal = cls.env["crm.stage"].create(
            {"name": "Tour Proposal", "sequence": 2, "is_proposal_stage": True}
        )
        reason = cls.env["crm.lost.reason"].create({"name": "Tour reason"})
        lead = cls.env["crm.lead"].create(
            {
                "name": "Tour proposal lost",
                "type": "opportunity",
                "user_id": cls.manager.id,
                "team_id": cls.team.id,
                "stage_id": proposal.id,
                "expected_revenue": 5000,
            }
        )
        lead.action_set_lost(lost_reason_id=reason.id)

    def test_tour_weekly_review_and_pivot(self):
        """A manager opens the weekly review from the menu (computed at once), sees the off-target
        conversion rate with its action, then the pipeline analysis pivot."""
        self.start_tour(
            "/odoo/crm",
            "crm_pipeline_pilot_weekly_review",
            login=self.manager.login,
        )
