# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression

from odoo.addons.base_automation.models.base_automation import DATE_RANGE_FACTOR

from .limits import MAX_DELAY_DAYS


class BaseAutomation(models.Model):
    _inherit = "base.automation"

    pilot_follow_up_step = fields.Boolean(
        string="Follow-up Step",
        help="Run by the opportunity follow-up routine (scheduled action "
        '"CRM: follow-ups on inactive opportunities") instead of the generic '
        "time-based automation check: all eligible opportunities are "
        "processed in batches, at most once per inactivity cycle, and only the "
        "latest step that is due runs. Its actions must be of type "
        '"Create Activity".',
    )

    @api.constrains(
        "pilot_follow_up_step",
        "model_id",
        "trigger",
        "trg_date_id",
        "trg_date_range",
        "trg_date_range_type",
        "action_server_ids",
    )
    def _check_pilot_follow_up_step(self):
        for rule in self.filtered("pilot_follow_up_step"):
            date_field = rule.trg_date_id
            if (
                rule.model_id.model != "crm.lead"
                or rule.trigger != "on_time"
                or not date_field
                or date_field.ttype != "datetime"
                or not date_field.store
                or rule.trg_date_range <= 0
                or rule.trg_date_range_type not in DATE_RANGE_FACTOR
                or any(action.state != "next_activity" for action in rule.action_server_ids)
            ):
                raise ValidationError(
                    self.env._(
                        'The follow-up step "%(rule)s" must apply to opportunities, be '
                        "based on a stored date and time field (such as the last "
                        "interaction) with a positive delay, and only run actions of "
                        'type "Create Activity".',
                        rule=rule.name,
                    )
                )
            if rule._pilot_follow_up_delay_minutes() > MAX_DELAY_DAYS * DATE_RANGE_FACTOR["day"]:
                raise ValidationError(
                    self.env._(
                        'The delay of the follow-up step "%(rule)s" cannot exceed %(max)s days.',
                        rule=rule.name,
                        max=MAX_DELAY_DAYS,
                    )
                )

    def _pilot_follow_up_delay_minutes(self):
        """Delay of a follow-up step, in minutes, to order the steps."""
        self.ensure_one()
        return self.trg_date_range * DATE_RANGE_FACTOR[self.trg_date_range_type]

    @api.model
    def _check(self, automatic=False, use_new_cursor=False):
        # The generic check walks records one by one in a window since the
        # last run: follow-up steps are run by crm.lead._cron_pilot_follow_ups
        # instead, set-based and idempotent.
        return super(BaseAutomation, self.with_context(pilot_skip_follow_up_steps=True))._check(
            automatic=automatic, use_new_cursor=use_new_cursor
        )

    @api.model
    def _search(self, domain, *args, **kwargs):
        if self.env.context.get("pilot_skip_follow_up_steps"):
            domain = expression.AND([domain, [("pilot_follow_up_step", "=", False)]])
        return super()._search(domain, *args, **kwargs)
