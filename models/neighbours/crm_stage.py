# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Stages of the recommended pipeline next to OCA's stage add-ons.

- crm_stage_probability gives stages a probability and a switch ``on_change``
  (the stage sets its probability on the opportunities entering it), which
  its data turns on for Odoo's stages and its mass update requires on every
  stage it updates. A stage the recommended pipeline creates takes the switch
  of the pipeline it joins: on when every existing stage of that pipeline
  (else of the database) has it on, otherwise the field's default (off). Its
  probability is the field's default, as its own ``pilot_probability``.
- crm_stage_multi_team shares a stage between the teams of ``team_ids`` (no
  team: every team) and fills ``team_ids`` from ``team_id`` on a write only.
  A stage the recommended pipeline creates for a team is that team's in both
  fields, so that it does not appear in the other teams' pipelines.
  The recommended pipeline of a team joins the stages of its pipeline (a
  won stage shared with other teams is reused) but completes with criteria
  only the stages of that team alone: a stage it shares with other teams
  (``team_ids``) is left as it is, as a stage shared by all teams, and the
  team gets its own stage of that name; a stage whose ``team_id`` names the
  team but whose ``team_ids`` leave it out is another pipeline's.
  The gate of exit criteria skips the stages of other pipelines only: a stage
  is in the pipelines of its ``team_ids`` when it has some, else of its
  ``team_id``, else of every team; so a deal that skips a stage shared with
  its team meets that stage's criteria, whichever team the stage names in
  ``team_id``."""

from odoo import Command, api, models, tools
from odoo.tools import SQL


class CrmStage(models.Model):
    _inherit = "crm.stage"

    _pilot_cached_fields = ("sequence", "name", "is_won", "team_id", "team_ids")

    @tools.ormcache()
    def _pilot_ranks(self):
        ranks = super()._pilot_ranks()
        field = self._fields.get("team_ids")
        if not field or field.type != "many2many":
            return ranks
        self.flush_model(["team_ids"])
        stage, team = SQL.identifier(field.column1), SQL.identifier(field.column2)
        self.env.cr.execute(
            SQL(
                "SELECT %s, array_agg(%s ORDER BY %s) FROM %s GROUP BY %s",
                stage,
                team,
                team,
                SQL.identifier(field.relation),
                stage,
            )
        )
        shared = dict(self.env.cr.fetchall())
        # The teams working with the stages of a team of team_ids share them too.
        self.env["crm.team"].flush_model(["pilot_stage_team_id"])
        self.env.cr.execute(
            """SELECT pilot_stage_team_id, array_agg(id ORDER BY id) FROM crm_team
                WHERE pilot_stage_team_id IS NOT NULL GROUP BY pilot_stage_team_id"""
        )
        borrowers = dict(self.env.cr.fetchall())

        def pipelines(team_ids):
            return tuple(team_ids) + tuple(
                borrower for team in team_ids for borrower in borrowers.get(team, ())
            )

        return {
            stage_id: (rank, is_won, pipelines(shared[stage_id]) if stage_id in shared else teams)
            for stage_id, (rank, is_won, teams) in ranks.items()
        }

    def write(self, vals):
        result = super().write(vals)
        if "team_ids" in vals:  # crm_stage_multi_team adds it to vals during the write
            self.env.registry.clear_cache()
        return result

    @api.model
    def _pilot_recommended_scope(self, team):
        if "team_ids" not in self._fields:
            return super()._pilot_recommended_scope(team)
        if not team:
            return self.search([("team_ids", "=", False), ("team_id", "=", False)])
        # The stages of the team's pipeline: in its team_ids, else (no
        # team_ids) its team's or every team's.
        stages = self.search(
            [
                "|",
                ("team_ids", "in", team.ids),
                "&",
                ("team_ids", "=", False),
                ("team_id", "in", [team.id, False]),
            ]
        )
        if team.pilot_own_stages_only:
            return stages.filtered(lambda stage: stage._pilot_is_own_stage_of(team))
        return stages

    def _pilot_is_own_stage_of(self, team):
        if "team_ids" in self._fields and self.team_ids:
            return self.team_ids == team
        return super()._pilot_is_own_stage_of(team)

    @api.model
    def _pilot_recommended_stage_values(self, team, scope_stages):
        values = super()._pilot_recommended_stage_values(team, scope_stages)
        if "on_change" in self._fields:
            pipeline = scope_stages or self.search([], limit=1)
            scope = [("id", "in", scope_stages.ids)] if scope_stages else []
            if pipeline and not self.search_count([*scope, ("on_change", "=", False)], limit=1):
                values["on_change"] = True
        if "team_ids" in self._fields and team:
            values["team_ids"] = [Command.set(team.ids)]
        return values
