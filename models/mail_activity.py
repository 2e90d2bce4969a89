from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    pilot_follow_up_step_id = fields.Many2one(
        "base.automation",
        string="Follow-up Step",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="Follow-up step (automation rule) that created this activity.",
    )

    def _action_done(self, feedback=False, attachment_ids=None):
        # Marking an activity done on an opportunity is an interaction.
        lead_ids = [activity.res_id for activity in self if activity.res_model == "crm.lead"]
        result = super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        leads = self.env["crm.lead"].browse(lead_ids)
        if leads and not leads._pilot_is_automated():
            leads._pilot_touch_interaction()
        return result
