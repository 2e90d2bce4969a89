# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Urgency and estimated margin of opportunities (design 1.2)."""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, float_compare

from ..crm_lead import cached_values, format_record_names
from ..trust.base import AMOUNT_BOUNDS, MARGIN_RATE_BOUNDS, format_bound

URGENCY_SELECTION = [
    ("0", "Low"),
    ("1", "Normal"),
    ("2", "High"),
    ("3", "Critical"),
]

# A margin is known once an estimated cost is entered on a deal with a
# positive expected revenue: a cost left empty (stored as 0, the ORM stores no
# NULL amount) is unknown, never a 100 % margin, and a rate of a revenue of 0
# or less is no figure (a revenue of -1,000 for a cost of 500 is not a 150 %
# margin). Without a known cost, the margin, its rate and the weighted margin
# are 0, the deal counts as low-margin (a margin criterion is not met) and it
# is left out of the margin rates of the reports.

# The margin formulas in SQL, for the install hook that fills the stored
# columns of existing leads in bulk; the same as margin_values() below.
_KNOWN_SQL = "COALESCE(estimated_cost, 0) > 0 AND COALESCE(expected_revenue, 0) > 0"
MARGIN_SQL = {
    "margin_known": _KNOWN_SQL,
    "estimated_margin": f"CASE WHEN {_KNOWN_SQL} "
    "THEN COALESCE(expected_revenue, 0) - estimated_cost ELSE 0 END",
    "estimated_margin_rate": f"CASE WHEN NOT ({_KNOWN_SQL}) THEN 0 "
    "ELSE (expected_revenue - estimated_cost) * 100.0 / expected_revenue END",
    "prorated_margin": f"CASE WHEN {_KNOWN_SQL} "
    "THEN (COALESCE(expected_revenue, 0) - estimated_cost) * COALESCE(probability, 0) / 100.0 "
    "ELSE 0 END",
}


def is_margin_known(cost, revenue):
    """Whether a deal of estimated cost ``cost`` and expected revenue
    ``revenue`` has a known margin."""
    return (cost or 0.0) > 0 and (revenue or 0.0) > 0


def margin_values(revenue, cost, probability):
    """(estimated margin, margin rate in %, weighted margin) of a deal: the
    one definition of the margin formulas (see MARGIN_SQL); all 0 when the
    margin is unknown (no cost entered, or no positive revenue)."""
    if not is_margin_known(cost, revenue):
        return 0.0, 0.0, 0.0
    margin = revenue - cost
    rate = margin / revenue * 100.0
    return margin, rate, margin * (probability or 0.0) / 100.0


class CrmLead(models.Model):
    _inherit = "crm.lead"

    urgency = fields.Selection(
        URGENCY_SELECTION,
        default="1",
        required=True,
        tracking=True,
        index=True,
        help="How soon the deal needs attention; distinct from the priority "
        "stars, which tell how important it is.",
    )
    estimated_cost = fields.Monetary(
        pilot_bounds=AMOUNT_BOUNDS,
        currency_field="company_currency",
        tracking=True,
        help="Estimated cost of delivering the deal, in the company currency. "
        "Without a cost, the margin is unknown.",
    )
    margin_known = fields.Boolean(
        compute="_compute_margin_known",
        store=True,
        help="An estimated cost is entered: the margin can be computed. Without "
        "it the margin is unknown: not 100 %, and left out of the margin rates.",
    )
    estimated_margin = fields.Monetary(
        currency_field="company_currency",
        compute="_compute_estimated_margin",
        store=True,
        help="Expected revenue minus estimated cost.",
    )
    estimated_margin_rate = fields.Float(
        pilot_bounds=MARGIN_RATE_BOUNDS,
        string="Margin Rate (%)",
        compute="_compute_estimated_margin_rate",
        inverse="_inverse_estimated_margin_rate",
        store=True,
        readonly=False,
        digits=(16, 2),
        aggregator="avg",
        help="Estimated margin divided by expected revenue, in percent; 0 "
        "without revenue or without an estimated cost (margin unknown). "
        "Entering a rate sets the estimated cost.",
    )
    prorated_margin = fields.Monetary(
        string="Weighted Margin",
        currency_field="company_currency",
        compute="_compute_estimated_margin",
        store=True,
        help="Estimated margin multiplied by the probability.",
    )
    is_low_margin = fields.Boolean(
        string="Low Margin",
        compute="_compute_is_low_margin",
        store=True,
        help="The margin rate is below the minimum margin rate of the sales team, "
        "or the margin is unknown (no estimated cost).",
    )

    @api.depends("estimated_cost", "expected_revenue")
    def _compute_margin_known(self):
        for lead in self:
            lead.margin_known = is_margin_known(lead.estimated_cost, lead.expected_revenue)

    @api.depends("expected_revenue", "estimated_cost", "probability")
    def _compute_estimated_margin(self):
        for lead in self:
            margin, _rate, prorated = margin_values(
                lead.expected_revenue, lead.estimated_cost, lead.probability
            )
            lead.estimated_margin = margin
            lead.prorated_margin = prorated

    @api.depends("expected_revenue", "estimated_cost")
    def _compute_estimated_margin_rate(self):
        # Separate from the margin itself: entering a rate (inverse) must still
        # recompute the margin from the cost it sets.
        for lead in self:
            lead.estimated_margin_rate = margin_values(
                lead.expected_revenue, lead.estimated_cost, 0.0
            )[1]

    def _inverse_estimated_margin_rate(self):
        # An explicit cost wins over the rate (see _pilot_margin_vals): the
        # inverse only runs when the rate is written without a cost. A rate
        # equal to the one the current cost gives (at the field's precision)
        # was not entered: the form sends back the rounded rate it computed
        # when the revenue changed; applying it would change the typed cost.
        for lead in self:
            revenue = lead.expected_revenue or 0.0
            rate = lead.estimated_margin_rate or 0.0
            current = margin_values(revenue, lead.estimated_cost, 0.0)[1]
            if not float_compare(rate, current, precision_digits=2):
                continue
            if revenue <= 0:
                if rate:
                    raise UserError(
                        self.env._(
                            "Set a positive expected revenue of %(lead)s before entering a "
                            "margin rate.",
                            lead=lead.display_name,
                        )
                    )
                continue
            if float_compare(rate, 100.0, precision_digits=2) > 0:
                raise ValidationError(
                    self.env._(
                        "The margin rate of %(lead)s cannot exceed 100 %%: that "
                        "would mean a negative cost.",
                        lead=lead.display_name,
                    )
                )
            cost = lead.company_currency.round(revenue * (1.0 - rate / 100.0))
            if not is_margin_known(cost, revenue):
                raise UserError(
                    self.env._(
                        "A margin rate of 100 %% means no cost at all, which leaves the "
                        "margin of %(lead)s unknown: enter its estimated cost instead.",
                        lead=lead.display_name,
                    )
                )
            lead.estimated_cost = cost

    def _pilot_create_vals(self, vals):
        return self._pilot_margin_vals(super()._pilot_create_vals(vals))

    def _pilot_write_vals(self, vals, state):
        return self._pilot_margin_vals(super()._pilot_write_vals(vals, state))

    @api.model
    def _pilot_margin_vals(self, vals):
        """Values to write or create: an explicit estimated cost wins over a
        margin rate given with it (the web client sends back the rounded rate
        it computed from the typed cost: its inverse would change the cost);
        the rate is then recomputed from the cost."""
        if "estimated_cost" in vals and "estimated_margin_rate" in vals:
            vals = dict(vals)
            del vals["estimated_margin_rate"]
        return vals

    @api.depends(
        "expected_revenue",
        "margin_known",
        "estimated_margin_rate",
        "team_id.pilot_min_margin_rate",
        "company_id.pilot_min_margin_rate",
    )
    def _compute_is_low_margin(self):
        for lead in self:
            # An unknown margin does not reach the floor: a margin criterion
            # (is_low_margin = False) is not met without an estimated cost.
            lead.is_low_margin = (
                not lead.margin_known or lead.estimated_margin_rate < lead._pilot_min_margin_rate()
            )

    def _pilot_margin_rate_followed(self):
        """(rate, kind) of the margin the low-margin flag follows: the
        estimate ("estimated"). The sales margins bridge follows the
        documents once they give a margin ("quoted", "ordered")."""
        self.ensure_one()
        return self.estimated_margin_rate, "estimated"

    def _pilot_margin_followed_known(self):
        """Whether the margin the low-margin flag follows is known, for each
        lead of self in order: the estimate's (``margin_known``); the sales
        margins bridge adds the documents' (see _pilot_margin_rate_followed)."""
        return cached_values(self, "margin_known")

    def _pilot_low_margin_reason(self, rate, minimum, kind):
        """Why the deal is flagged low-margin, in the environment's language
        (``rate`` and ``minimum`` already formatted; ``kind``: see
        _pilot_margin_rate_followed)."""
        return self.env._(
            "The estimated margin rate (%(rate)s %%) is below the team minimum (%(minimum)s %%).",
            rate=rate,
            minimum=minimum,
        )

    def _pilot_min_margin_rate(self):
        """The minimum margin rate the deal must reach: its sales team's, or
        its company's without a team."""
        self.ensure_one()
        if self.team_id:
            return self.team_id.pilot_min_margin_rate
        return (self.company_id or self.env.company).pilot_min_margin_rate

    @api.model
    def _read_group_select(self, aggregate_spec, query):
        # The average margin rate of a group (pivot, graph, list) leaves out
        # the opportunities whose margin is unknown: their 0 is not a rate.
        if aggregate_spec == "estimated_margin_rate:avg":
            return SQL(
                "AVG(%s) FILTER (WHERE %s)",
                self._field_to_sql(self._table, "estimated_margin_rate", query),
                self._field_to_sql(self._table, "margin_known", query),
            )
        return super()._read_group_select(aggregate_spec, query)

    @api.constrains("estimated_cost", "expected_revenue")
    def _check_margin_rate_range(self):
        """A known margin rate stays within the bounds of a typed one: a cost
        of more than eleven times the revenue is a typing error, not an
        estimate (its rate would swamp every average of the reports)."""
        low = MARGIN_RATE_BOUNDS[0]
        beyond = self.filtered(
            lambda lead: (
                lead.margin_known
                and margin_values(lead.expected_revenue, lead.estimated_cost, 0.0)[1] < low
            )
        )
        if beyond:
            raise ValidationError(
                self.env._(
                    "The estimated cost of %(leads)s gives a margin rate below %(low)s %%: "
                    "check the estimated cost and the expected revenue.",
                    leads=format_record_names(beyond),
                    low=format_bound(self.env, low),
                )
            )

    @api.constrains("estimated_cost")
    def _check_estimated_cost(self):
        negative = self.filtered(lambda lead: lead.estimated_cost < 0)
        if negative:
            raise ValidationError(
                self.env._(
                    "The estimated cost cannot be negative (%(leads)s).",
                    leads=format_record_names(negative),
                )
            )
