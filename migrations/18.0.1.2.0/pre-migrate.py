# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.2.0: the won reason of an opportunity is ``pilot_won_reason_id`` (it
was ``won_reason_id``) and the dialog of the Won button is the model
``crm.lead.pilot.won`` (it was ``crm.lead.won``), so that the add-on installs
next to OCA's crm_won_reason, which defines both names with another meaning
(a won reason is a ``crm.lost.reason`` there).

The column, its index, its foreign key, its field record and its external
identifier are renamed before the registry loads: the won reasons stay, and
so does their tracking in the chatter. Where crm_won_reason is installed the
column was shared: the values that are won reasons of this add-on move to the
new column and the old one is left to crm_won_reason, emptied of them. The old
dialog (a transient model, no data to keep) is removed by the upgrade. The
add-on's stored views of opportunities and the saved filters of opportunities
name the new field."""

import logging
import re

from psycopg2.extras import Json

from odoo.tools import sql

_logger = logging.getLogger(__name__)


OLD_FIELD = re.compile(r"(?<![\w.])won_reason_id\b")


def migrate(cr, version):
    if not version:
        return
    shared = rename_won_reason(cr)
    rename_in_views_and_filters(cr, shared)


def rename_in_views_and_filters(cr, shared):
    """This add-on's views of opportunities, as stored, and the saved filters
    of opportunities name the new field: the registry validates the stored
    views (combined with those it loads) before this add-on's are reloaded.
    (Where crm_won_reason has its field of that name, ``shared``, the saved
    filters are left as they are: they may be about its won reason.)"""
    cr.execute(
        """SELECT v.id, v.arch_db FROM ir_ui_view v
             JOIN ir_model_data d ON d.model = 'ir.ui.view' AND d.res_id = v.id
            WHERE d.module = 'crm_pipeline_pilot' AND v.model = 'crm.lead'
              AND v.arch_db::text ~ 'won_reason_id'"""
    )
    for view_id, arch in cr.fetchall():
        arch = {lang: OLD_FIELD.sub("pilot_won_reason_id", text) for lang, text in arch.items()}
        cr.execute("UPDATE ir_ui_view SET arch_db = %s WHERE id = %s", [Json(arch), view_id])
    if shared:
        return
    cr.execute(
        """SELECT id, domain, context, sort FROM ir_filters
            WHERE model_id = 'crm.lead' AND concat(domain, context, sort) ~ 'won_reason_id'"""
    )
    for filter_id, *texts in cr.fetchall():
        cr.execute(
            "UPDATE ir_filters SET domain = %s, context = %s, sort = %s WHERE id = %s",
            [*(text and OLD_FIELD.sub("pilot_won_reason_id", text) for text in texts), filter_id],
        )


def rename_won_reason(cr):
    """Move the opportunities' won reasons to ``pilot_won_reason_id``.
    Returns whether crm_won_reason has a field ``won_reason_id`` too."""
    cr.execute(
        "SELECT 1 FROM ir_module_module WHERE name = 'crm_won_reason' "
        "AND state IN ('installed', 'to upgrade', 'to remove')"
    )
    shared = bool(cr.rowcount)
    if not sql.column_exists(cr, "crm_lead", "won_reason_id") or sql.column_exists(
        cr, "crm_lead", "pilot_won_reason_id"
    ):
        return shared
    if not shared:
        sql.rename_column(cr, "crm_lead", "won_reason_id", "pilot_won_reason_id")
        cr.execute(
            "ALTER INDEX IF EXISTS crm_lead__won_reason_id_index "
            "RENAME TO crm_lead__pilot_won_reason_id_index"
        )
        if sql.constraint_definition(cr, "crm_lead", "crm_lead_won_reason_id_fkey"):
            cr.execute(
                "ALTER TABLE crm_lead RENAME CONSTRAINT crm_lead_won_reason_id_fkey "
                "TO crm_lead_pilot_won_reason_id_fkey"
            )
        cr.execute(
            "UPDATE ir_model_fields SET name = 'pilot_won_reason_id' "
            "WHERE model = 'crm.lead' AND name = 'won_reason_id'"
        )
        cr.execute(
            "UPDATE ir_model_data SET name = 'field_crm_lead__pilot_won_reason_id' "
            "WHERE module = 'crm_pipeline_pilot' AND name = 'field_crm_lead__won_reason_id'"
        )
        _logger.info("crm_pipeline_pilot: renamed crm.lead.won_reason_id to pilot_won_reason_id")
        return shared
    # Shared with crm_won_reason: the values pointing to this add-on's won
    # reasons were written by this add-on (the field pointed to crm.won.reason).
    cr.execute(
        "SELECT relation FROM ir_model_fields WHERE model = 'crm.lead' AND name = 'won_reason_id'"
    )
    relation = (cr.fetchone() or [None])[0]
    sql.create_column(cr, "crm_lead", "pilot_won_reason_id", "int4")
    if relation == "crm.won.reason":
        cr.execute(
            "UPDATE crm_lead SET pilot_won_reason_id = won_reason_id, won_reason_id = NULL "
            "WHERE won_reason_id IS NOT NULL"
        )
        moved = cr.rowcount
        # crm_won_reason's foreign key (to crm.lost.reason) is created again by
        # the registry; this one would refuse its values.
        cr.execute("ALTER TABLE crm_lead DROP CONSTRAINT IF EXISTS crm_lead_won_reason_id_fkey")
        _logger.info(
            "crm_pipeline_pilot: %s won reasons moved to pilot_won_reason_id, "
            "won_reason_id left to crm_won_reason",
            moved,
        )
    return shared
