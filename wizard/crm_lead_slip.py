# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The slip reason dialog: asked by the web client when a write pushes the
expected closing date out of the current month without a slip reason (a drag
in the Forecast kanban, a list edit, a form); it writes the new date again,
with the reason, through the same rule."""

from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date
from odoo.tools.mail import is_html_empty
from odoo.tools.misc import clean_context


class CrmLeadSlip(models.TransientModel):
    _name = "crm.lead.slip"
    _description = "Push the Expected Closing Date"

    lead_ids = fields.Many2many("crm.lead", string="Opportunities")
    date_deadline = fields.Date(
        string="New Expected Closing",
        help="The date the opportunities are pushed to (empty: the date is removed).",
    )
    slip_reason_id = fields.Many2one("crm.slip.reason")
    note = fields.Html(sanitize=True)

    def action_apply(self):
        """Write the new date with the slip reason, in one write, as the user:
        the rule of the expected closing dates applies and the history keeps
        the reason. The note, if any, is logged on each opportunity."""
        self.ensure_one()
        if not self.slip_reason_id:
            raise UserError(self.env._("Choose a slip reason to push the expected closing date."))
        if not self.lead_ids:
            raise UserError(self.env._("There is no opportunity to push."))
        # The dialog's context holds default_* values for the wizard: none of
        # them must reach what the write creates.
        leads = self.lead_ids.with_env(self.env(context=clean_context(self.env.context)))
        leads.write({"date_deadline": self.date_deadline, "slip_reason_id": self.slip_reason_id.id})
        if not is_html_empty(self.note):
            date = (
                format_date(self.env, self.date_deadline)
                if self.date_deadline
                else self.env._("no date")
            )
            heading = self.env._(
                "Expected closing date pushed to %(date)s (slip reason: %(reason)s)",
                date=date,
                reason=self.slip_reason_id.name,
            )
            body = Markup("<p>%s</p>%s") % (heading, self.note)
            for lead in leads:
                lead.message_post(body=body, subtype_xmlid="mail.mt_note")
        return {"type": "ir.actions.act_window_close", "infos": {"pilot_slipped": True}}
