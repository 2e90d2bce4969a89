# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Demo data: a target for every month of the history (see crm_lead.py)."""

from dateutil.relativedelta import relativedelta

from odoo import api, models


class CrmPipelineTarget(models.Model):
    _inherit = "crm.pipeline.target"

    @api.model
    def _pilot_demo_targets(self, teams, now, months):
        """A target for every month of the history, and the current one, for
        each demo team (a month that already has one keeps it)."""
        first = now.date().replace(day=1)
        values = []
        for team_index, team in enumerate(teams, start=1):
            for back in range(months, -1, -1):
                month = first - relativedelta(months=back)
                if self.search_count(
                    [("team_id", "=", team.id), ("user_id", "=", False), ("month", "=", month)]
                ):
                    continue
                values.append(
                    {
                        "team_id": team.id,
                        "month": month,
                        "revenue_target": 40000 + 10000 * team_index + 2000 * (months - back),
                        "deal_size_target": 15000,
                    }
                )
        self.create(values)
