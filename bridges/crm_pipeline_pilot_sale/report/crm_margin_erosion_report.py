# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Margin erosion: the estimate against the quotation sent and the order."""

from odoo import fields, models

from odoo.addons.crm_pipeline_pilot.models.crm_lead import won_lead_sql
from odoo.addons.crm_pipeline_pilot.models.sql_view import create_report_view

from ..models.crm_lead import QUOTED_STATES

# The states of the orders that count, as the opportunity's figures count them
QUOTED_STATES_SQL = "({})".format(", ".join(f"'{state}'" for state in QUOTED_STATES))


class CrmMarginErosionReport(models.Model):
    _name = "crm.margin.erosion.report"
    _description = "Margin Erosion Analysis"
    _auto = False
    _rec_name = "lead_id"
    _order = "date desc, lead_id"

    lead_id = fields.Many2one("crm.lead", string="Opportunity", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    categ_id = fields.Many2one(
        "product.category",
        string="Product Category",
        readonly=True,
        help="Category of the largest line of the confirmed orders (of the quotations "
        "sent while nothing is confirmed).",
    )
    date = fields.Date(
        readonly=True,
        help="Closing date of a won deal, else its expected closing date, else its creation.",
    )
    stage_id = fields.Many2one("crm.stage", readonly=True)
    won = fields.Boolean(readonly=True, help="The deal is won.")
    erosion_known = fields.Boolean(
        readonly=True, help="Both the estimated margin at proposal and the real margin are known."
    )
    estimated_margin = fields.Monetary(
        string="Estimated Margin at Proposal",
        readonly=True,
        currency_field="currency_id",
        help="The estimate as it stood when the deal reached the proposal, for the deals "
        "whose erosion is known (estimate and real margin known); empty for the others, "
        "so that it minus the real margin is the erosion.",
    )
    real_margin = fields.Monetary(
        readonly=True,
        currency_field="currency_id",
        help="The margin the erosion compares the estimate with: the confirmed orders', or "
        "the quotation's while nothing is confirmed; empty when the erosion is unknown.",
    )
    quoted_margin = fields.Monetary(
        readonly=True,
        currency_field="currency_id",
        help="Empty when unknown (nothing sent, a line without a cost).",
    )
    ordered_margin = fields.Monetary(
        readonly=True,
        currency_field="currency_id",
        help="Empty when unknown (nothing confirmed, a line without a cost).",
    )
    margin_erosion = fields.Monetary(
        readonly=True,
        currency_field="currency_id",
        help="Estimated margin minus the ordered (or quoted) margin; empty when unknown.",
    )
    quote_erosion = fields.Monetary(
        string="Erosion to the Quotation",
        readonly=True,
        currency_field="currency_id",
        help="Estimated margin at proposal minus the quoted margin, where both are known "
        "(empty otherwise: a deal counts in a difference only with both sides).",
    )
    order_erosion = fields.Monetary(
        string="Erosion from Quotation to Order",
        readonly=True,
        currency_field="currency_id",
        help="Quoted margin minus the ordered margin, where both are known (empty otherwise).",
    )
    quoted_amount = fields.Monetary(readonly=True, currency_field="currency_id")
    ordered_amount = fields.Monetary(readonly=True, currency_field="currency_id")
    nbr = fields.Integer(string="# Opportunities", readonly=True, aggregator="sum")

    def _select(self):
        won = won_lead_sql("l")
        return f"""
            SELECT l.id AS id,
                   l.id AS lead_id,
                   l.user_id,
                   l.team_id,
                   l.company_id,
                   c.currency_id,
                   main.categ_id,
                   COALESCE(l.date_closed::date, l.date_deadline, l.create_date::date) AS date,
                   l.stage_id,
                   {won} AS won,
                   COALESCE(l.margin_erosion_known, FALSE) AS erosion_known,
                   CASE WHEN l.margin_erosion_known THEN l.proposal_estimated_margin END
                       AS estimated_margin,
                   CASE WHEN l.margin_erosion_known
                        THEN l.proposal_estimated_margin - l.margin_erosion END AS real_margin,
                   CASE WHEN l.quoted_margin_known THEN l.quoted_margin END AS quoted_margin,
                   CASE WHEN l.ordered_margin_known THEN l.ordered_margin END AS ordered_margin,
                   CASE WHEN l.margin_erosion_known THEN l.margin_erosion END AS margin_erosion,
                   CASE WHEN l.proposal_margin_known AND l.quoted_margin_known
                        THEN l.proposal_estimated_margin - l.quoted_margin END AS quote_erosion,
                   CASE WHEN l.quoted_margin_known AND l.ordered_margin_known
                        THEN l.quoted_margin - l.ordered_margin END AS order_erosion,
                   l.quoted_amount,
                   l.ordered_amount,
                   1 AS nbr
        """

    def _from(self):
        return f"""
              FROM crm_lead l
         LEFT JOIN res_company c ON c.id = l.company_id
         LEFT JOIN LATERAL (
                SELECT pt.categ_id
                  FROM sale_order_line sol
                  JOIN sale_order so ON so.id = sol.order_id
                  JOIN product_product pp ON pp.id = sol.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 WHERE so.opportunity_id = l.id
                   AND so.state IN {QUOTED_STATES_SQL}
                   AND sol.display_type IS NULL
              ORDER BY (so.state = 'sale') DESC, sol.price_subtotal DESC, sol.id
                 LIMIT 1
              ) main ON TRUE
        """

    def _where(self):
        return f"""
             WHERE l.type = 'opportunity'
               AND l.active
               AND EXISTS (
                    SELECT 1 FROM sale_order so
                     WHERE so.opportunity_id = l.id AND so.state IN {QUOTED_STATES_SQL}
               )
        """

    def init(self):
        create_report_view(self)
