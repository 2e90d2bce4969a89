# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
from datetime import timedelta

from psycopg2.errors import SerializationFailure

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import create_unique_index, index_exists

_logger = logging.getLogger(__name__)

# One row per week, company, team, salesperson and stage, enforced by the
# database: an empty company, team, salesperson or stage counts as one value.
SNAPSHOT_KEY_INDEX = "crm_pipeline_snapshot_week_key_uniq"
SNAPSHOT_KEY = (
    "date",
    "COALESCE(company_id, 0)",
    "COALESCE(team_id, 0)",
    "COALESCE(user_id, 0)",
    "COALESCE(stage_id, 0)",
)
SNAPSHOT_COLUMNS = (
    "date",
    "company_id",
    "team_id",
    "user_id",
    "stage_id",
    "lead_count",
    "expected_revenue",
    "prorated_revenue",
    "estimated_margin",
    "prorated_margin",
    "create_uid",
    "create_date",
    "write_uid",
    "write_date",
)


class CrmPipelineSnapshot(models.Model):
    """Weekly picture of the open pipeline, per company, team, salesperson and
    stage, so that pipeline value can be drawn over time."""

    _name = "crm.pipeline.snapshot"
    _description = "Pipeline Snapshot"
    _order = "date desc, id"

    date = fields.Date(string="Week", required=True, index=True, help="Monday of the week.")
    company_id = fields.Many2one("res.company", index=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", index=True)
    user_id = fields.Many2one("res.users", string="Salesperson", index=True)
    stage_id = fields.Many2one("crm.stage", index=True)
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    lead_count = fields.Integer(string="# Opportunities")
    expected_revenue = fields.Monetary(string="Pipeline Value", currency_field="currency_id")
    prorated_revenue = fields.Monetary(currency_field="currency_id")
    estimated_margin = fields.Monetary(currency_field="currency_id")
    prorated_margin = fields.Monetary(string="Weighted Margin", currency_field="currency_id")

    def init(self):
        super().init()
        if index_exists(self.env.cr, SNAPSHOT_KEY_INDEX):
            return
        # Concurrent runs of earlier versions may have stored a week twice:
        # keep the latest row of each key, then let the database refuse more.
        key_match = SQL(" AND ").join(
            SQL(
                "%s IS NOT DISTINCT FROM %s",
                SQL.identifier("s", column),
                SQL.identifier("newer", column),
            )
            for column in ("date", "company_id", "team_id", "user_id", "stage_id")
        )
        self.env.cr.execute(
            SQL(
                """DELETE FROM crm_pipeline_snapshot s
                         USING crm_pipeline_snapshot newer
                         WHERE newer.id > s.id AND %s""",
                key_match,
            )
        )
        if self.env.cr.rowcount:
            _logger.info("Pipeline snapshots: %s duplicate rows removed", self.env.cr.rowcount)
        create_unique_index(self.env.cr, SNAPSHOT_KEY_INDEX, self._table, list(SNAPSHOT_KEY))

    @api.model
    def _week_start(self, day):
        day = fields.Date.to_date(day)
        return day - timedelta(days=day.weekday())

    @api.model
    def _take_snapshot(self, day=None):
        """Store the open pipeline for the week of ``day`` (today by default).
        Taking it again for the same week replaces the week's rows.

        Safe with concurrent runs (several cron workers): the runs are
        serialised by a table lock, the database holds one row per week,
        company, team, salesperson and stage (unique index), rows are
        inserted with ``ON CONFLICT DO NOTHING``, and a run that finds the
        week stored by a concurrent one leaves it to that run (returns no
        rows) instead of failing."""
        week = self._week_start(day or fields.Date.context_today(self))
        # Serialise concurrent runs (several cron workers) on the same table.
        self.env.cr.execute("LOCK TABLE crm_pipeline_snapshot IN SHARE ROW EXCLUSIVE MODE")
        try:
            with self.env.cr.savepoint():
                self.sudo().search([("date", "=", week)]).unlink()
                return self.browse(self._insert_snapshot_rows(week))
        except SerializationFailure:
            # A concurrent run stored this week after this transaction
            # started (repeatable read): its rows stand.
            _logger.info("Pipeline snapshots: week %s stored by a concurrent run", week)
            return self.browse()

    @api.model
    def _insert_snapshot_rows(self, week):
        """Insert the week's rows of the open pipeline, grouped in SQL by the
        ORM; returns the ids inserted (a row already there is left alone)."""
        groups = (
            self.env["crm.lead"]
            .sudo()
            .with_context(active_test=True)
            ._read_group(
                [("type", "=", "opportunity"), ("stage_id.is_won", "=", False)],
                groupby=["company_id", "team_id", "user_id", "stage_id"],
                aggregates=[
                    "__count",
                    "expected_revenue:sum",
                    "prorated_revenue:sum",
                    "estimated_margin:sum",
                    "prorated_margin:sum",
                ],
            )
        )
        now, uid = fields.Datetime.now(), self.env.uid
        rows = [
            SQL(
                ", ".join(["%s"] * len(SNAPSHOT_COLUMNS)),
                week,
                company.id or None,
                team.id or None,
                user.id or None,
                stage.id or None,
                count,
                expected or 0.0,
                prorated or 0.0,
                margin or 0.0,
                prorated_margin or 0.0,
                uid,
                now,
                uid,
                now,
            )
            for (
                company,
                team,
                user,
                stage,
                count,
                expected,
                prorated,
                margin,
                prorated_margin,
            ) in groups
        ]
        ids = []
        for index in range(0, len(rows), 1000):
            self.env.cr.execute(
                SQL(
                    """INSERT INTO crm_pipeline_snapshot (%(columns)s)
                            VALUES %(values)s
                       ON CONFLICT (%(key)s) DO NOTHING
                         RETURNING id""",
                    columns=SQL(", ").join(SQL.identifier(column) for column in SNAPSHOT_COLUMNS),
                    values=SQL(", ").join(SQL("(%s)", row) for row in rows[index : index + 1000]),
                    key=SQL(", ".join(SNAPSHOT_KEY)),
                )
            )
            ids += [row[0] for row in self.env.cr.fetchall()]
        return sorted(ids)

    @api.model
    def _cron_snapshot(self):
        """Weekly: the snapshot of the open pipeline, then the review of the
        week that just ended for each sales team (its pipeline value is the
        snapshot just taken), so that past reviews and KPI trends have
        history."""
        self._take_snapshot()
        self.env["crm.pipeline.review"]._pilot_store_past_week()
