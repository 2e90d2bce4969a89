# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Fingerprints of a database for the lifecycle check (scripts/lifecycle.py):
the columns, indexes, relations and rows of the core tables, and what only the
add-on defines, compared before and after each step."""

from psycopg2 import sql

MODULE = "crm_pipeline_pilot"


# Core tables and the rows of them that belong to the CRM.
TABLES = {
    "crm_lead": None,
    "crm_stage": None,
    "crm_team": None,
    "crm_team_member": None,
    "crm_lost_reason": None,
    "crm_tag": None,
    "res_company": None,
    "mail_activity": None,
    "mail_activity_type": None,
    "mail_message": "model = 'crm.lead'",
    "mail_followers": "res_model = 'crm.lead'",
    "mail_tracking_value": (
        "mail_message_id IN (SELECT id FROM mail_message WHERE model = 'crm.lead')"
    ),
}


def columns(cr, table):
    cr.execute(
        """
        SELECT column_name FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = %s
         ORDER BY column_name
        """,
        (table,),
    )
    return [row[0] for row in cr.fetchall()]


def indexes(cr, tables):
    """Names of the indexes of ``tables``."""
    cr.execute(
        "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename IN %s",
        (tuple(tables),),
    )
    return {row[0] for row in cr.fetchall()}


def relations(cr):
    cr.execute(
        """
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm')
        """
    )
    return {row[0] for row in cr.fetchall()}


def fingerprint(cr, schema, max_ids=None):
    """{table: {"count": n, column: md5}} of the given columns of each table;
    with ``max_ids`` ({table: id}), of the rows up to that id only, plus the
    number of rows beyond it ("new")."""
    result = {}
    for table, cols in schema.items():
        conditions = [TABLES[table]] if TABLES[table] else []
        if max_ids is not None:
            conditions.append(f"id <= {int(max_ids[table])}")
        where_sql = sql.SQL(" WHERE " + " AND ".join(conditions)) if conditions else sql.SQL("")
        parts = [sql.SQL("COUNT(*)")] + [
            sql.SQL("md5(string_agg(COALESCE({c}::text, '<null>'), '|' ORDER BY id))").format(
                c=sql.Identifier(col)
            )
            for col in cols
        ]
        cr.execute(
            sql.SQL("SELECT {} FROM {}{}").format(
                sql.SQL(", ").join(parts), sql.Identifier(table), where_sql
            )
        )
        row = cr.fetchone()
        result[table] = {"count": row[0], **dict(zip(cols, row[1:], strict=True))}
        if max_ids is not None:
            conditions[-1] = f"id > {int(max_ids[table])}"
            cr.execute(
                sql.SQL("SELECT COUNT(*) FROM {} WHERE " + " AND ".join(conditions)).format(
                    sql.Identifier(table)
                )
            )
            result[table]["new"] = cr.fetchone()[0]
    return result


def max_ids(cr):
    result = {}
    for table in TABLES:
        cr.execute(sql.SQL("SELECT COALESCE(MAX(id), 0) FROM {}").format(sql.Identifier(table)))
        result[table] = cr.fetchone()[0]
    return result


def compare(check, what, before, after, allowed_new=()):
    """One check line per table; names the columns that changed. Rows created
    since ``before`` (counted in ``after[table]["new"]``) are refused, except
    in the tables of ``allowed_new`` (what the add-on is designed to add)."""
    for table, values in before.items():
        other = after.get(table, {})
        new = other.get("new", 0)
        if new and table not in allowed_new:
            check(False, f"{what}: {table}", f"{new} row(s) created")
        elif new:
            check(True, f"{what}: {table}", f"{new} row(s) of the add-on's data created")
        if values["count"] != other.get("count"):
            check(
                False,
                f"{what}: {table}",
                f"{values['count']} rows before, {other.get('count')} after",
            )
            continue
        changed = sorted(
            k for k in values if k not in ("count", "new") and values[k] != other.get(k)
        )
        check(
            not changed,
            f"{what}: {table} ({values['count']} rows)",
            f"changed columns {', '.join(changed)}" if changed else "unchanged",
        )


# ----------------------------------------------------------------------
# What only the add-on defines
# ----------------------------------------------------------------------


def addon_schema(cr):
    """Tables, views and columns that only the add-on defines."""
    cr.execute(
        """
        SELECT m.model FROM ir_model m
         WHERE EXISTS (SELECT 1 FROM ir_model_data d WHERE d.model = 'ir.model'
                          AND d.res_id = m.id AND d.module = %(module)s)
           AND NOT EXISTS (SELECT 1 FROM ir_model_data d WHERE d.model = 'ir.model'
                              AND d.res_id = m.id AND d.module <> %(module)s)
        """,
        {"module": MODULE},
    )
    tables = {row[0].replace(".", "_") for row in cr.fetchall()}
    cr.execute(
        """
        SELECT r.name FROM ir_model_relation r JOIN ir_module_module m ON m.id = r.module
         WHERE m.name = %(module)s
        """,
        {"module": MODULE},
    )
    tables |= {row[0] for row in cr.fetchall()}
    cr.execute(
        """
        SELECT f.model, f.name FROM ir_model_fields f
         WHERE f.store AND f.ttype NOT IN ('one2many', 'many2many')
           AND EXISTS (SELECT 1 FROM ir_model_data d WHERE d.model = 'ir.model.fields'
                          AND d.res_id = f.id AND d.module = %(module)s)
           AND NOT EXISTS (SELECT 1 FROM ir_model_data d WHERE d.model = 'ir.model.fields'
                              AND d.res_id = f.id AND d.module <> %(module)s)
        """,
        {"module": MODULE},
    )
    fields = {
        (model.replace(".", "_"), name)
        for model, name in cr.fetchall()
        if model.replace(".", "_") not in tables
    }
    existing = relations(cr)
    return {t for t in tables if t in existing}, fields
