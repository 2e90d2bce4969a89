# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models

from odoo.addons.crm_pipeline_pilot.models.trust.base import SIGNED_AMOUNT_BOUNDS

# A discount in percent: at most the whole price; a negative one (a surcharge)
# at most ten thousand times the price.
DISCOUNT_BOUNDS = (-1_000_000, 100)


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    # What the deal's quoted and ordered margins add up, typed on the lines
    # of its quotations: finite numbers within the bounds of an amount (a
    # translated refusal, not Odoo's rounding error on NaN or 1e308).
    _pilot_core_bounds = {
        "price_unit": SIGNED_AMOUNT_BOUNDS,
        "purchase_price": SIGNED_AMOUNT_BOUNDS,
        "product_uom_qty": SIGNED_AMOUNT_BOUNDS,
        "discount": DISCOUNT_BOUNDS,
    }
    # The margin of a line is Odoo's (sale_margin), computed from its price
    # and cost: the deal's quoted and ordered margins add it up, so it is
    # never typed (refused as the add-on's maintained fields).
    _pilot_core_maintained = ("margin", "margin_percent")
