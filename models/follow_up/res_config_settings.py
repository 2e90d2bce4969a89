# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..trust.base import POSITIVE_DAYS_BOUNDS
from .limits import MAX_DELAY_DAYS

# Settings field -> shipped follow-up step (automation rule) whose delay it edits.
FOLLOW_UP_STEP_SETTINGS = {
    "pilot_follow_up_first_days": "crm_pipeline_pilot.automation_follow_up_first",
    "pilot_follow_up_second_days": "crm_pipeline_pilot.automation_follow_up_second",
    "pilot_follow_up_escalation_days": "crm_pipeline_pilot.automation_follow_up_escalation",
}


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    pilot_stagnation_days = fields.Integer(
        related="company_id.pilot_stagnation_days", readonly=False
    )
    # The follow-up delays are those of the automation rules themselves
    # (Settings > Technical > Automation Rules): what is shown and saved
    # here is what runs.
    pilot_follow_up_first_days = fields.Integer(
        string="First Follow-up (days)",
        pilot_bounds=POSITIVE_DAYS_BOUNDS,
    )
    pilot_follow_up_second_days = fields.Integer(
        string="Second Follow-up (days)",
        pilot_bounds=POSITIVE_DAYS_BOUNDS,
    )
    pilot_follow_up_escalation_days = fields.Integer(
        string="Escalation to the Team Leader (days)",
        pilot_bounds=POSITIVE_DAYS_BOUNDS,
    )

    @api.model
    def _pilot_follow_up_steps(self):
        """Shipped follow-up steps by settings field (missing ones left out)."""
        steps = {}
        for fname, xmlid in FOLLOW_UP_STEP_SETTINGS.items():
            rule = self.env.ref(xmlid, raise_if_not_found=False)
            if rule:
                steps[fname] = rule.sudo()
        return steps

    @api.model
    def get_values(self):
        # The steps are read as superuser: settings readers only (by RPC too).
        self.check_access("read")
        res = super().get_values()
        for fname, rule in self._pilot_follow_up_steps().items():
            res[fname] = rule.trg_date_range
        return res

    def set_values(self):
        # The steps are written as superuser: settings writers only (by RPC too).
        self.check_access("write")
        res = super().set_values()
        steps = self._pilot_follow_up_steps()
        days = [self[fname] for fname in steps]
        if any(day < 1 for day in days) or days != sorted(set(days)):
            raise ValidationError(
                self.env._(
                    "The follow-up delays must be positive and increasing: first "
                    "follow-up, then second follow-up, then escalation to the team leader."
                )
            )
        if any(day > MAX_DELAY_DAYS for day in days):
            raise ValidationError(
                self.env._("The follow-up delays cannot exceed %(max)s days.", max=MAX_DELAY_DAYS)
            )
        for fname, rule in steps.items():
            if rule.trg_date_range != self[fname]:
                rule.write({"trg_date_range": self[fname], "trg_date_range_type": "day"})
        return res
