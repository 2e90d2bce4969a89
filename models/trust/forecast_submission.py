# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Forecast submissions nobody forges: a forecast is created as a draft and
first submitted by its salesperson (a sales manager submits it again after
reopening it); a forecast reopened by a sales manager, whose changes are
traced, is deleted by a sales manager only."""

from odoo import api, models
from odoo.exceptions import UserError


class CrmForecastSubmission(models.Model):
    _inherit = "crm.forecast.submission"

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            default = self.env.context.get("default_state")
            if any((vals.get("state", default) or "draft") != "draft" for vals in vals_list):
                raise UserError(
                    self.env._(
                        "A forecast is created as a draft: its salesperson submits it with "
                        "the Submit button."
                    )
                )
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("state") == "submitted" and not self.env.su:
            others = self.filtered(
                lambda s: s.state == "draft" and s.user_id != self.env.user and not s.reopened
            )
            if others:
                raise UserError(
                    self.env._(
                        "Only %(user)s submits their forecast; a sales manager submits it "
                        "again after reopening it.",
                        user=others[0].user_id.name,
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_reopened(self):
        if not self._is_manager() and any(s.reopened for s in self):
            raise UserError(
                self.env._(
                    "This forecast was reopened by a sales manager and its changes are "
                    "traced: only a sales manager deletes it."
                )
            )
