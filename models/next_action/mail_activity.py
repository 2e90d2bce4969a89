# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from ..rule_engine import dated_next_action


class MailActivity(models.Model):
    _inherit = "mail.activity"

    pilot_next_action_rule_id = fields.Many2one(
        "crm.next.action.rule",
        string="Next Best Action",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The next best action this activity was planned from.",
    )

    # What an opportunity's dated next action reads of its activities
    # (crm.lead.has_dated_next_action, on the kanban cards and in the gate).
    PILOT_NEXT_ACTION_ACTIVITY_READS = dated_next_action.ACTIVITY_FIELDS

    def _determine_fields_to_fetch(self, field_names, ignore_when_in_cache=False):
        # A document's activities (one2many activity_ids) are read with their
        # document and active fields only: for an opportunity's activities
        # (the context key of crm.lead's activity_ids), the few fields of the
        # dated next action come in the same query, instead of a second one
        # per page of cards. Any other read of activities is Odoo's.
        if self.env.context.get(dated_next_action.READS_CONTEXT_KEY) and list(field_names) == [
            "res_id",
            "active",
        ]:
            field_names = [*field_names, *self.PILOT_NEXT_ACTION_ACTIVITY_READS]
        return super()._determine_fields_to_fetch(field_names, ignore_when_in_cache)
