# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..models.crm_lead import TRUSTED
from ..models.trust.base import is_blank

BYPASS_GROUP = "crm_pipeline_pilot.group_exit_criteria_bypass"


class CrmStageExitBypass(models.TransientModel):
    _name = "crm.stage.exit.bypass"
    _description = "Bypass of Stage Exit Criteria"

    lead_ids = fields.Many2many("crm.lead", string="Opportunities", required=True)
    stage_id = fields.Many2one(
        "crm.stage",
        string="Move to Stage",
        required=True,
        help="The stage the opportunities are moved to, whatever their exit criteria.",
    )
    allowed_stage_ids = fields.Many2many(
        "crm.stage",
        string="Stages Offered",
        compute="_compute_allowed_stage_ids",
        help="The stages of the pipelines of the opportunities' teams.",
    )
    missing_criteria = fields.Text(
        string="Missing Exit Criteria",
        compute="_compute_missing_criteria",
    )
    justification = fields.Text(
        required=True,
        help="Why the exit criteria are bypassed; logged in the chatter of each opportunity.",
    )

    @api.depends("lead_ids.team_id")
    def _compute_allowed_stage_ids(self):
        Stage = self.env["crm.stage"]
        for wizard in self:
            teams = wizard.lead_ids.team_id
            domain = [("pilot_pipeline_team_id", "in", teams.ids)] if teams else []
            stages = Stage.search(domain or [("team_id", "=", False)])
            if teams and not all(wizard.lead_ids.mapped("team_id")):
                stages |= Stage.search([("team_id", "=", False)])
            wizard.allowed_stage_ids = stages

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if (
            "lead_ids" in fields_list
            and not values.get("lead_ids")
            and self.env.context.get("active_model") == "crm.lead"
        ):
            values["lead_ids"] = [(6, 0, self.env.context.get("active_ids") or [])]
        return values

    @api.model
    def _pilot_check_bypass_group(self):
        if not self.env.user.has_group(BYPASS_GROUP):
            raise AccessError(
                self.env._(
                    "Only members of the group “Bypass stage exit criteria” can force "
                    "a stage change."
                )
            )

    @api.model
    def _pilot_open_for(self, leads):
        self._pilot_check_bypass_group()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Bypass Exit Criteria"),
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": {"default_lead_ids": [(6, 0, leads.ids)]},
        }

    @api.depends("lead_ids", "stage_id")
    def _compute_missing_criteria(self):
        Lead = self.env["crm.lead"]
        for wizard in self:
            wizard.missing_criteria = False
            if not wizard.stage_id or not wizard.lead_ids:
                continue
            stages_by_lead = wizard.lead_ids._origin._pilot_stages_to_exit_by_lead(
                {"stage_id": wizard.stage_id.id}
            )
            missing = Lead._pilot_missing_exit_criteria(stages_by_lead)
            if missing:
                wizard.missing_criteria = str(
                    Lead._pilot_exit_criteria_error(missing, wizard.stage_id).args[0]
                )

    def action_confirm(self):
        """Move the opportunities whatever their exit criteria, and log the
        justification in their chatter. Members of the bypass group only."""
        self.ensure_one()
        self._pilot_check_bypass_group()
        justification = (self.justification or "").strip()
        if is_blank(justification):
            raise UserError(self.env._("A justification is required to bypass exit criteria."))
        leads = self.lead_ids
        leads.check_access("write")
        if self.stage_id not in self.allowed_stage_ids:
            # The form offers these stages only; a client may send any other.
            raise UserError(
                self.env._(
                    "The stage %(stage)s is not in the pipeline of these opportunities' "
                    "sales teams: choose one of their stages.",
                    stage=self.stage_id.display_name,
                )
            )
        previous = {lead.id: lead.stage_id.display_name for lead in leads}
        # The gate honours its skip key only from trusted code in a superuser
        # environment: an RPC caller can never reach it; sudo() keeps the
        # current user as author.
        leads.sudo().with_context(pilot_skip_exit_criteria=TRUSTED).write(
            {"stage_id": self.stage_id.id}
        )
        bodies = {
            lead.id: Markup("<p><b>%s</b></p><p>%s → %s</p><p>%s</p>")
            % (
                self.env._("Exit criteria bypassed"),
                previous[lead.id] or "",
                self.stage_id.display_name,
                self.env._("Justification: %(text)s", text=justification),
            )
            for lead in leads
        }
        leads._message_log_batch(bodies=bodies)
        return {"type": "ir.actions.act_window_close"}
