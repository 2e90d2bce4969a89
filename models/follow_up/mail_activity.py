# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, create_index

# The follow-up run checks each lead of a batch for an open activity of the
# step (crm.lead._pilot_follow_up_eligible_ids): one index lookup per lead,
# on the step and the document. It replaces the index of the step alone
# (earlier versions), which PostgreSQL preferred when its statistics
# said a step had no activity yet, scanning all of them for each lead.
STEP_DOCUMENT_INDEX = "mail_activity_pilot_follow_up_step_res_id_index"
STEP_INDEX = "mail_activity__pilot_follow_up_step_id_index"


class MailActivity(models.Model):
    _inherit = "mail.activity"

    pilot_follow_up_step_id = fields.Many2one(
        "base.automation",
        string="Follow-up Step",
        readonly=True,
        ondelete="set null",
        # Set by the follow-up run only: a salesperson would turn a follow-up
        # into an activity they planned (a dated next action)
        pilot_maintained=True,
        help="Follow-up step (automation rule) that created this activity.",
    )

    def write(self, vals):
        if "automated" in vals and not self.env.su and self._pilot_follow_ups_unflagged(vals):
            raise AccessError(
                self.env._(
                    "An activity the application planned (a follow-up) stays automated: "
                    "mark it done or plan your own activity."
                )
            )
        return super().write(vals)

    def _pilot_follow_ups_unflagged(self, vals):
        """The follow-ups of self (activities of a follow-up step, automated
        activities of opportunities) whose automated flag ``vals`` changes."""
        return self.filtered(
            lambda activity: (
                activity.automated != bool(vals["automated"])
                and (
                    activity.pilot_follow_up_step_id
                    or (activity.automated and activity.res_model == "crm.lead")
                )
            )
        )

    def init(self):
        result = super().init()
        # Dropped with the column when the add-on is uninstalled.
        create_index(
            self.env.cr,
            STEP_DOCUMENT_INDEX,
            self._table,
            ["pilot_follow_up_step_id", "res_id"],
            where="pilot_follow_up_step_id IS NOT NULL",
        )
        self.env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(STEP_INDEX)))
        return result

    def _pilot_set_same_note(self, note):
        """Give all the activities of self the same note, sanitized once and
        written in one UPDATE: the ORM would sanitize it once per activity
        (twice, in fact), a quarter of the time of a follow-up run."""
        if not self or not note:
            return
        self.flush_recordset(["note"])
        value = self._fields["note"].convert_to_column(note, self[:1])
        self.env.cr.execute(
            SQL("UPDATE mail_activity SET note = %s WHERE id = ANY(%s)", value, self.ids)
        )
        self.invalidate_recordset(["note"])
        self.modified(["note"])

    def _action_done(self, feedback=False, attachment_ids=None):
        # Marking an activity done on an opportunity is an interaction.
        lead_ids = [activity.res_id for activity in self if activity.res_model == "crm.lead"]
        result = super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        leads = self.env["crm.lead"].browse(lead_ids)
        if leads and not leads._pilot_is_automated():
            leads._pilot_touch_interaction()
        return result
