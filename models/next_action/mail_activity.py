# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


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
