# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A sales team may work with its own stages only, or with the stages of
another team (one pipeline for several teams, without the stages shared by
all teams)."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError


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
    pilot_stage_team_id = fields.Many2one(
        "crm.team",
        string="Works with the Stages of",
        ondelete="set null",
        check_company=True,
        help="This team works with the stages of that team, and with those only: "
        "one pipeline for several teams (a manager of both sees one board, one Won "
        "column). Applying the recommended pipeline to this team completes that "
        "team's stages.",
    )

    @api.constrains("pilot_stage_team_id")
    def _check_pilot_stage_team_id(self):
        for team in self.filtered("pilot_stage_team_id"):
            owner = team.pilot_stage_team_id
            if owner == team or owner.pilot_stage_team_id:
                raise ValidationError(
                    self.env._(
                        "The team %(team)s cannot work with the stages of %(other)s: "
                        "choose a team that works with its own stages.",
                        team=team.name,
                        other=owner.name,
                    )
                )
            if self.search_count([("pilot_stage_team_id", "=", team.id)], limit=1):
                raise ValidationError(
                    self.env._(
                        "Other teams work with the stages of %(team)s: it cannot work "
                        "with the stages of another team.",
                        team=team.name,
                    )
                )

    def write(self, vals):
        if "pilot_stage_team_id" in vals:
            # The gate's cached stage ranks name the teams of each stage.
            self.env.registry.clear_cache()
        return super().write(vals)

    def _pilot_stage_owners(self):
        """The teams whose stages these teams work with (each team itself, or
        the team it takes its stages from)."""
        return self.sudo().pilot_stage_team_id | self.sudo().filtered(
            lambda team: not team.pilot_stage_team_id
        )

    def _pilot_stage_domain(self):
        """Domain of the stages shown in the pipeline of these teams (or of
        no team): a team working with its own stages only, which has some,
        sees them only; a team working with the stages of another team sees
        that team's; the other teams also see the shared stages."""
        teams = self.sudo()
        if not teams:
            return [("team_id", "=", False)]
        owners = teams._pilot_stage_owners()
        if all(team.pilot_own_stages_only or team.pilot_stage_team_id for team in teams):
            with_stages = (
                self.env["crm.stage"]
                .sudo()
                ._read_group([("team_id", "in", owners.ids)], ["team_id"])
            )
            if len(with_stages) == len(owners):
                return [("team_id", "in", owners.ids)]
        return ["|", ("team_id", "=", False), ("team_id", "in", (teams | owners).ids)]
