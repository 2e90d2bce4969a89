# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Demo data: the dated life of the demo opportunities (their stays in the
stages, expected closing dates, forecast categories and next actions), once
the closed deals exist (crm_lead.py)."""

from datetime import datetime, time, timedelta

from odoo import api, fields, models

from .crm_lead import CLOSED_DEALS, CRITERIA_DEALS


class CrmLead(models.Model):
    _inherit = "crm.lead"

    @api.model
    def _pilot_demo_stage_history(self, leads, closed_dates, now):
        """Replace the stage history of ``leads`` by dated stays through the
        stages of their team, and set their creation, last stage update and
        closing dates to match."""
        self.flush_model()
        self.env.cr.execute(
            "DELETE FROM crm_lead_stage_history WHERE lead_id IN %s", [tuple(leads.ids)]
        )
        stages_of = {}
        for index, lead in enumerate(leads):
            team = lead.team_id
            if team not in stages_of:
                stages_of[team] = self.env["crm.stage"].search(
                    team._pilot_stage_domain(), order="sequence, id"
                )
            stages = stages_of[team]
            open_stages = stages.filtered(lambda stage: not stage.is_won)
            won = lead.active and lead.stage_id.is_won
            lost = not lead.active
            if lead.stage_id in open_stages:
                path = list(open_stages[: list(open_stages).index(lead.stage_id) + 1])
            elif won:
                path = [*open_stages, lead.stage_id]
            else:
                path = [lead.stage_id]
            if won or lost:
                closed = closed_dates.get(lead.id) or now - timedelta(days=(index * 13) % 120 + 2)
                cycle = next(
                    (
                        deal[4]
                        for deal in CLOSED_DEALS + CRITERIA_DEALS
                        if lead.name.startswith(deal[0])
                    ),
                    15 + (index * 9) % 45,
                )
                created = closed - timedelta(days=cycle)
                end = closed
            else:
                closed = None
                created = now - timedelta(days=20 + (index * 11) % 140)
                end = now
            stays = len(path) - 1 if won else len(path)
            step = (end - created) / max(stays, 1)
            rows = []
            for position, stage in enumerate(path):
                date_in = created + step * position
                date_out = date_in + step if position < len(path) - 1 else None
                if won and position == len(path) - 1:
                    date_in = closed
                if not won and not lost and rows and position == len(path) - 1:
                    # The current stay of an open deal: a few days to weeks
                    # (in its first stage: since its creation); the previous
                    # stay ends when it starts.
                    date_in = max(date_in, now - timedelta(days=2 + (index * 5) % 24))
                    rows[-1][6] = date_in
                rows.append(
                    [
                        lead.id,
                        stage.id,
                        lead.user_id.id or None,
                        team.id or None,
                        lead.company_id.id or None,
                        date_in,
                        date_out,
                    ]
                )
            for row in rows:
                self.env.cr.execute(
                    """INSERT INTO crm_lead_stage_history
                           (lead_id, stage_id, user_id, team_id, company_id, date_in, date_out,
                            days, amount_revised, create_uid, create_date, write_uid, write_date)
                       VALUES (%s, %s, %s, %s, %s, %s, %s,
                               CASE WHEN %s::timestamp IS NULL THEN NULL
                                    ELSE EXTRACT(EPOCH FROM (%s::timestamp - %s::timestamp)) / 86400
                               END,
                               FALSE, %s, %s, %s, %s)""",
                    [*row, row[6], row[6], row[5], self.env.uid, now, self.env.uid, now],
                )
            self.env.cr.execute(
                """UPDATE crm_lead
                      SET create_date = %s, date_open = %s, date_last_stage_update = %s,
                          date_closed = %s,
                          date_last_interaction = GREATEST(%s, date_last_interaction),
                          date_deadline = CASE WHEN %s THEN %s::date ELSE date_deadline END
                    WHERE id = %s""",
                [
                    created,
                    created,
                    rows[-1][5],
                    closed,
                    rows[-1][5],
                    closed is not None,
                    closed,
                    lead.id,
                ],
            )
        self.invalidate_model()
        self.env["crm.lead.stage.history"].invalidate_model()
        self._pilot_recompute_reached_proposal()

    @api.model
    def _pilot_demo_date_new_deals(self, xmlids):
        """The demo opportunities of a data file loaded after the history
        (crm_lead.py) get a dated life too: created weeks ago, in their stage
        for days, not created the minute before the user opens them. At
        installation only: deals created the same day."""
        yesterday = fields.Datetime.now() - timedelta(days=1)
        leads = self.browse(
            [lead.id for lead in map(self._pilot_demo_ref, xmlids) if lead]
        ).filtered(lambda lead: lead.create_date > yesterday)
        if leads:
            self._pilot_demo_stage_history(leads, {}, self._pilot_demo_now())

    @api.model
    def _pilot_demo_now(self):
        """The moment the demo's history leads up to: 9:00 of the user's day,
        or an hour ago if that is still to come (the user's day may be ahead
        of UTC): no stay starts in the future, every current one has lasted."""
        return min(
            datetime.combine(fields.Date.context_today(self), time(9, 0)),
            fields.Datetime.now() - timedelta(hours=1),
        )

    @api.model
    def _pilot_demo_close_dates(self, leads, now):
        """An expected closing date for each open opportunity without one,
        spread over the next three months, so that every month's forecast
        has figures (the date as first typed: no change in the ledger)."""
        undated = leads.filtered(
            lambda lead: (
                lead.type == "opportunity" and not lead.date_deadline and not lead.stage_id.is_won
            )
        )
        self.env.flush_all()
        for index, lead in enumerate(undated.sorted("id")):
            self.env.cr.execute(
                "UPDATE crm_lead SET date_deadline = %s WHERE id = %s",
                [(now + timedelta(days=12 + 23 * (index % 4))).date(), lead.id],
            )
        self.invalidate_model(["date_deadline"])

    @api.model
    def _pilot_demo_forecast_categories(self):
        """The open opportunities of the demo teams moved into their stages by
        the demo's SQL take the forecast category of their stage (as a move
        in the kanban would), and each team has a deal in Commit, so that
        Commit and Best case have figures."""
        teams = self._pilot_demo_teams()
        self.env.flush_all()
        self.env.cr.execute(
            """UPDATE crm_lead l
                  SET forecast_category = s.pilot_forecast_category
                 FROM crm_stage s
                WHERE s.id = l.stage_id
                  AND l.type = 'opportunity'
                  AND l.active
                  AND NOT COALESCE(s.is_won, FALSE)
                  AND l.team_id IN %s
                  AND l.forecast_category IS DISTINCT FROM s.pilot_forecast_category""",
            [tuple(teams.ids) or (0,)],
        )
        # A team without a deal in Commit: its salesperson commits the deal
        # expected first, a proposal if any (a choice, until its next stage
        # change).
        self.env.cr.execute(
            """UPDATE crm_lead
                  SET forecast_category = 'commit'
                WHERE id IN (
                    SELECT DISTINCT ON (l.team_id) l.id
                      FROM crm_lead l
                     WHERE l.team_id IN %s
                       AND l.type = 'opportunity'
                       AND l.active
                       AND l.forecast_category IN ('best_case', 'pipeline')
                       AND NOT EXISTS (
                           SELECT 1 FROM crm_lead c
                            WHERE c.team_id = l.team_id
                              AND c.type = 'opportunity'
                              AND c.active
                              AND c.forecast_category = 'commit')
                  ORDER BY l.team_id, l.forecast_category = 'best_case' DESC,
                           l.date_deadline NULLS LAST, l.id)""",
            [tuple(teams.ids) or (0,)],
        )
        self.invalidate_model(["forecast_category"])

    @api.model
    def _pilot_demo_follow_ups(self, leads, now):
        """A dated next action on the open deals that have none; one overdue."""
        follow_up = self._pilot_demo_ref("crm_pipeline_pilot.mail_activity_type_follow_up")
        if not follow_up:
            return
        model = self.env["ir.model"]._get_id("crm.lead")
        values = []
        for index, lead in enumerate(leads.filtered(lambda lead: not lead.activity_ids)):
            if lead.stage_id.is_won:
                continue
            values.append(
                {
                    "res_model_id": model,
                    "res_id": lead.id,
                    "activity_type_id": follow_up.id,
                    "summary": self.env._("Call back about the proposal"),
                    "date_deadline": (now + timedelta(days=(index % 5) * 3 - 2)).date(),
                    "user_id": lead.user_id.id or self.env.uid,
                }
            )
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(
            values
        )
