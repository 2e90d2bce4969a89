# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import api, fields, models


class CrmPipelineSnapshot(models.Model):
    """Weekly picture of the open pipeline, per company, team, salesperson and
    stage, so that pipeline value can be drawn over time."""

    _name = "crm.pipeline.snapshot"
    _description = "Pipeline Snapshot"
    _order = "date desc, id"

    date = fields.Date(string="Week", required=True, index=True, help="Monday of the week.")
    company_id = fields.Many2one("res.company", index=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", index=True)
    user_id = fields.Many2one("res.users", string="Salesperson", index=True)
    stage_id = fields.Many2one("crm.stage", index=True)
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    lead_count = fields.Integer(string="# Opportunities")
    expected_revenue = fields.Monetary(string="Pipeline Value", currency_field="currency_id")
    prorated_revenue = fields.Monetary(currency_field="currency_id")
    estimated_margin = fields.Monetary(currency_field="currency_id")
    prorated_margin = fields.Monetary(string="Weighted Margin", currency_field="currency_id")

    @api.model
    def _week_start(self, day):
        day = fields.Date.to_date(day)
        return day - timedelta(days=day.weekday())

    @api.model
    def _take_snapshot(self, day=None):
        """Store the open pipeline for the week of ``day`` (today by default).
        Taking it again for the same week replaces the week's rows."""
        week = self._week_start(day or fields.Date.context_today(self))
        # Serialise concurrent runs (several cron workers) on the same table.
        self.env.cr.execute("LOCK TABLE crm_pipeline_snapshot IN SHARE ROW EXCLUSIVE MODE")
        self.sudo().search([("date", "=", week)]).unlink()
        groups = (
            self.env["crm.lead"]
            .sudo()
            .with_context(active_test=True)
            ._read_group(
                [("type", "=", "opportunity"), ("stage_id.is_won", "=", False)],
                groupby=["company_id", "team_id", "user_id", "stage_id"],
                aggregates=[
                    "__count",
                    "expected_revenue:sum",
                    "prorated_revenue:sum",
                    "estimated_margin:sum",
                    "prorated_margin:sum",
                ],
            )
        )
        return self.sudo().create(
            [
                {
                    "date": week,
                    "company_id": company.id,
                    "team_id": team.id,
                    "user_id": user.id,
                    "stage_id": stage.id,
                    "lead_count": count,
                    "expected_revenue": expected,
                    "prorated_revenue": prorated,
                    "estimated_margin": margin,
                    "prorated_margin": prorated_margin,
                }
                for (
                    company,
                    team,
                    user,
                    stage,
                    count,
                    expected,
                    prorated,
                    margin,
                    prorated_margin,
                ) in groups
            ]
        )

    @api.model
    def _cron_snapshot(self):
        self._take_snapshot()
