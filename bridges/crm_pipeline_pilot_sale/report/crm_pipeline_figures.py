# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The add-on's forecast and margin rate on real margins.

The SQL views of the add-on's reports read the bridge's columns while it is
installed; its uninstallation first recreates them without (see
hooks.uninstall_hook and the context key ``pilot_sale_uninstall``), so that
dropping its columns leaves them in place.
"""

from odoo import api, models


class CrmPipelineForecast(models.Model):
    _inherit = "crm.pipeline.forecast"

    @api.model
    def _pilot_weighted_margin_sql(self):
        # Once a quotation sent gives a known margin, it is the deal's margin
        # weighted by its probability; else the estimate.
        if self.env.context.get("pilot_sale_uninstall"):
            return super()._pilot_weighted_margin_sql()
        return (
            "CASE WHEN l.quoted_margin_known "
            "THEN l.quoted_margin * COALESCE(l.probability, 0) / 100.0 "
            f"ELSE {super()._pilot_weighted_margin_sql()} END"
        )


class CrmPipelineReport(models.Model):
    _inherit = "crm.pipeline.report"

    @api.model
    def _pilot_kpi_margin_sql(self):
        # A won deal with confirmed orders of known margin counts their margin
        # and untaxed amount; the others their estimate.
        known, revenue, margin = super()._pilot_kpi_margin_sql()
        if self.env.context.get("pilot_sale_uninstall"):
            return known, revenue, margin
        return (
            f"(COALESCE(l.ordered_margin_known, FALSE) OR {known})",
            f"CASE WHEN l.ordered_margin_known THEN l.ordered_amount ELSE {revenue} END",
            f"CASE WHEN l.ordered_margin_known THEN l.ordered_margin ELSE {margin} END",
        )
