# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Mandatory loss reasons (design 1.3)."""

from odoo import models
from odoo.exceptions import UserError

from ..crm_lead import format_record_names


class CrmLead(models.Model):
    _inherit = "crm.lead"

    def _pilot_write_vals(self, vals, state):
        return self._pilot_loss_reason_vals(super()._pilot_write_vals(vals, state))

    def _pilot_after_create(self, vals_list):
        result = super()._pilot_after_create(vals_list)
        self._pilot_check_lost_have_reason()
        return result

    def _pilot_after_write(self, vals, state):
        result = super()._pilot_after_write(vals, state)
        if vals.keys() & {"active", "type", "lost_reason_id"}:
            self._pilot_check_lost_have_reason()
        return result

    def _pilot_loss_reason_vals(self, vals):
        """Write step: archiving (marking lost) needs a loss reason; restoring
        a lost lead clears its reason, whatever the path. Returns ``vals``."""
        if not self.env.su:
            self._pilot_check_loss_reason_usable(vals)
        if "active" in vals and not vals["active"]:
            self._pilot_check_loss_reason(vals.get("lost_reason_id"))
        elif vals.get("active") and "lost_reason_id" not in vals and not all(self.mapped("active")):
            vals = dict(vals, lost_reason_id=False)
        return vals

    def _pilot_check_loss_reason_usable(self, vals):
        """An archived loss reason is not given any more; a lost opportunity
        is restored before it is won (never won and lost at once)."""
        reason = vals.get("lost_reason_id") or self.env["crm.lost.reason"]
        # Odoo's merge writes the reason as a record, the other paths as an id.
        if not isinstance(reason, models.BaseModel):
            reason = self.env["crm.lost.reason"].browse(reason)
        if reason.exists() and not reason.active:
            raise UserError(
                self.env._(
                    "The loss reason %(reason)s is archived: choose another one.",
                    reason=reason.sudo().name,
                )
            )
        stage = self.env["crm.stage"].browse(vals.get("stage_id") or [])
        if stage and stage.is_won and not vals.get("active"):
            lost = self.filtered(lambda lead: not lead.active and lead.lost_reason_id)
            if lost:
                raise UserError(
                    self.env._(
                        "A lost opportunity is restored before it is won: %(names)s.",
                        names=format_record_names(lost),
                    )
                )

    def _pilot_lost_without_reason(self):
        """The leads of self that would be lost (archived) without a loss
        reason where one is required: every opportunity, and plain leads
        unless their company allows archiving junk leads without reason."""
        return self.filtered(
            lambda lead: (
                not lead.lost_reason_id
                and not (
                    lead.type == "lead"
                    and (
                        lead.company_id or self.env.company
                    ).pilot_allow_lead_archive_without_reason
                )
            )
        )

    def _pilot_loss_reason_error(self):
        return UserError(
            self.env._(
                "An opportunity can only be marked as lost with a loss reason. "
                'Use the "Lost" button and choose a reason for: %(leads)s.',
                leads=format_record_names(self),
            )
        )

    def _pilot_check_loss_reason(self, lost_reason_id=False):
        """Before archiving (marking lost): refuse without a loss reason."""
        if lost_reason_id:
            return
        missing = self.filtered("active")._pilot_lost_without_reason()
        if missing:
            raise missing._pilot_loss_reason_error()

    def _pilot_check_lost_have_reason(self):
        """After a creation or a write of ``active``, ``type`` or
        ``lost_reason_id``: no lost record without its required reason,
        whatever the path (created archived, copied, imported, reason cleared,
        archived as a lead then switched to an opportunity)."""
        missing = self.filtered(lambda lead: not lead.active)._pilot_lost_without_reason()
        if missing:
            raise missing._pilot_loss_reason_error()

    def action_set_lost(self, **additional_values):
        reason_id = additional_values.get("lost_reason_id")
        self._pilot_check_loss_reason(reason_id)
        if reason_id:
            # Set the reason before archiving, so that the archive sees it.
            self.filtered("active").write({"lost_reason_id": reason_id})
        return super().action_set_lost(**additional_values)
