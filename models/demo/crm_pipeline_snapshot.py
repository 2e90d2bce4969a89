# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Demo data: the weekly snapshots of the last weeks, from the stage history (see crm_lead.py)."""

from datetime import datetime, time, timedelta

from odoo import api, fields, models


class CrmPipelineSnapshot(models.Model):
    _inherit = "crm.pipeline.snapshot"

    @api.model
    def _pilot_demo_snapshots(self, teams, now, weeks):
        """The weekly snapshots the cron would have taken over the last weeks,
        rebuilt from the stage history of the demo teams."""
        this_week = self._week_start(now.date())
        for back in range(weeks, -1, -1):
            week = this_week - timedelta(weeks=back)
            moment = datetime.combine(week, time(0, 0))
            self.env.cr.execute(
                """INSERT INTO crm_pipeline_snapshot
                       (date, company_id, team_id, user_id, stage_id, lead_count,
                        expected_revenue, prorated_revenue, estimated_margin, prorated_margin,
                        create_uid, create_date, write_uid, write_date)
                   SELECT %(week)s, l.company_id, h.team_id, h.user_id, h.stage_id, COUNT(*),
                          SUM(COALESCE(l.expected_revenue, 0)),
                          SUM(COALESCE(l.prorated_revenue, 0)),
                          SUM(COALESCE(l.estimated_margin, 0)),
                          SUM(COALESCE(l.prorated_margin, 0)),
                          %(uid)s, %(created)s, %(uid)s, %(created)s
                     FROM crm_lead_stage_history h
                     JOIN crm_lead l ON l.id = h.lead_id
                     JOIN crm_stage s ON s.id = h.stage_id
                    WHERE h.team_id IN %(teams)s
                      AND l.type = 'opportunity'
                      AND NOT COALESCE(s.is_won, FALSE)
                      AND h.date_in <= %(moment)s
                      AND (h.date_out IS NULL OR h.date_out > %(moment)s)
                      AND (l.date_closed IS NULL OR l.date_closed > %(moment)s)
                 GROUP BY l.company_id, h.team_id, h.user_id, h.stage_id
                ON CONFLICT DO NOTHING""",
                {
                    "week": week,
                    "moment": moment,
                    "teams": tuple(teams.ids),
                    "uid": self.env.uid,
                    # written now (the demo's "now" is 9:00 of the user's
                    # day, which may still be to come in UTC)
                    "created": fields.Datetime.now(),
                },
            )
        self.invalidate_model()
