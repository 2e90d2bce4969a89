# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The forecast back-test on a history built by hand: two teams, four months
(M1..M4, the four months before the current one), each forecast computed by
hand below."""

from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import fields

from .common import PilotCommon


class BacktestCommon(PilotCommon):
    """Team A takes its probabilities from stages (fixed) and works in shared
    stages BT1 (20 %, Pipeline), BT2 (50 %, Best case), BT3 (80 %, Commit);
    team B keeps the automatic probability and has its own stages (TB Neg,
    Commit, and TB Won), so that the win rates of the two teams stay apart.

    Day k is the first day of month Mk (midnight UTC). Win rates of the stages
    before day 1: BT1 1/2, BT2 1/2, BT3 1/1 (H1 won, H2 lost), TB Neg 1/2.

    Team A (forecast of each month; won revenue):
    - M1: A1 10,000 in BT3 (won in M1), A2 4,000 in BT2 (lost in M1); A3
      2,000 created and won in M1. Won 12,000. Stage 8,000 + 2,000 = 10,000;
      history 10,000 + 2,000 = 12,000; Commit 10,000; Commit + Best case
      14,000.
    - M2: A4 20,000 in BT3 (won), A5 5,000 in BT1 whose date was pushed from
      M2 to M3 during M2 (the ledger says M2 on day 2). Won 20,000. Stage
      16,000 + 1,000 = 17,000; history 20,000 + 2,500 = 22,500; Commit and
      Commit + Best case 20,000. Salesman's first submission 18,000 (a later
      one 25,000 and a draft are ignored).
    - M3: A5 5,000 in BT1 (lost in M3), A6 in BT2 with, on day 3, 8,000 and
      the category Commit (both changed during M3, to 9,000 and Best case),
      won in M3 at 9,000. Stage 1,000 + 4,000 = 5,000; history 2,500 + 8,000 x
      1/3 (A2 lost from BT2) = 5,166.67; Commit and Commit + Best case 8,000.
    - M4: A7 6,000 in BT3, still open; A8 3,000 created and won in M4. Won
      3,000. Stage 4,800; history, Commit, Commit + Best case 6,000.
    Team B: B1 7,000 (M1), B2 4,000 (M2), B3 10,000 (M3) in TB Neg, each won
    in its month; B4 2,000 open, expected in M4 where nothing is won. Win
    rates of TB Neg: 1/2 on day 1, 2/3 on day 2, 3/4 on day 3, 4/5 on day 4.

    In-month business (won from deals created in the month they were won):
    both teams' first opportunities were created in M-1 (the month before M0,
    the month before M1: 35 to 45 days before day 1, whatever the months'
    lengths). Team A's in-month wins are A3 (2,000 in M1) and A8 (3,000 in
    M4); so, as of day 1 over M-1..M0 (2 months): 0; day 2 over M-1..M1:
    2,000 / 3 = 666.67; day 3: 2,000 / 4 = 500; day 4: 2,000 / 5 = 400 (A8,
    won in M4, is not known on day 4). Team B has none: 0 each month.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["crm.stage.exit.criterion"].search([]).active = False
        cls.team.pilot_probability_mode = "fixed"
        cls.team_b = cls.env["crm.team"].create(
            {"name": "BT Team B", "user_id": cls.manager.id, "member_ids": [(6, 0, [])]}
        )
        Stage = cls.env["crm.stage"]
        cls.bt1 = Stage.create({"name": "BT1", "sequence": 301, "pilot_probability": 20})
        cls.bt2 = Stage.create(
            {
                "name": "BT2",
                "sequence": 302,
                "pilot_probability": 50,
                "pilot_forecast_category": "best_case",
            }
        )
        cls.bt3 = Stage.create(
            {
                "name": "BT3",
                "sequence": 303,
                "pilot_probability": 80,
                "pilot_forecast_category": "commit",
            }
        )
        cls.bt_won = Stage.create({"name": "BT Won", "sequence": 304, "is_won": True})
        cls.tb_neg = Stage.create(
            {
                "name": "TB Neg",
                "sequence": 311,
                "team_id": cls.team_b.id,
                "pilot_forecast_category": "commit",
            }
        )
        cls.tb_won = Stage.create(
            {"name": "TB Won", "sequence": 312, "team_id": cls.team_b.id, "is_won": True}
        )
        cls.slip = cls.env["crm.slip.reason"].create({"name": "BT budget frozen"})
        current = fields.Date.context_today(cls.env["crm.lead"]).replace(day=1)
        cls.months = [current - relativedelta(months=n) for n in (4, 3, 2, 1)]
        d = cls.day

        a, b = cls.team, cls.team_b
        # Closed before day 1: the win rates
        cls._deal(
            "H1",
            a,
            1000,
            [(cls.bt1, d(1, -45)), (cls.bt2, d(1, -42)), (cls.bt3, d(1, -40))],
            won=d(1, -10),
        )
        cls._deal("H2", a, 1000, [(cls.bt1, d(1, -45)), (cls.bt2, d(1, -42))], lost=d(1, -5))
        cls._deal("HB1", b, 500, [(cls.tb_neg, d(1, -35))], won=d(1, -3))
        cls._deal("HB2", b, 500, [(cls.tb_neg, d(1, -35))], lost=d(1, -2))
        # Team A
        cls._deal("A1", a, 10000, [(cls.bt3, d(1, -20))], deadline=d(1, 14), won=d(1, 9))
        cls._deal("A2", a, 4000, [(cls.bt2, d(1, -15))], deadline=d(1, 19), lost=d(1, 24))
        cls._deal("A3", a, 2000, [(cls.bt3, d(1, 2))], deadline=d(1, 11), won=d(1, 11))
        cls._deal("A4", a, 20000, [(cls.bt3, d(1, -5))], deadline=d(2, 9), won=d(2, 7))
        cls.a5 = cls._deal("A5", a, 5000, [(cls.bt1, d(1, -30))], deadline=d(3, 4), lost=d(3, 19))
        cls._ledger(cls.a5, d(2, 2), d(2, 4), d(3, 4))
        cls.a6 = cls._deal("A6", a, 8000, [(cls.bt2, d(2, -10))], deadline=d(3, 20))
        cls._tracked_write(cls.a6, {"forecast_category": "commit"}, d(3, -2))
        cls._tracked_write(
            cls.a6, {"forecast_category": "best_case", "expected_revenue": 9000}, d(3, 14)
        )
        cls._close(cls.a6, [(cls.bt2, d(2, -10))], won=d(3, 24))
        cls.a7 = cls._deal("A7", a, 6000, [(cls.bt3, d(3, 5))], deadline=d(4, 9))
        cls._deal("A8", a, 3000, [(cls.bt3, d(4, 1))], deadline=d(4, 5), won=d(4, 6))
        # Team B
        cls._deal("B1", b, 7000, [(cls.tb_neg, d(1, -10))], deadline=d(1, 19), won=d(1, 17))
        cls._deal("B2", b, 4000, [(cls.tb_neg, d(1, -1))], deadline=d(2, 9), won=d(2, 8))
        cls._deal("B3", b, 10000, [(cls.tb_neg, d(2, 3))], deadline=d(3, 9), won=d(3, 1))
        cls.b4 = cls._deal("B4", b, 2000, [(cls.tb_neg, d(3, 3))], deadline=d(4, 14))
        # Submissions for M2: the salesman's first counts
        Submission = cls.env["crm.forecast.submission"]
        for week, amount, state in ((2, 18000, "submitted"), (16, 25000, "submitted")):
            Submission.create(
                {
                    "user_id": cls.salesman.id,
                    "team_id": a.id,
                    "month": cls.months[1],
                    "week": cls.months[1] + timedelta(days=week),
                    "commit_amount": amount,
                    "best_case_amount": amount,
                    "state": state,
                }
            )
        # Past periods: history stored as the application (users submit for the
        # current week only).
        Submission.create(
            {
                "user_id": cls.manager.id,
                "team_id": b.id,
                "month": cls.months[1],
                "week": cls.months[1],
                "commit_amount": 99999,
                "best_case_amount": 99999,
            }
        )
        # End of the setup's transaction: the tracking of the leads created
        # without tracking is no longer discarded, as in a later transaction.
        cls.env.flush_all()
        cls.env.cr.precommit.run()

    # ------------------------------------------------------------------
    # Building the history
    # ------------------------------------------------------------------

    @classmethod
    def day(cls, k, days=0):
        """Midnight of the first day of month Mk, plus ``days``."""
        return datetime.combine(cls.months[k - 1], time.min) + timedelta(days=days)

    @classmethod
    def _deal(cls, name, team, revenue, stays, deadline=None, won=None, lost=None):
        stage = stays[-1][0]
        lead = (
            cls.env["crm.lead"]
            .with_context(tracking_disable=True)
            .create(
                {
                    "name": f"BT {name}",
                    "type": "opportunity",
                    "team_id": team.id,
                    "user_id": cls.salesman.id,
                    "stage_id": stage.id,
                    "expected_revenue": revenue,
                }
            )
        )
        cls._close(lead, stays, deadline=deadline, won=won, lost=lost)
        # Tracked from now on, as any opportunity
        return lead.with_env(cls.env)

    @classmethod
    def _close(cls, lead, stays, deadline=None, won=None, lost=None):
        """Give ``lead`` its dated stays (the won stage from ``won``), its
        creation date (the first stay), closing date and outcome."""
        cr = cls.env.cr
        cls.env.flush_all()
        won_stage = cls.tb_won if lead.team_id == cls.team_b else cls.bt_won
        stays = list(stays) + ([(won_stage, won)] if won else [])
        cr.execute("DELETE FROM crm_lead_stage_history WHERE lead_id = %s", [lead.id])
        for index, (stage, date_in) in enumerate(stays):
            date_out = stays[index + 1][1] if index + 1 < len(stays) else None
            cr.execute(
                """INSERT INTO crm_lead_stage_history
                       (lead_id, stage_id, user_id, team_id, company_id, date_in, date_out)
                   VALUES (%s, %s, %s, %s, %s, %s, %s)""",
                [
                    lead.id,
                    stage.id,
                    lead.user_id.id,
                    lead.team_id.id,
                    lead.company_id.id,
                    date_in,
                    date_out,
                ],
            )
        cr.execute(
            """UPDATE crm_lead
                  SET create_date = %s, stage_id = %s, date_closed = %s,
                      date_deadline = COALESCE(%s::date, date_deadline),
                      active = %s, probability = CASE WHEN %s THEN 0 ELSE probability END,
                      forecast_category = CASE WHEN %s THEN 'closed' ELSE forecast_category END
                WHERE id = %s""",
            [
                stays[0][1],
                stays[-1][0].id,
                won or lost,
                deadline,
                not lost,
                bool(lost),
                bool(won),
                lead.id,
            ],
        )
        cls.env.invalidate_all()

    @classmethod
    def _ledger(cls, lead, changed, old, new):
        cls.env.cr.execute(
            """INSERT INTO crm_lead_close_date_change
                   (lead_id, date_old, date_new, pushed, date_changed, team_id, company_id)
               VALUES (%s, %s, %s, TRUE, %s, %s, %s)""",
            [lead.id, old.date(), new.date(), changed, lead.team_id.id, lead.company_id.id],
        )

    @classmethod
    def _tracked_write(cls, lead, vals, when):
        """A write tracked in the chatter (as Odoo does at commit), dated ``when``."""
        with freeze_time(when):
            lead.write(vals)
            cls.env.flush_all()
            cls.env.cr.precommit.run()

    def _run(self, **values):
        run = self.env["crm.forecast.backtest"].create({"months": 4, **values})
        run.action_run()
        return run

    @staticmethod
    def _figures(run):
        details = {
            (d.team_id.id, d.method, d.month): (round(d.forecast, 2), round(d.actual, 2))
            for d in run.detail_ids
        }
        results = {
            (r.team_id.id, r.method): (
                round(r.mape, 3),
                round(r.bias, 3),
                round(r.hit_rate, 3),
                r.months_used,
                r.recommended,
            )
            for r in run.result_ids
        }
        return details, results
