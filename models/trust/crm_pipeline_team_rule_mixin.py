# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The company of the rules a sales team may have of its own (qualification
and next-action rules): the company of the team, or, for a default without a
team, the company whose opportunities it applies to."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmPipelineTeamRuleMixin(models.AbstractModel):
    _name = "crm.pipeline.team.rule.mixin"
    _description = "Rule of a Sales Team, in its Company"

    company_id = fields.Many2one(
        "res.company",
        compute="_compute_company_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        help="The company of the sales team; for a default, the company whose "
        "opportunities it applies to (empty: every company, set by administrators).",
    )

    @api.depends("team_id")
    def _compute_company_id(self):
        # A new default belongs to the current company; an existing one keeps
        # its company (none for the rules of before: shared, as they were).
        for rule in self:
            if rule.team_id:
                rule.company_id = rule.team_id.company_id
            elif not rule.id and not rule.company_id:
                rule.company_id = self.env.company

    @api.constrains("team_id", "company_id")
    def _check_company_of_team(self):
        for rule in self:
            if rule.team_id.company_id and rule.company_id != rule.team_id.company_id:
                raise ValidationError(rule._pilot_company_of_team_message())

    def _pilot_company_of_team_message(self):
        """The refusal of a rule whose company is not its team's (one rule)."""
        raise NotImplementedError
