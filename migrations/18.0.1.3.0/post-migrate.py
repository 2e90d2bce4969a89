# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.3.0: the estimated margin of an opportunity whose expected revenue
is 0 or less is unknown (it was a figure such as -500, or a rate of 150 % with
a negative revenue), and is left out of every margin average. The stored
margin figures of those opportunities are computed again; the others do not
change."""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)

MARGIN_FIELDS = (
    "margin_known",
    "estimated_margin",
    "estimated_margin_rate",
    "prorated_margin",
    "is_low_margin",
)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    Lead = env["crm.lead"].with_context(active_test=False)
    leads = Lead.search([("expected_revenue", "<=", 0)])
    for fname in MARGIN_FIELDS:
        env.add_to_compute(Lead._fields[fname], leads)
    env.flush_all()
    _logger.info("margins of %s opportunities without revenue computed again", len(leads))
