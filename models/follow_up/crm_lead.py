# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Follow-ups on inactive deals: last interaction and stagnation (design
1.4); the scheduled run is in crm_lead_follow_up_run.py."""

from datetime import datetime, timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.query import Query

from ..crm_lead import assign_values, cached_values


class CrmLead(models.Model):
    _inherit = "crm.lead"

    date_last_interaction = fields.Datetime(
        pilot_maintained=True,
        string="Last Interaction",
        default=fields.Datetime.now,
        index=True,
        copy=False,
        readonly=True,
        help="Last time a person worked on the opportunity: creation, stage "
        "change, message or note posted, activity marked as done. Automated "
        "writes (scheduled actions, follow-ups, imports run with the context "
        "key pilot_automated) do not change it.",
    )
    inactivity_days = fields.Integer(
        string="Inactivity (days)",
        compute="_compute_inactivity",
        help="Whole days since the last interaction.",
    )
    is_stagnant = fields.Boolean(
        string="Stagnant",
        compute="_compute_inactivity",
        search="_search_is_stagnant",
        help="Open opportunity (not won) without interaction for at least "
        "the stagnation delay of its stage.",
    )
    pilot_escalation_user_id = fields.Many2one(
        "res.users",
        string="Escalation Responsible",
        compute="_compute_pilot_escalation_user_id",
        help="Leader of the sales team, or the salesperson when the team has "
        "no leader: the assignee of escalation follow-ups (user field of the "
        '"Create Activity" action).',
    )

    @api.depends("date_last_interaction", "stage_id.stagnation_days", "stage_id.is_won", "active")
    def _compute_inactivity(self):
        # Computed on every card of the pipeline kanban: the values are read
        # and set for all the leads at once, and the stagnation limit is
        # computed once per stage. Won (WON_DOMAIN) deals never stagnate; the
        # won flag of stages comes from the cached stage ranks (no query).
        self._pilot_fetch(["date_last_interaction", "stage_id", "active"])
        now = fields.Datetime.now()
        limits = {}
        days, stagnant = [], []
        Stage = self.env["crm.stage"]
        ranks = Stage._pilot_ranks()
        for stage_id, last, active in zip(
            self._pilot_stage_ids(),
            cached_values(self, "date_last_interaction"),
            cached_values(self, "active"),
            strict=True,
        ):
            if stage_id not in limits:
                days_limit = Stage.browse(stage_id).stagnation_days or 0
                # Out of its bounds (stored in SQL): logged, never stagnant.
                limits[stage_id] = (
                    datetime.min
                    if stage_id
                    and Stage._pilot_out_of_bounds(
                        "stagnation_days", days_limit, f"Stage {stage_id}"
                    )
                    else now - timedelta(days=days_limit)
                )
            days.append(max((now - last).days, 0) if last else 0)
            won = stage_id in ranks and ranks[stage_id][1]
            stagnant.append(
                bool(last and active and stage_id and not won and last <= limits[stage_id])
            )
        assign_values(self, "inactivity_days", days)
        assign_values(self, "is_stagnant", stagnant)

    def _pilot_stagnant_sql(self, alias, query):
        """SQL boolean expression of ``is_stagnant`` for the crm_lead row of
        ``alias``, joining its stage in ``query``: used to search and to group
        by the (non-stored) field."""
        stage_alias = query.make_alias(alias, "pilot_stagnant_stage")
        query.add_join(
            "LEFT JOIN",
            stage_alias,
            "crm_stage",
            SQL("%s = %s", SQL.identifier(alias, "stage_id"), SQL.identifier(stage_alias, "id")),
        )
        return SQL(
            "COALESCE(%(active)s AND %(stage)s IS NOT NULL AND NOT COALESCE(%(won)s, FALSE)"
            " AND %(last)s <= %(now)s - make_interval(days => %(days)s), FALSE)",
            active=SQL.identifier(alias, "active"),
            stage=SQL.identifier(stage_alias, "id"),
            won=SQL.identifier(stage_alias, "is_won"),
            last=SQL.identifier(alias, "date_last_interaction"),
            days=SQL.identifier(stage_alias, "stagnation_days"),
            now=fields.Datetime.now(),
        )

    def _search_is_stagnant(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(
                self.env._('The "Stagnant" field can only be searched with "=" or "!=" True/False.')
            )
        # Both ways "in" a query of the leads: Odoo writes "not in" a
        # subquery NOT IN, which PostgreSQL scans again for every lead once
        # the subquery no longer fits in its working memory.
        query = Query(self.env, self._table, SQL.identifier(self._table))
        stagnant = self._pilot_stagnant_sql(self._table, query)
        positive = (operator == "=") == value
        query.add_where(stagnant if positive else SQL("NOT %s", stagnant))
        return [("id", "in", query)]

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        # Grouping by the non-stored "Stagnant" field (pipeline group-by).
        if fname == "is_stagnant" and query is not None:
            return self._pilot_stagnant_sql(alias, query)
        return super()._field_to_sql(alias, fname, query, flush)

    @api.depends("team_id.user_id", "user_id")
    def _compute_pilot_escalation_user_id(self):
        for lead in self:
            lead.pilot_escalation_user_id = lead.team_id.user_id or lead.user_id

    def _pilot_is_automated(self):
        """Whether the current write is automated and must not count as an
        interaction: a scheduled action, or code (follow-ups, imports,
        integrations) run with the context key ``pilot_automated=True``."""
        context = self.env.context
        return bool(context.get("pilot_automated") or context.get("ir_cron_progress_id"))

    def _pilot_write_vals(self, vals, state):
        return self._pilot_stamp_interaction(super()._pilot_write_vals(vals, state))

    def _pilot_stamp_interaction(self, vals):
        """Write hook: a stage change by a person is an interaction."""
        if (
            "stage_id" in vals
            and "date_last_interaction" not in vals
            and not self._pilot_is_automated()
            and any(lead.stage_id.id != vals["stage_id"] for lead in self)
        ):
            vals = dict(vals, date_last_interaction=fields.Datetime.now())
        return vals

    def _pilot_touch_interaction(self):
        """Record an interaction now (message by a person, activity done).

        A single UPDATE, not a write: posting in the chatter must stay cheap,
        and neither bump the write date nor fire "on save" automation rules.
        """
        if not self:
            return
        self.env.cr.execute(
            SQL(
                "UPDATE crm_lead SET date_last_interaction = %s WHERE id IN %s",
                fields.Datetime.now(),
                tuple(self.ids),
            )
        )
        self.invalidate_recordset(["date_last_interaction"])
        self.modified(["date_last_interaction"])

    def _message_post_after_hook(self, message, msg_vals):
        # A note or message posted by a person, or an email received from
        # the customer, is an interaction. Incoming emails are fetched by a
        # scheduled action: only the explicit automation flag excludes them.
        message_type = message.message_type
        if (message_type == "comment" and not self._pilot_is_automated()) or (
            message_type == "email" and not self.env.context.get("pilot_automated")
        ):
            self._pilot_touch_interaction()
        return super()._message_post_after_hook(message, msg_vals)
