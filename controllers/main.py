# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import http

from odoo.addons.crm.controllers.main import CrmController
from odoo.addons.mail.controllers.mail import MailController


class PilotCrmController(CrmController):
    @http.route()
    def crm_lead_case_mark_lost(self, res_id, token):
        """The "mark as lost" link of the assignment email cannot give a loss
        reason: open the Lost dialog on the opportunity instead of failing."""
        comparison, record, redirect = MailController._check_token_and_record_or_redirect(
            "crm.lead", int(res_id), token
        )
        if not (comparison and record):
            return redirect
        if not record.active:
            return redirect
        return http.request.redirect(f"/odoo/crm.lead/{record.id}/action-crm.crm_lead_lost_action")
