# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The trace of a reopened forecast submission: who changed which field,
when, from which value to which."""

from odoo import api, fields, models


class CrmForecastSubmissionChange(models.Model):
    _name = "crm.forecast.submission.change"
    _description = "Forecast Submission Change"
    _order = "date desc, id desc"
    _rec_name = "field_name"

    submission_id = fields.Many2one(
        "crm.forecast.submission", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="submission_id.company_id", store=True, index=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    changed_by_id = fields.Many2one("res.users", readonly=True)
    field_name = fields.Char(required=True, readonly=True)
    field_label = fields.Char(string="Field", compute="_compute_field_label")
    old_value = fields.Char(string="Before", readonly=True)
    new_value = fields.Char(string="After", readonly=True)

    @api.depends("field_name")
    @api.depends_context("lang")
    def _compute_field_label(self):
        Submission = self.env["crm.forecast.submission"]
        for change in self:
            field = Submission._fields.get(change.field_name)
            change.field_label = field._description_string(self.env) if field else change.field_name
