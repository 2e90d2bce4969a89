# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Stage exit criteria: the criteria of a stage, and the stage order the
gate ranks moves by, kept in the registry cache."""

from odoo import api, fields, models, tools


class CrmStage(models.Model):
    _name = "crm.stage"
    _inherit = ["crm.stage", "crm.pipeline.cache.mixin"]
    # The cached ranks read these fields: changing them clears the cache.
    _pilot_cached_fields = ("sequence", "name", "is_won", "team_id")

    exit_criterion_ids = fields.One2many(
        "crm.stage.exit.criterion",
        "stage_id",
        string="Exit Criteria",
        help="What objectively proves that an opportunity may leave this stage "
        "forward. Every active criterion is required to move an opportunity to a "
        "later stage.",
    )
    exit_criteria_count = fields.Integer(compute="_compute_exit_criteria_count")

    @api.depends("exit_criterion_ids")
    def _compute_exit_criteria_count(self):
        for stage in self:
            stage.exit_criteria_count = len(stage.exit_criterion_ids)

    # Stage order of the exit criteria gate, in the registry cache

    @api.model
    @tools.ormcache()
    def _pilot_ranks(self):
        """All stages as {stage_id: (rank, is_won, team_ids)}, in the order of
        the pipeline: Odoo orders stages by sequence, name and id, so stages
        with equal sequences are ranked by name (in English) and id, exactly
        as the kanban shows them (one query, then cached: callers must not
        modify it). ``team_ids`` is the tuple of the teams whose pipeline has
        the stage, empty for every team: its team and the teams working with
        its team's stages here (models/neighbours/ for the stages shared by
        several teams)."""
        self.flush_model(["sequence", "name", "is_won", "team_id"])
        self.env["crm.team"].flush_model(["pilot_stage_team_id"])
        # A stage of a team is also in the pipelines of the teams working
        # with that team's stages (models/recommended_pipeline/crm_team.py).
        self.env.cr.execute(
            """
            SELECT s.id, s.is_won, s.team_id,
                   ARRAY(SELECT t.id FROM crm_team t
                          WHERE s.team_id IS NOT NULL AND t.pilot_stage_team_id = s.team_id
                          ORDER BY t.id)
              FROM crm_stage s
             ORDER BY s.sequence, s.name->>'en_US', s.id
            """
        )
        return {
            stage_id: (rank, bool(is_won), (team_id, *borrowers) if team_id else ())
            for rank, (stage_id, is_won, team_id, borrowers) in enumerate(self.env.cr.fetchall())
        }
