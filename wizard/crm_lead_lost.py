# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools.mail import is_html_empty

from ..models.trust.base import is_blank


class CrmLeadLost(models.TransientModel):
    _inherit = "crm.lead.lost"

    pilot_require_feedback = fields.Boolean(related="lost_reason_id.require_feedback")

    def action_lost_reason_apply(self):
        self.ensure_one()
        if not self.lost_reason_id:
            raise UserError(self.env._("Choose a loss reason to mark the opportunity as lost."))
        if self.lost_reason_id.require_feedback and (
            is_html_empty(self.lost_feedback) or is_blank(self.lost_feedback)
        ):
            raise UserError(
                self.env._(
                    'The loss reason "%(reason)s" requires a closing note: explain what happened.',
                    reason=self.lost_reason_id.name,
                )
            )
        # The note goes on the opportunities with their reason (see action_set_lost).
        return super(
            CrmLeadLost, self.with_context(pilot_lost_feedback=self.lost_feedback or False)
        ).action_lost_reason_apply()
