# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The lines of a back-test: one result per team and method (errors over the
months), one detail per team, method and month (forecast against actual)."""

from odoo import api, fields, models

from .forecast_methods import FORECAST_METHODS


class CrmForecastBacktestFiguresMixin(models.AbstractModel):
    """What the lines of a back-test share: their back-test, its company, the
    team and the forecast method they measure."""

    _name = "crm.forecast.backtest.figures.mixin"
    _description = "Forecast Back-test Figures"

    backtest_id = fields.Many2one(
        "crm.forecast.backtest", string="Back-test", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backtest_id.company_id", store=True, index=True)
    # Figures of a team make no sense without it: they go with it (as with the
    # uninstallation of demo data, whose teams they reference).
    team_id = fields.Many2one(
        "crm.team", string="Sales Team", required=True, index=True, ondelete="cascade"
    )
    method = fields.Selection(FORECAST_METHODS, required=True)
    is_latest = fields.Boolean(
        string="Latest Run",
        default=True,
        index=True,
        readonly=True,
        help="From the latest back-test of the team: the figures shown unless another "
        "back-test is asked for (two runs cover the same months and do not add).",
    )

    # The measures of one method: a group that mixes methods (a team's
    # total in a pivot, a list grouped by team) leaves them empty.
    _pilot_per_method_measures = ()

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        groups = super().read_group(
            domain, fields, groupby, offset=offset, limit=limit, orderby=orderby, lazy=lazy
        )
        groupby = [groupby] if isinstance(groupby, str) else list(groupby or ())
        # A lazy read groups by the first field only.
        grouped = groupby[:1] if lazy else groupby
        if "method" not in {spec.split(":")[0] for spec in grouped}:
            for group in groups:
                for fname in self._pilot_per_method_measures:
                    if fname in group:
                        group[fname] = False
        return groups


class CrmForecastBacktestResult(models.Model):
    """How well one method forecast one team's monthly won revenue."""

    _name = "crm.forecast.backtest.result"
    _inherit = "crm.forecast.backtest.figures.mixin"
    _description = "Forecast Back-test Result"
    _order = "backtest_id desc, team_id, mape, id"
    _rec_name = "method"
    _pilot_per_method_measures = ("mape", "bias", "hit_rate")

    mape = fields.Float(
        string="Mean Absolute Error (%)",
        digits=(16, 1),
        aggregator="avg",
        help="Mean absolute percentage error (MAPE): the mean, over the months used, "
        "of |forecast - won| / won x 100. The lower, the better.",
    )
    bias = fields.Float(
        string="Bias (%)",
        digits=(16, 1),
        aggregator="avg",
        help="Mean signed percentage error: the mean of (forecast - won) / won x 100. "
        "Above 0 the method forecasts too much (over), below 0 too little (under).",
    )
    hit_rate = fields.Float(
        string="Hit Rate (%)",
        digits=(16, 1),
        aggregator="avg",
        help="Share of the months used whose forecast was within 10 % of the revenue won.",
    )
    months_used = fields.Integer(
        aggregator="max",
        help="Months with revenue won (and, for submitted forecasts, with a "
        "submission): the months over which the errors are measured.",
    )
    recommended = fields.Boolean(
        help="The method with the lowest mean absolute error of the team, among those "
        "measured over at least three months.",
    )


class CrmForecastBacktestDetail(models.Model):
    """One month of one method for one team: what it forecast on the first day
    of the month, and the revenue won in the month."""

    _name = "crm.forecast.backtest.detail"
    _inherit = "crm.forecast.backtest.figures.mixin"
    _description = "Forecast Back-test Month"
    _order = "backtest_id desc, team_id, method, month"
    _rec_name = "month"
    _pilot_per_method_measures = ("forecast", "in_month", "error_percent")

    currency_id = fields.Many2one(related="backtest_id.currency_id")
    month = fields.Date(required=True, help="The month forecast (its first day).")
    forecast = fields.Monetary(
        currency_field="currency_id",
        help="What the method forecast for the month, from the pipeline as it stood "
        "on its first day.",
    )
    in_month = fields.Monetary(
        string="In-month Business",
        currency_field="currency_id",
        help="For the methods + in-month business: the team's in-month business added "
        "to the forecast, learnt from the months before (the average revenue won from "
        "opportunities created in the month they were won); empty without history.",
    )
    # The won revenue of a month is on the line of each method: it does not
    # add across methods (nor the errors, measured against it).
    actual = fields.Monetary(
        string="Won Revenue",
        currency_field="currency_id",
        aggregator=None,
        help="Revenue of the team's opportunities won in the month.",
    )
    error = fields.Monetary(
        currency_field="currency_id",
        aggregator=None,
        help="Forecast - won revenue (above 0: over-forecast).",
    )
    error_percent = fields.Float(
        string="Error (%)",
        digits=(16, 1),
        aggregator="avg",
        help="(Forecast - won) / won x 100; empty for a month without revenue won.",
    )
    used = fields.Boolean(
        string="Month Used",
        help="Counted in the errors: revenue was won in the month.",
    )
    hit = fields.Boolean(
        string="Within 10 %",
        help="The forecast was within 10 % of the revenue won.",
    )
