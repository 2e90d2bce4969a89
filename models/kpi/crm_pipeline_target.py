# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
from datetime import timedelta

from psycopg2.errors import UniqueViolation

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL
from odoo.tools.sql import index_exists

from ..trust.base import AMOUNT_BOUNDS, DAYS_BOUNDS, PERCENT_BOUNDS, RATIO_BOUNDS
from .kpi_definitions import KPI_BY_CODE, KPIS

_logger = logging.getLogger(__name__)

DEFAULT_COVERAGE = 3.0
# One team target (without salesperson) per team and month, enforced by the
# database: unique(team_id, user_id, month) does not hold when user_id is NULL.
TEAM_MONTH_INDEX = "crm_pipeline_target_team_month_uniq"
# KPIs that add up the whole team's deals: the review of one salesperson
# holds them against no target (unless the salesperson has one).
TEAM_VOLUME_KPIS = ("pipeline_value",)


class CrmPipelineTarget(models.Model):
    """Monthly targets of a sales team.

    Targets are per team: the weekly review and the digest read the team's
    target. Targets of one salesperson (``user_id``) are no longer offered nor
    accepted; those created by earlier versions stay readable."""

    _name = "crm.pipeline.target"
    _description = "Pipeline Target"
    _order = "month desc, team_id, user_id"

    name = fields.Char(compute="_compute_name")
    # A target is the team's: it goes with the team (as with the uninstallation
    # of demo data, whose teams the demo targets reference).
    team_id = fields.Many2one(
        "crm.team", string="Sales Team", required=True, index=True, ondelete="cascade"
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        index=True,
        readonly=True,
        help="Targets are per team: only targets created by earlier versions have a "
        "salesperson (kept for reference, not used by the weekly review).",
    )
    company_id = fields.Many2one(related="team_id.company_id", store=True, string="Company")
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
    )
    month = fields.Date(
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
        help="First day of the month the targets apply to.",
    )
    revenue_target = fields.Monetary(
        string="Revenue",
        currency_field="currency_id",
        pilot_bounds=AMOUNT_BOUNDS,
    )
    coverage_ratio = fields.Float(
        pilot_bounds=RATIO_BOUNDS,
        string="Pipeline Coverage",
        default=DEFAULT_COVERAGE,
        digits=(16, 2),
        help="Pipeline value to hold, as a multiple of the monthly revenue target.",
    )
    pipeline_target = fields.Monetary(
        string="Pipeline Value",
        currency_field="currency_id",
        compute="_compute_pipeline_target",
        store=True,
    )
    conversion_rate_target = fields.Float(
        string="Conversion Rate (%)",
        default=25.0,
        pilot_bounds=PERCENT_BOUNDS,
    )
    win_rate_target = fields.Float(
        string="Win Rate (%)",
        default=30.0,
        pilot_bounds=PERCENT_BOUNDS,
    )
    deal_size_target = fields.Monetary(
        pilot_bounds=AMOUNT_BOUNDS,
        string="Average Deal Size",
        currency_field="currency_id",
        help="Leave at 0 for no target.",
    )
    cycle_days_target = fields.Float(
        string="Sales Cycle (days)",
        default=30.0,
        pilot_bounds=DAYS_BOUNDS,
    )
    attrition_target = fields.Float(
        pilot_bounds=PERCENT_BOUNDS,
        string="Attrition (%)",
        default=10.0,
        help="Maximum acceptable attrition.",
    )
    margin_rate_target = fields.Float(
        string="Margin Rate (%)",
        default=30.0,
        pilot_bounds=PERCENT_BOUNDS,
    )

    _sql_constraints = [
        (
            "team_user_month_uniq",
            "unique(team_id, user_id, month)",
            "There is already a target for this team, salesperson and month.",
        ),
    ]

    def init(self):
        super().init()
        if index_exists(self.env.cr, TEAM_MONTH_INDEX):
            return
        self.env.cr.execute(
            SQL(
                """SELECT team_id, month, array_agg(id ORDER BY id)
                     FROM crm_pipeline_target
                    WHERE user_id IS NULL
                 GROUP BY team_id, month
                   HAVING count(*) > 1"""
            )
        )
        duplicates = self.env.cr.fetchall()
        if duplicates:
            # Targets typed by users: never deleted by an upgrade. The Python
            # check still refuses new duplicates; the index is created by the
            # first upgrade after they are cleaned up.
            _logger.warning(
                "Pipeline targets: several team targets for the same team and month "
                "(team, month, ids): %s; merge them, then upgrade the module to "
                "enforce one target per team and month in the database",
                duplicates,
            )
            return
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX %s ON %s (team_id, month) WHERE user_id IS NULL",
                SQL.identifier(TEAM_MONTH_INDEX),
                SQL.identifier(self._table),
            )
        )

    def _pilot_team_month_error(self, team, month):
        return ValidationError(
            self.env._(
                "There is already a target for the sales team %(team)s and the month "
                "%(month)s: targets are per team and month, edit the existing one.",
                team=team.display_name,
                month=month.strftime("%Y-%m"),
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        # The database refuses a second team target for a team and month
        # (unique index): say so in words rather than with the SQL error.
        try:
            with self.env.cr.savepoint():
                return super().create(vals_list)
        except UniqueViolation as error:
            if error.diag.constraint_name != TEAM_MONTH_INDEX:
                raise
            default_month = self.default_get(["month"]).get("month")
            seen = set()
            for vals in vals_list:
                if vals.get("user_id"):
                    continue
                team = self.env["crm.team"].browse(vals.get("team_id"))
                month = fields.Date.to_date(vals.get("month") or default_month)
                if (team.id, month) in seen or self._pilot_other_team_targets(team.id, month):
                    raise self._pilot_team_month_error(team, month) from None
                seen.add((team.id, month))
            raise

    def _pilot_other_team_targets(self, team_id, month, exclude_ids=()):
        """Ids of the team targets of ``team_id`` and ``month`` in the
        database, but ``exclude_ids``: a query that flushes nothing, so that
        it runs before the pending update reaches the unique index."""
        self.env.cr.execute(
            SQL(
                """SELECT id FROM crm_pipeline_target
                    WHERE team_id = %s AND month = %s AND user_id IS NULL
                      AND NOT (id = ANY(%s))""",
                team_id,
                month,
                list(exclude_ids),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.constrains("team_id", "user_id", "month")
    def _check_team_month(self):
        """Targets are per team, one per team and month. Existing targets of a
        salesperson (earlier versions) stay readable, but no new one."""
        seen = set()
        for target in self:
            if target.user_id:
                raise ValidationError(
                    self.env._(
                        "Targets are per sales team: leave the salesperson empty "
                        "(target %(name)s).",
                        name=target.name,
                    )
                )
            key = (target.team_id.id, target.month)
            if key in seen or self._pilot_other_team_targets(*key, exclude_ids=self.ids):
                raise self._pilot_team_month_error(target.team_id, target.month)
            seen.add(key)

    @api.depends("team_id", "user_id", "month")
    def _compute_name(self):
        for target in self:
            parts = [target.team_id.name or "", target.user_id.name or ""]
            if target.month:
                parts.append(target.month.strftime("%Y-%m"))
            target.name = " / ".join(part for part in parts if part)

    @api.depends("company_id")
    def _compute_currency_id(self):
        for target in self:
            target.currency_id = (target.company_id or self.env.company).currency_id

    @api.depends("revenue_target", "coverage_ratio")
    def _compute_pipeline_target(self):
        for target in self:
            target.pipeline_target = target.revenue_target * target.coverage_ratio

    @api.constrains("month")
    def _check_month(self):
        if any(target.month.day != 1 for target in self):
            raise ValidationError(self.env._("A target month must start on the first day."))

    @api.constrains(
        "revenue_target",
        "coverage_ratio",
        "deal_size_target",
        "cycle_days_target",
        "conversion_rate_target",
        "win_rate_target",
        "attrition_target",
        "margin_rate_target",
    )
    def _check_target_values(self):
        amounts = {
            "revenue_target": self.env._("revenue"),
            "coverage_ratio": self.env._("pipeline coverage"),
            "deal_size_target": self.env._("average deal size"),
            "cycle_days_target": self.env._("sales cycle"),
        }
        rates = {
            "conversion_rate_target": self.env._("conversion rate"),
            "win_rate_target": self.env._("win rate"),
            "attrition_target": self.env._("attrition"),
            "margin_rate_target": self.env._("margin rate"),
        }
        for target in self:
            for fname, label in amounts.items():
                if target[fname] < 0:
                    raise ValidationError(
                        self.env._(
                            "The %(target)s target of %(name)s cannot be negative.",
                            target=label,
                            name=target.name,
                        )
                    )
            for fname, label in rates.items():
                if not 0 <= target[fname] <= 100:
                    raise ValidationError(
                        self.env._(
                            "The %(target)s target of %(name)s must be between 0 and 100 %%.",
                            target=label,
                            name=target.name,
                        )
                    )

    @api.model
    def _get_target_values(self, team, day, user=None):
        """Targets of ``team`` for the month of ``day``: the team's target record,
        or the defaults when there is none. For the review of one salesperson
        (``user``): the salesperson's own target record when there is one (kept
        from earlier versions); else the team's targets of rates and averages,
        but no target for the team's volumes (``TEAM_VOLUME_KPIS``: a
        salesperson's pipeline is not held against the whole team's)."""
        month = fields.Date.to_date(day).replace(day=1)
        if user:
            own = self.search(
                [("team_id", "=", team.id), ("user_id", "=", user.id), ("month", "=", month)],
                limit=1,
            )
            if own:
                return {kpi.code: own._pilot_target_value(kpi) for kpi in KPIS}
            values = self._get_target_values(team, day)
            values.update(dict.fromkeys(TEAM_VOLUME_KPIS))
            return values
        target = self.search(
            [("team_id", "=", team.id), ("user_id", "=", False), ("month", "=", month)], limit=1
        )
        if target:
            # A value out of its bounds (stored in SQL, or before the bounds)
            # is no target: skipped and logged, the review still opens.
            return {
                kpi.code: None
                if self._pilot_out_of_bounds(
                    kpi.target_field, target[kpi.target_field], f"Target {target.id}"
                )
                else target._pilot_target_value(kpi)
                for kpi in KPIS
            }
        # No target record: the defaults of a new one (none for amounts).
        defaults = self.default_get([kpi.target_field for kpi in KPIS])
        return {
            kpi.code: self._pilot_target_value(kpi, defaults.get(kpi.target_field)) for kpi in KPIS
        }

    def _pilot_target_value(self, kpi, value=None):
        """The target of ``kpi`` (of self, or ``value``), or None for no
        target. An amount is empty at 0 (amounts have no default: a minimum
        revenue of 0 is none); any other 0 is a real target, a demanding one
        for a KPI where lower is better (0 % attrition, 0 days)."""
        if self:
            value = self[kpi.target_field]
        if value is None or value is False:
            return None
        if KPI_BY_CODE[kpi.code].unit == "currency" and not value:
            return None
        return value

    @api.model
    def _get_week_target_values(self, team, week_start, user=None):
        """Targets of ``team`` for the week starting on ``week_start``: each
        month's targets weighted by the number of days of the week in that
        month (a week from 28 September to 4 October takes 3/7 of September's
        targets and 4/7 of October's)."""
        week_start = fields.Date.to_date(week_start)
        days_by_month = {}
        for offset in range(7):
            day = week_start + timedelta(days=offset)
            days_by_month[day.replace(day=1)] = days_by_month.get(day.replace(day=1), 0) + 1
        values = dict.fromkeys((kpi.code for kpi in KPIS), 0.0)
        for month, days in days_by_month.items():
            for code, value in self._get_target_values(team, month, user=user).items():
                # A month without a target leaves the week without one.
                if value is None or values[code] is None:
                    values[code] = None
                else:
                    values[code] += value * days / 7.0
        return values
