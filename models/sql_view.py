# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The SQL views of the reports (``_auto = False`` models)."""

from odoo import tools
from odoo.tools import SQL


def create_report_view(report):
    """(Re)create the view of ``report`` from its _select(), _from() and
    _where() parts, as Odoo's own SQL reports do in init()."""
    tools.drop_view_if_exists(report.env.cr, report._table)
    report.env.cr.execute(
        SQL(
            "CREATE OR REPLACE VIEW %s AS (%s %s %s)",
            SQL.identifier(report._table),
            SQL(report._select()),
            SQL(report._from()),
            SQL(report._where()),
        )
    )
