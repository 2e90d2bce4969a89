# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.exceptions import AccessError


class DigestDigest(models.Model):
    """Headline KPIs of the weekly review in Odoo's periodic digest email."""

    _inherit = "digest.digest"

    kpi_crm_pipeline_value = fields.Boolean(string="Pipeline Value")
    kpi_crm_pipeline_value_value = fields.Monetary(compute="_compute_kpi_crm_pipeline_value_value")
    kpi_crm_pipeline_win_rate = fields.Boolean(string="Win Rate (%)")
    kpi_crm_pipeline_win_rate_value = fields.Float(
        compute="_compute_kpi_crm_pipeline_win_rate_value"
    )
    kpi_crm_pipeline_conversion_rate = fields.Boolean(string="Conversion Rate (%)")
    kpi_crm_pipeline_conversion_rate_value = fields.Float(
        compute="_compute_kpi_crm_pipeline_conversion_rate_value"
    )

    def _pilot_digest_kpis(self):
        if not self.env.user.has_group("sales_team.group_sale_salesman"):
            raise AccessError(
                self.env._("Do not have access, skip this data for user's digest email")
            )
        start, end, __ = self._get_kpi_compute_parameters()
        Report = self.env["crm.pipeline.report"]
        result = {}
        for digest in self:
            company = digest.company_id or self.env.company
            result[digest] = Report._pilot_kpi_values(
                fields.Datetime.to_datetime(start),
                fields.Datetime.to_datetime(end),
                [("company_id", "=", company.id)],
            )
        return result

    def _compute_kpi_crm_pipeline_value_value(self):
        for digest, values in self._pilot_digest_kpis().items():
            digest.kpi_crm_pipeline_value_value = values["pipeline_value"]

    def _compute_kpi_crm_pipeline_win_rate_value(self):
        for digest, values in self._pilot_digest_kpis().items():
            digest.kpi_crm_pipeline_win_rate_value = values["win_rate"] or 0.0

    def _compute_kpi_crm_pipeline_conversion_rate_value(self):
        for digest, values in self._pilot_digest_kpis().items():
            digest.kpi_crm_pipeline_conversion_rate_value = values["conversion_rate"] or 0.0

    def _compute_kpis_actions(self, company, user):
        res = super()._compute_kpis_actions(company, user)
        menu = self.env.ref("crm.crm_menu_root").id
        action = f"crm_pipeline_pilot.crm_pipeline_report_action?menu_id={menu}"
        for kpi in (
            "kpi_crm_pipeline_value",
            "kpi_crm_pipeline_win_rate",
            "kpi_crm_pipeline_conversion_rate",
        ):
            res[kpi] = action
        return res
