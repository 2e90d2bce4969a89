# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.exceptions import AccessError
from odoo.tools import format_amount, format_date


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

    pilot_forecast_by_team = fields.Boolean(
        string="Forecast of the Month by Team",
        default=True,
        help="Add to the email the forecast of the current month of each sales team: "
        "the stage-probability and history-based projections, Commit and Best case.",
    )

    def _pilot_digest_kpis(self):
        if not self.env.user.has_group("sales_team.group_sale_salesman"):
            raise AccessError(
                self.env._("Do not have access, skip this data for user's digest email")
            )
        start, end, __ = self._get_kpi_compute_parameters()
        if not (start and end):
            # Read outside the digest's mailing (no period in the context):
            # no figure, as Odoo's own KPIs of the digest
            empty = {"pipeline_value": 0.0, "win_rate": 0.0, "conversion_rate": 0.0}
            return {digest: empty for digest in self}
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

    def _pilot_digest_forecast(self, user, company):
        """The forecast of the current month by team for the digest email of
        ``user`` (within their visibility, in their language): a dict with the
        month, the column labels and one row per team with figures, amounts
        formatted in the company's currency; None when not shown."""
        self.ensure_one()
        if not self.pilot_forecast_by_team or not user.has_group("sales_team.group_sale_salesman"):
            return None
        env = self.with_user(user).with_company(company).with_context(lang=user.lang).env
        month = fields.Date.context_today(self.with_env(env)).replace(day=1)
        teams = env["crm.team"].search(
            [("company_id", "in", [company.id, False])], order="sequence, name, id"
        )
        figures = teams._pilot_month_forecast(month)
        labels = teams._pilot_month_forecast_labels()
        currency = company.currency_id
        rows = [
            {
                "team": team.name,
                "values": [format_amount(env, figures[team.id][key], currency) for key in labels],
            }
            for team in teams
            if any(figures[team.id].values())
        ]
        if not rows:
            return None
        return {
            "title": env._(
                "Forecast of %(month)s by team",
                month=format_date(env, month, date_format="MMMM y"),
            ),
            "team_label": env._("Sales Team"),
            "labels": list(labels.values()),
            "rows": rows,
        }
