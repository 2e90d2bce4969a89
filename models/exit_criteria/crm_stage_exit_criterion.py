# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models, tools

from ..rule_engine.definitions import ExitCriterionDefinition
from ..trust.base import SEQUENCE_BOUNDS


class CrmStageExitCriterion(models.Model):
    _name = "crm.stage.exit.criterion"
    _inherit = ["crm.pipeline.cache.mixin", "crm.pipeline.lead.rule.mixin"]
    _description = "Stage Exit Criterion"
    _order = "stage_id, sequence, id"
    _pilot_log_label = "exit criterion"
    _pilot_confirmed_field = "confirmed_criterion_ids"

    name = fields.Char(required=True, translate=True)
    description = fields.Text(
        translate=True,
        help="Shown as help in the checklist of the opportunity: what proves that "
        "the criterion is met.",
    )
    sequence = fields.Integer(default=10, pilot_bounds=SEQUENCE_BOUNDS)
    active = fields.Boolean(default=True)
    stage_id = fields.Many2one(
        "crm.stage",
        required=True,
        ondelete="cascade",
        index=True,
        help="The opportunity must meet this criterion to leave this stage forward.",
    )
    team_id = fields.Many2one(related="stage_id.team_id", string="Sales Team")

    def _pilot_rule_error(self, problem, reason=""):
        if problem == "no_field":
            return self.env._(
                'The exit criterion "%(name)s" checks a field: choose the field.', name=self.name
            )
        if problem == "other_model":
            return self.env._(
                'The exit criterion "%(name)s" must check a field of the opportunity.',
                name=self.name,
            )
        return self.env._(
            'The domain of the exit criterion "%(name)s" is invalid: %(error)s',
            name=self.name,
            error=reason,
        )

    @api.model
    @tools.ormcache()
    def _pilot_active_definitions(self):
        """Active criteria in checklist order: a tuple of
        ExitCriterionDefinition (one query, then cached)."""
        self.flush_model()
        self.env.cr.execute(
            """
            SELECT c.id, c.stage_id, c.criterion_type, f.name, c.domain
              FROM crm_stage_exit_criterion c
              JOIN crm_stage s ON s.id = c.stage_id
         LEFT JOIN ir_model_fields f ON f.id = c.field_id
             WHERE c.active
          ORDER BY s.sequence, s.id, c.sequence, c.id
            """
        )
        return tuple(ExitCriterionDefinition(*row) for row in self.env.cr.fetchall())

    @api.model
    def _pilot_ids_by_stage(self):
        """{stage id: [ids of its active criteria, in checklist order]} (cached)."""
        result = {}
        for definition in self._pilot_active_definitions():
            result.setdefault(definition.stage_id, []).append(definition.id)
        return result

    # ------------------------------------------------------------------
    # Evaluation
    # ------------------------------------------------------------------

    @api.model
    def _pilot_not_evaluable_note(self):
        """What the checklist and the refusal of a move say of a criterion
        that cannot be evaluated (see _pilot_satisfied_lead_ids)."""
        return self.env._("this criterion cannot be evaluated: ask your sales administrator")
