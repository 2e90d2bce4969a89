# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Fields of opportunities that exit criteria and other rules check (a dated
next action, a valid contact), searchable in a domain."""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.query import Query

from ..crm_lead import assign_values, cached_values, many2one_ids
from ..rule_engine import dated_next_action


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # The opportunity's activities are read with what the dated next action
    # reads of them (every card shows it): the context of the one2many, read
    # by the web client's kanban and form before any compute.
    activity_ids = fields.One2many(context={dated_next_action.READS_CONTEXT_KEY: True})
    has_dated_next_action = fields.Boolean(
        string="Has a Dated Next Action",
        compute="_compute_has_dated_next_action",
        search="_search_has_dated_next_action",
        help="The opportunity has a planned activity with a deadline, planned by a "
        "person: the follow-ups and escalations of the application do not count.",
    )
    is_contact_valid = fields.Boolean(
        string="Valid Contact",
        compute="_compute_is_contact_valid",
        search="_search_is_contact_valid",
        help="A valid phone number for the country of the opportunity (or of the "
        "company), stored in E.164, or a valid email address.",
    )

    @api.model
    def _pilot_follow_up_activity_type_id(self):
        """Id of the add-on's "Follow-up" activity type (0 when deleted), from
        the registry cache of external ids: no query (deleting the type deletes
        its external id), as the kanban cards read it."""
        return (
            self.env["ir.model.data"]._xmlid_to_res_id(
                "crm_pipeline_pilot.mail_activity_type_follow_up"
            )
            or 0
        )

    @api.model
    def _pilot_next_action_domain(self):
        """Activities that prove a dated next action (the rule, defined once:
        ``rule_engine/dated_next_action.py``)."""
        return dated_next_action.activity_domain(self._pilot_follow_up_activity_type_id())

    def _pilot_next_action_deadlines(self):
        """The deadlines of the activities proving a dated next action
        (``rule_engine/dated_next_action.py``) of each lead of self, in
        order: for the computes of the cards, which set a field on every card
        at once. The activities of all the leads are read in one query (with
        the one2many itself, whose context asks for the rule's fields, see
        mail.activity._determine_fields_to_fetch), without a check of access
        per activity: what is computed is the lead's; their values are read
        column by column, not record by record."""
        follow_up_type_id = self._pilot_follow_up_activity_type_id()
        leads = self.sudo()
        # As cached: archived activities too (their active field says so)
        activity_ids_by_lead = cached_values(leads, "activity_ids")
        activities = leads.env["mail.activity"].browse(
            dict.fromkeys(id_ for ids in activity_ids_by_lead for id_ in ids)
        )
        activities.fetch(["active", *dated_next_action.ACTIVITY_FIELDS])
        deadlines = {
            activity_id: deadline
            for activity_id, active, deadline, step, automated, activity_type in zip(
                activities._ids,
                cached_values(activities, "active"),
                cached_values(activities, "date_deadline"),
                many2one_ids(activities, "pilot_follow_up_step_id"),
                cached_values(activities, "automated"),
                many2one_ids(activities, "activity_type_id"),
                strict=True,
            )
            if dated_next_action.is_next_action(
                active, deadline, step, automated, activity_type, follow_up_type_id
            )
        }
        return [
            [deadlines[activity_id] for activity_id in activity_ids if activity_id in deadlines]
            for activity_ids in activity_ids_by_lead
        ]

    @api.depends(*dated_next_action.LEAD_DEPENDS)
    def _compute_has_dated_next_action(self):
        # On every card (through the next action): set for all the leads at once.
        assign_values(
            self,
            "has_dated_next_action",
            [bool(deadlines) for deadlines in self._pilot_next_action_deadlines()],
        )

    def _search_has_dated_next_action(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(self.env._("Unsupported search on a dated next action."))
        positive = (operator == "=") == bool(value)
        # Explicitly planned (active) activities: done ones kept in the history
        # are archived, and the gate searches with active_test=False.
        if positive:
            return [("activity_ids", "any", self._pilot_next_action_domain())]
        # Without one: the leads for which NOT EXISTS such an activity, which
        # PostgreSQL plans as an anti-join. Odoo writes "not any" NOT IN a
        # subquery, which it scans again for every lead once the activities
        # no longer fit in its working memory (the "missing next action"
        # filter on a large pipeline).
        activities = (
            self.env["mail.activity"]
            .sudo()
            ._search([("res_model", "=", self._name), *self._pilot_next_action_domain()])
        )
        activities.add_where(
            SQL(
                "%s = %s",
                SQL.identifier(activities.table, "res_id"),
                SQL.identifier(self._table, "id"),
            )
        )
        leads = Query(self.env, self._table, SQL.identifier(self._table))
        leads.add_where(SQL("NOT EXISTS (%s)", activities.select(SQL("1"))))
        return [("id", "in", leads)]

    @api.depends("phone_sanitized", "email_normalized")
    def _compute_is_contact_valid(self):
        for lead in self:
            lead.is_contact_valid = bool(lead.phone_sanitized or lead.email_normalized)

    def _search_is_contact_valid(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(self.env._("Unsupported search on a valid contact."))
        positive = (operator == "=") == bool(value)
        if positive:
            return ["|", ("phone_sanitized", "!=", False), ("email_normalized", "!=", False)]
        return [("phone_sanitized", "=", False), ("email_normalized", "=", False)]
