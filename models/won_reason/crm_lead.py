# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Won reasons: why a deal was won, required per team when configured."""

from odoo import fields, models
from odoo.exceptions import UserError

from ..crm_lead import format_record_names


class CrmLead(models.Model):
    _inherit = "crm.lead"

    pilot_won_reason_id = fields.Many2one(
        "crm.won.reason",
        string="Won Reason",
        index="btree_not_null",
        ondelete="restrict",
        tracking=True,
        copy=False,
    )

    def _pilot_write_vals(self, vals, state):
        return self._pilot_won_reason_vals(super()._pilot_write_vals(vals, state))

    def _pilot_after_create(self, vals_list):
        result = super()._pilot_after_create(vals_list)
        self._pilot_check_won_have_reason()
        self._pilot_check_one_outcome()
        return result

    def _pilot_after_write(self, vals, state):
        result = super()._pilot_after_write(vals, state)
        if vals.keys() & {"stage_id", "pilot_won_reason_id", "team_id", "active", "type"}:
            self._pilot_check_won_have_reason()
        if vals.keys() & {"stage_id", "pilot_won_reason_id", "lost_reason_id", "active"}:
            self._pilot_check_one_outcome()
        return result

    def _pilot_won_reason_vals(self, vals):
        """Write step: a deal carries the reason of its outcome only. Moving
        back out of a won stage, or marking a deal lost, clears its won reason
        (as restoring a lost lead clears its loss reason); moving an open deal
        into a won stage clears the loss reason Odoo leaves on a deal set to
        0 %. Returns ``vals``."""
        if "pilot_won_reason_id" not in vals and any(self.mapped("pilot_won_reason_id")):
            stage = self.env["crm.stage"].browse(vals.get("stage_id") or [])
            if (stage and not stage.is_won) or ("active" in vals and not vals["active"]):
                vals = dict(vals, pilot_won_reason_id=False)
        if (
            "lost_reason_id" not in vals
            and vals.get("stage_id")
            and self.env["crm.stage"].browse(vals["stage_id"]).is_won
            and any(lead.active and lead.lost_reason_id for lead in self)
        ):
            vals = dict(vals, lost_reason_id=False)
        return vals

    def _pilot_check_one_outcome(self):
        """After a creation or a write: never a loss reason and a won reason
        on the same deal, nor a loss reason on a won deal, whatever the path."""
        both = self.filtered(lambda lead: lead.lost_reason_id and lead.pilot_won_reason_id)
        if both:
            raise UserError(
                self.env._(
                    "An opportunity carries a loss reason or a won reason, never both: %(leads)s.",
                    leads=format_record_names(both),
                )
            )
        won_lost = self.filtered(
            lambda lead: lead.active and lead.stage_id.is_won and lead.lost_reason_id
        )
        if won_lost:
            raise UserError(
                self.env._(
                    "A won opportunity carries no loss reason: %(leads)s.",
                    leads=format_record_names(won_lost),
                )
            )

    def _pilot_check_won_have_reason(self):
        """After a creation or a write that can make or keep a deal won: no
        won opportunity without its reason where its team requires one,
        whatever the path (Won button, stage move, mass edit, import, RPC,
        automation rule)."""
        missing = self.filtered(
            lambda lead: (
                lead.type == "opportunity"
                and lead.active
                and lead.stage_id.is_won
                and lead.team_id.pilot_won_reason_required
                and not lead.pilot_won_reason_id
            )
        )
        if missing:
            raise UserError(
                self.env._(
                    "A won reason is required by the sales team to mark an opportunity as "
                    'won. Use the "Won" button and choose a reason for: %(leads)s.',
                    leads=format_record_names(missing),
                )
            )

    def action_set_won_rainbowman(self):
        # The Won button: ask the reason first when the team requires one.
        self.ensure_one()
        if self.team_id.pilot_won_reason_required and not self.pilot_won_reason_id:
            return {
                "type": "ir.actions.act_window",
                "name": self.env._("Mark as Won"),
                "res_model": "crm.lead.pilot.won",
                "view_mode": "form",
                "target": "new",
                "context": {"default_lead_ids": self.ids},
            }
        return super().action_set_won_rainbowman()
