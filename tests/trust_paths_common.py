# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The companies, teams, salespeople and stages of the trust paths tried
over JSON-RPC."""

from odoo.tests import HttpCase

from ..models.crm_lead import company_today
from .common import SALES_MANAGER, PilotRpcMixin, new_pilot_user

SUBMISSION = "crm.forecast.submission"


class TrustPathsCommon(PilotRpcMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["crm.stage.exit.criterion"].search([]).active = False
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Trust Company B"})

        def user(login, groups=None, companies=(cls.company_a,)):
            return new_pilot_user(
                cls.env,
                login,
                name=login,
                email=f"{login}@example.com",
                company_id=companies[0].id,
                company_ids=[(6, 0, [company.id for company in companies])],
                **({"groups": groups} if groups else {}),
            )

        cls.sam = user("pilot_tp_sam")
        cls.lea = user("pilot_tp_lea")  # leads the team, read access to its forecasts
        cls.olga = user("pilot_tp_olga")  # member of another team only
        cls.mia = user("pilot_tp_mia", SALES_MANAGER)
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Trust Team",
                "company_id": cls.company_a.id,
                "user_id": cls.lea.id,
                "member_ids": [(6, 0, [cls.sam.id])],
                "pilot_won_reason_required": True,
            }
        )
        cls.team_other = cls.env["crm.team"].create(
            {
                "name": "Trust Other Team",
                "company_id": cls.company_a.id,
                "member_ids": [(6, 0, [cls.olga.id])],
            }
        )
        cls.team_b = cls.env["crm.team"].create(
            {"name": "Trust Team B", "company_id": cls.company_b.id}
        )
        Stage = cls.env["crm.stage"]
        cls.stage = Stage.create({"name": "Trust Qualified", "sequence": -50})
        cls.stage_commit = Stage.create(
            {"name": "Trust Commit", "sequence": -49, "pilot_forecast_category": "commit"}
        )
        cls.stage_won = Stage.create({"name": "Trust Won", "sequence": -48, "is_won": True})
        cls.reason = cls.env.ref("crm_pipeline_pilot.slip_reason_customer_postponed")
        cls.won_reason = cls.env["crm.won.reason"].create({"name": "Trust: best price"})
        cls.today = company_today(cls.company_a)

    def _deal(self, name, **values):
        vals = {
            "name": name,
            "type": "opportunity",
            "user_id": self.sam.id,
            "team_id": self.team.id,
            "stage_id": self.stage.id,
        }
        vals.update(values)
        return self.env["crm.lead"].create(vals)

    def _submission(self, user, team=None, **values):
        return (
            self.env[SUBMISSION]
            .with_user(user)
            .create({"team_id": (team or self.team).id, **values})
        )
