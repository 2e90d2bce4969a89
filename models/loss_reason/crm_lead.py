# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Mandatory loss reasons and closing notes (design 1.3)."""

from odoo import fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.sql import column_exists

from ..crm_lead import format_record_names
from ..trust.base import is_blank

# The fields whose change can leave a lead lost without its reason or note
LOSS_FIELDS = {"active", "type", "lost_reason_id", "pilot_lost_feedback"}
# What action_set_lost writes with the archive
LOST_VALUES = ("lost_reason_id", "pilot_lost_feedback")


class CrmLead(models.Model):
    _inherit = "crm.lead"

    pilot_lost_feedback = fields.Html(
        string="Closing Note",
        sanitize=True,
        copy=False,
        help="What happened, given when the opportunity was marked as lost; required by "
        "the loss reasons that ask for a closing note.",
    )
    pilot_was_opportunity = fields.Boolean(
        string="Was an Opportunity",
        readonly=True,
        copy=False,
        pilot_maintained=True,
        help="Set by the application once the lead has been an opportunity: switched back "
        "to a lead, it is still lost only with a loss reason.",
    )

    def _auto_init(self):
        # Added to a database with opportunities: they have been opportunities.
        created = not column_exists(self.env.cr, self._table, "pilot_was_opportunity")
        result = super()._auto_init()
        if created:
            self.env.cr.execute(
                SQL("UPDATE crm_lead SET pilot_was_opportunity = TRUE WHERE type = 'opportunity'")
            )
        return result

    def _pilot_write_vals(self, vals, state):
        return self._pilot_loss_reason_vals(super()._pilot_write_vals(vals, state))

    def _pilot_after_create(self, vals_list):
        result = super()._pilot_after_create(vals_list)
        self._pilot_mark_opportunities()
        self._pilot_check_lost_have_reason()
        return result

    def _pilot_after_write(self, vals, state):
        result = super()._pilot_after_write(vals, state)
        if vals.keys() & LOSS_FIELDS:
            self._pilot_mark_opportunities()
            self._pilot_check_lost_have_reason()
        return result

    def _pilot_mark_opportunities(self):
        """Record, once and for good, that the opportunities of self have been
        opportunities (a maintained field: written by the application only)."""
        new = self.filtered(
            lambda lead: lead.id and lead.type == "opportunity" and not lead.pilot_was_opportunity
        )
        if new:
            self.env.cr.execute(
                SQL(
                    "UPDATE crm_lead SET pilot_was_opportunity = TRUE WHERE id IN %s",
                    tuple(new.ids),
                )
            )
            new.invalidate_recordset(["pilot_was_opportunity"], flush=False)

    def _pilot_loss_reason_vals(self, vals):
        """Write step: archiving (marking lost) needs a loss reason; restoring
        a lost lead clears its reason and closing note, whatever the path.
        Returns ``vals``."""
        if "active" in vals and not vals["active"]:
            # Archived by action_set_lost: with its reason and note.
            given = self.env.context.get("pilot_lost_values")
            if isinstance(given, dict):
                vals = {
                    **{key: given[key] for key in LOST_VALUES if key in given},
                    **vals,
                }
        note = vals.get("pilot_lost_feedback")
        if note is not None and note is not False and not isinstance(note, str):
            raise ValidationError(self.env._("The closing note is a text."))
        if not self.env.su:
            self._pilot_check_loss_reason_usable(vals)
        if "active" in vals and not vals["active"]:
            self._pilot_check_loss_reason(vals.get("lost_reason_id"))
        elif vals.get("active") and not all(self.mapped("active")):
            restored = {"lost_reason_id": False, "pilot_lost_feedback": False}
            vals = {**restored, **vals}
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
        reason where one is required: every opportunity, every lead that has
        been an opportunity, and the other leads unless their company allows
        archiving junk leads without reason."""
        return self.filtered(
            lambda lead: (
                not lead.lost_reason_id
                and not (
                    lead.type == "lead"
                    and not lead.pilot_was_opportunity
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
        """After a creation or a write of ``active``, ``type``,
        ``lost_reason_id`` or the closing note: no lost record without its
        required reason, nor without the closing note its reason requires,
        whatever the path (created archived, copied, imported, reason or note
        cleared, archived as a lead then switched to an opportunity)."""
        lost = self.filtered(lambda lead: not lead.active)
        missing = lost._pilot_lost_without_reason()
        if missing:
            raise missing._pilot_loss_reason_error()
        without_note = lost.filtered(
            lambda lead: (
                lead.lost_reason_id.sudo().require_feedback and is_blank(lead.pilot_lost_feedback)
            )
        )
        if without_note:
            raise UserError(
                self.env._(
                    'The loss reason "%(reason)s" requires a closing note: explain what '
                    "happened for: %(leads)s.",
                    reason=without_note[0].lost_reason_id.sudo().name,
                    leads=format_record_names(without_note),
                )
            )

    def action_set_lost(self, **additional_values):
        self.check_access("write")
        reason_id = additional_values.get("lost_reason_id")
        self._pilot_check_loss_reason(reason_id)
        if not reason_id:
            return super().action_set_lost(**additional_values)
        # The reason and its closing note (given, or typed in the Lost dialog)
        # are written with the archive, so that it sees them (see
        # _pilot_loss_reason_vals).
        values = {"lost_reason_id": reason_id}
        note = additional_values.get(
            "pilot_lost_feedback", self.env.context.get("pilot_lost_feedback")
        )
        if note:
            values["pilot_lost_feedback"] = note
        return super(CrmLead, self.with_context(pilot_lost_values=values)).action_set_lost(
            **{**values, **additional_values}
        )
