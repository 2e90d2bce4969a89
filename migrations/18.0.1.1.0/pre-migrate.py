# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.1.0: fields on core models renamed with the ``pilot_`` prefix, so
that the add-on installs next to OCA's crm_stage_probability (which adds
``crm.stage.probability``). The columns, their field records and their
external identifiers are renamed before the registry loads: the data stays.
The new forecast categories of stages and leads are filled in bulk SQL.

Weekly reviews are kept from now on (a regular model, one review per week
and set of teams): the temporary reviews of earlier versions (transient
records, vacuumed) are removed, so that the kept ones start clean."""

import logging

from odoo.tools import SQL, sql

from odoo.addons.crm_pipeline_pilot.models.forecast_category.crm_lead import (
    init_forecast_category_columns,
)
from odoo.addons.crm_pipeline_pilot.models.margin.crm_lead import MARGIN_SQL

_logger = logging.getLogger(__name__)

RENAMED_FIELDS = [
    # (model, table, old name, new name)
    ("crm.stage", "crm_stage", "probability", "pilot_probability"),
    ("crm.team", "crm_team", "probability_mode", "pilot_probability_mode"),
    ("crm.team", "crm_team", "probability_band", "pilot_probability_band"),
]


def migrate(cr, version):
    if not version:
        return
    _fill_margin_known(cr)
    _drop_transient_reviews(cr)
    # Forecast categories: stages and existing leads filled in bulk SQL.
    init_forecast_category_columns(cr)
    for model, table, old, new in RENAMED_FIELDS:
        if not sql.column_exists(cr, table, old) or sql.column_exists(cr, table, new):
            continue
        sql.rename_column(cr, table, old, new)
        cr.execute(
            "UPDATE ir_model_fields SET name = %s WHERE model = %s AND name = %s",
            [new, model, old],
        )
        model_part = model.replace(".", "_")
        cr.execute(
            """
            UPDATE ir_model_data
               SET name = regexp_replace(name, %s, %s)
             WHERE module = 'crm_pipeline_pilot'
               AND model IN ('ir.model.fields', 'ir.model.fields.selection')
               AND name ~ %s
            """,
            [
                f"^(field|selection)__{model_part}__{old}(__|$)",
                f"\\1__{model_part}__{new}\\2",
                f"^(field|selection)__{model_part}__{old}(__|$)",
            ],
        )
        _logger.info("crm_pipeline_pilot: renamed %s.%s to %s", model, old, new)



def _fill_margin_known(cr):
    """An opportunity without an estimated cost has an unknown margin (no
    longer 100 %): the new column and the margins it changes are filled in
    one UPDATE, as the install hook does, not recomputed lead by lead."""
    if sql.column_exists(cr, "crm_lead", "margin_known"):
        return
    sql.create_column(cr, "crm_lead", "margin_known", "boolean")
    cr.execute(
        SQL(
            """UPDATE crm_lead
                  SET margin_known = %(known)s,
                      estimated_margin = %(margin)s,
                      estimated_margin_rate = %(rate)s,
                      prorated_margin = %(prorated)s,
                      is_low_margin = CASE WHEN %(known)s THEN is_low_margin ELSE TRUE END""",
            known=SQL(MARGIN_SQL["margin_known"]),
            margin=SQL(MARGIN_SQL["estimated_margin"]),
            rate=SQL(MARGIN_SQL["estimated_margin_rate"]),
            prorated=SQL(MARGIN_SQL["prorated_margin"]),
        )
    )
    _logger.info("crm_pipeline_pilot: margin known or not set on %s leads", cr.rowcount)


def _drop_transient_reviews(cr):
    """The reviews of earlier versions were temporary: remove them."""
    for table in ("crm_pipeline_review_line", "crm_pipeline_review"):
        if sql.table_exists(cr, table):
            cr.execute(SQL("DELETE FROM %s", SQL.identifier(table)))
