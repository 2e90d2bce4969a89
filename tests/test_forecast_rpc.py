# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Forecast submissions and categories over JSON-RPC."""

from odoo.tests import HttpCase, tagged

from .common import PilotRpcMixin, new_pilot_user


@tagged("post_install", "-at_install")
class TestForecastSubmissionRpc(PilotRpcMixin, HttpCase):
    """Over JSON-RPC: a salesperson neither reads a colleague's forecast nor
    submits one in their name."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sam = new_pilot_user(
            cls.env, "pilot_fc_rpc_sam", name="Sam RPC", email="samrpc@example.com"
        )
        cls.sue = new_pilot_user(
            cls.env, "pilot_fc_rpc_sue", name="Sue RPC", email="suerpc@example.com"
        )
        cls.team = cls.env["crm.team"].create(
            {"name": "FC RPC Team", "member_ids": [(6, 0, [cls.sam.id, cls.sue.id])]}
        )
        cls.sue_submission = (
            cls.env["crm.forecast.submission"]
            .with_user(cls.sue)
            .create({"team_id": cls.team.id, "commit_amount": 1000})
        )

    def test_salesperson_cannot_read_nor_submit_for_a_colleague(self):
        self._login(self.sam)
        model = "crm.forecast.submission"
        response = self._call_kw(model, "read", [[self.sue_submission.id], ["commit_amount"]])
        self.assertEqual(self._error_name(response), "odoo.exceptions.AccessError")
        response = self._call_kw(model, "search_read", [[], ["user_id"]])
        self.assertNotIn(self.sue_submission.id, [row["id"] for row in response["result"]])
        response = self._call_kw(
            model,
            "create",
            [{"team_id": self.team.id, "user_id": self.sue.id, "week": "2030-01-07"}],
        )
        self.assertEqual(self._error_name(response), "odoo.exceptions.AccessError")
        response = self._call_kw(model, "action_submit", [[self.sue_submission.id]])
        self.assertEqual(self._error_name(response), "odoo.exceptions.AccessError")
        response = self._call_kw(model, "write", [[self.sue_submission.id], {"commit_amount": 1}])
        self.assertEqual(self._error_name(response), "odoo.exceptions.AccessError")
        self.assertEqual(self.sue_submission.state, "draft")
        self.assertEqual(self.sue_submission.commit_amount, 1000)
        # Their own forecast goes through
        response = self._call_kw(model, "create", [{"team_id": self.team.id}])
        self.assertNotIn("error", response)
        own = self.env[model].browse(response["result"])
        self.assertEqual(own.user_id, self.sam)

    def test_forecast_category_by_rpc(self):
        """A salesperson sets the category of their open deal by either field;
        Closed is refused on an open deal and the choice on a won one."""
        Lead = self.env["crm.lead"]
        stage = self.env["crm.stage"].create({"name": "FC RPC Qualified", "sequence": 301})
        won_stage = self.env["crm.stage"].create(
            {"name": "FC RPC Won", "sequence": 302, "is_won": True}
        )
        lead = Lead.create(
            {
                "name": "FC RPC deal",
                "type": "opportunity",
                "user_id": self.sam.id,
                "team_id": self.team.id,
                "stage_id": stage.id,
            }
        )
        won = Lead.create(
            {
                "name": "FC RPC won",
                "type": "opportunity",
                "user_id": self.sam.id,
                "team_id": self.team.id,
                "stage_id": won_stage.id,
            }
        )
        self._login(self.sam)
        response = self._call_kw(
            "crm.lead", "write", [lead.ids, {"pilot_forecast_choice": "commit"}]
        )
        self.assertNotIn("error", response)
        self.assertEqual(lead.forecast_category, "commit")
        response = self._call_kw("crm.lead", "write", [lead.ids, {"forecast_category": "omitted"}])
        self.assertNotIn("error", response)
        lead.invalidate_recordset()
        self.assertEqual(
            (lead.forecast_category, lead.pilot_forecast_choice), ("omitted", "omitted")
        )
        response = self._call_kw("crm.lead", "write", [lead.ids, {"forecast_category": "closed"}])
        self.assertEqual(self._error_name(response), "odoo.exceptions.ValidationError")
        response = self._call_kw(
            "crm.lead", "write", [lead.ids, {"pilot_forecast_choice": "closed"}]
        )
        self.assertIn("error", response)
        response = self._call_kw(
            "crm.lead", "write", [won.ids, {"pilot_forecast_choice": "commit"}]
        )
        self.assertEqual(self._error_name(response), "odoo.exceptions.ValidationError")
        lead.invalidate_recordset()
        won.invalidate_recordset()
        self.assertEqual((lead.forecast_category, won.forecast_category), ("omitted", "closed"))
        response = self._call_kw(
            "crm.lead", "read", [[lead.id, won.id], ["forecast_category", "pilot_forecast_choice"]]
        )
        self.assertEqual(
            [
                (row["forecast_category"], row["pilot_forecast_choice"])
                for row in response["result"]
            ],
            [("omitted", "omitted"), ("closed", False)],
        )
