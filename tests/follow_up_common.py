# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Follow-ups: the time-travel helpers and the sales team, stages and follow-up
steps shared by their tests."""

from datetime import datetime, timedelta

from odoo.tests import freeze_time

from .common import PilotCommon

T0 = datetime(2026, 3, 2, 9, 0, 0)
ANCIENT = datetime(2000, 1, 3, 9, 0, 0)


def day(n):
    """Time-travel target: n days (and one hour) after T0."""
    return T0 + timedelta(days=n, hours=1)


class FollowUpCommon(PilotCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The opportunities already in the database (demo data) stay out of
        # the runs of these tests: their last interaction is in the future.
        cls.env.flush_all()
        cls.env.cr.execute("UPDATE crm_lead SET date_last_interaction = '2100-01-01'")
        cls.env.invalidate_all()
        cls.step_first = cls.env.ref("crm_pipeline_pilot.automation_follow_up_first")
        cls.step_second = cls.env.ref("crm_pipeline_pilot.automation_follow_up_second")
        cls.step_escalation = cls.env.ref("crm_pipeline_pilot.automation_follow_up_escalation")
        cls.follow_up_type = cls.env.ref("crm_pipeline_pilot.mail_activity_type_follow_up")
        cls.Lead = cls.env["crm.lead"]

    def _run(self, at, batch_size=1000):
        with freeze_time(at):
            return self.Lead._cron_pilot_follow_ups(batch_size=batch_size)

    def _follow_ups(self, leads):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "crm.lead"),
                ("res_id", "in", leads.ids),
                ("activity_type_id", "=", self.follow_up_type.id),
            ],
            order="id",
        )

    def _summary(self, leads):
        """(lead name, step, assignee login, deadline) of the open follow-ups."""
        return sorted(
            (
                self.Lead.browse(activity.res_id).name,
                activity.pilot_follow_up_step_id,
                activity.user_id.login,
                activity.date_deadline,
            )
            for activity in self._follow_ups(leads)
        )

    def _set_last_interaction(self, leads, when):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead SET date_last_interaction = %s WHERE id = ANY(%s)", [when, leads.ids]
        )
        leads.invalidate_recordset(["date_last_interaction"])
