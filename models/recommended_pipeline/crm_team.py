# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A sales team may work with its own stages only."""

from odoo import fields, models


class CrmTeam(models.Model):
    _inherit = "crm.team"

    pilot_own_stages_only = fields.Boolean(
        string="Own Stages Only",
        help="The pipeline of this team shows its own stages only: the stages shared "
        "by all the teams are left out of its kanban and status bar, and its new "
        "opportunities start in its first stage. Applying the recommended pipeline "
        "to the team then creates all five stages for the team, Won included. The "
        "shared stages are neither renamed nor deleted, and an opportunity of the "
        "team still in a shared stage stays visible.",
    )

    def _pilot_stage_domain(self):
        """Domain of the stages shown in the pipeline of these teams (or of
        no team): a team working with its own stages only, which has some,
        sees them only; the other teams also see the shared stages."""
        teams = self.sudo()
        if not teams:
            return [("team_id", "=", False)]
        own_only = teams.filtered("pilot_own_stages_only")
        if own_only and own_only == teams:
            with_stages = (
                self.env["crm.stage"]
                .sudo()
                ._read_group([("team_id", "in", teams.ids)], ["team_id"])
            )
            if len(with_stages) == len(teams):
                return [("team_id", "in", teams.ids)]
        return ["|", ("team_id", "=", False), ("team_id", "in", teams.ids)]
