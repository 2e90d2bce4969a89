# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The stages, salespeople and teams of the forecast tests."""

from .common import PilotCommon, new_pilot_user


class ForecastCommon(PilotCommon):
    """Stages with each default category, a second salesperson of the team and
    a salesperson leading a team of their own (not a sales manager)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Stage = cls.env["crm.stage"]
        cls.s_pipeline = Stage.create({"name": "FC Qualified", "sequence": 201})
        cls.s_best = Stage.create(
            {"name": "FC Proposal", "sequence": 202, "pilot_forecast_category": "best_case"}
        )
        cls.s_commit = Stage.create(
            {"name": "FC Negotiation", "sequence": 203, "pilot_forecast_category": "commit"}
        )
        cls.s_won = Stage.create({"name": "FC Won", "sequence": 204, "is_won": True})
        cls.salesman_2 = new_pilot_user(
            cls.env, "pilot_fc_salesman_2", name="Sue Second", email="sue@example.com"
        )
        # Sue sells in both teams: several teams per salesperson.
        cls.env["ir.config_parameter"].set_param("sales_team.membership_multi", True)
        cls.team.member_ids = [(4, cls.salesman_2.id)]
        cls.leader = new_pilot_user(
            cls.env, "pilot_fc_leader", name="Leo Leader", email="leo@example.com"
        )
        cls.team_led = cls.env["crm.team"].create(
            {
                "name": "FC Led Team",
                "user_id": cls.leader.id,
                "member_ids": [(6, 0, [cls.salesman_2.id])],
            }
        )

    @classmethod
    def _won(cls, name, revenue, closed_on, **values):
        """An opportunity won on ``closed_on`` (the add-on's won: active, won stage)."""
        lead = cls._opportunity(name, stage_id=cls.s_won.id, expected_revenue=revenue, **values)
        lead.date_closed = f"{closed_on} 12:00:00"
        return lead
