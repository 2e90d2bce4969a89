# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The forecast back-test on a history built by hand: two teams, four months
(M1..M4, the four months before the current one), each forecast computed by
hand below."""

from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged

from .common import SALES_MANAGER, PilotCommon, PilotRpcMixin, new_pilot_user


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


@tagged("post_install", "-at_install")
class TestForecastBacktest(BacktestCommon):
    def test_monthly_forecasts_and_actuals(self):
        run = self._run(team_ids=[(6, 0, (self.team | self.team_b).ids)])
        details, _results = self._figures(run)
        a, b = self.team.id, self.team_b.id
        m1, m2, m3, m4 = self.months
        expected = {
            # Team A: forecast, won
            (a, "stage_probability", m1): (10000.0, 12000.0),
            (a, "history", m1): (12000.0, 12000.0),
            (a, "commit", m1): (10000.0, 12000.0),
            (a, "best_case", m1): (14000.0, 12000.0),
            (a, "stage_probability", m2): (17000.0, 20000.0),
            (a, "history", m2): (22500.0, 20000.0),
            (a, "commit", m2): (20000.0, 20000.0),
            (a, "best_case", m2): (20000.0, 20000.0),
            (a, "submission", m2): (18000.0, 20000.0),
            (a, "stage_probability", m3): (5000.0, 9000.0),
            (a, "history", m3): (5166.67, 9000.0),
            (a, "commit", m3): (8000.0, 9000.0),
            (a, "best_case", m3): (8000.0, 9000.0),
            (a, "stage_probability", m4): (4800.0, 3000.0),
            (a, "history", m4): (6000.0, 3000.0),
            (a, "commit", m4): (6000.0, 3000.0),
            (a, "best_case", m4): (6000.0, 3000.0),
            # + in-month business: 0, 666.67, 500, 400
            (a, "stage_probability_in_month", m1): (10000.0, 12000.0),
            (a, "history_in_month", m1): (12000.0, 12000.0),
            (a, "commit_in_month", m1): (10000.0, 12000.0),
            (a, "best_case_in_month", m1): (14000.0, 12000.0),
            (a, "stage_probability_in_month", m2): (17666.67, 20000.0),
            (a, "history_in_month", m2): (23166.67, 20000.0),
            (a, "commit_in_month", m2): (20666.67, 20000.0),
            (a, "best_case_in_month", m2): (20666.67, 20000.0),
            (a, "stage_probability_in_month", m3): (5500.0, 9000.0),
            (a, "history_in_month", m3): (5666.67, 9000.0),
            (a, "commit_in_month", m3): (8500.0, 9000.0),
            (a, "best_case_in_month", m3): (8500.0, 9000.0),
            (a, "stage_probability_in_month", m4): (5200.0, 3000.0),
            (a, "history_in_month", m4): (6400.0, 3000.0),
            (a, "commit_in_month", m4): (6400.0, 3000.0),
            (a, "best_case_in_month", m4): (6400.0, 3000.0),
            # Team B (automatic probability: no stage probability method;
            # its leader's draft submission does not count)
            (b, "history", m1): (3500.0, 7000.0),
            (b, "commit", m1): (7000.0, 7000.0),
            (b, "best_case", m1): (7000.0, 7000.0),
            (b, "history", m2): (2666.67, 4000.0),
            (b, "commit", m2): (4000.0, 4000.0),
            (b, "best_case", m2): (4000.0, 4000.0),
            (b, "history", m3): (7500.0, 10000.0),
            (b, "commit", m3): (10000.0, 10000.0),
            (b, "best_case", m3): (10000.0, 10000.0),
            (b, "history", m4): (1600.0, 0.0),
            (b, "commit", m4): (2000.0, 0.0),
            (b, "best_case", m4): (2000.0, 0.0),
            # + in-month business: 0 (a history without in-month wins)
            (b, "history_in_month", m1): (3500.0, 7000.0),
            (b, "commit_in_month", m1): (7000.0, 7000.0),
            (b, "best_case_in_month", m1): (7000.0, 7000.0),
            (b, "history_in_month", m2): (2666.67, 4000.0),
            (b, "commit_in_month", m2): (4000.0, 4000.0),
            (b, "best_case_in_month", m2): (4000.0, 4000.0),
            (b, "history_in_month", m3): (7500.0, 10000.0),
            (b, "commit_in_month", m3): (10000.0, 10000.0),
            (b, "best_case_in_month", m3): (10000.0, 10000.0),
            (b, "history_in_month", m4): (1600.0, 0.0),
            (b, "commit_in_month", m4): (2000.0, 0.0),
            (b, "best_case_in_month", m4): (2000.0, 0.0),
        }
        self.assertEqual(details, expected)
        # The in-month business each month of a method + in-month business
        in_month = {
            (d.team_id.id, d.month): round(d.in_month, 2)
            for d in run.detail_ids
            if d.method == "commit_in_month"
        }
        self.assertEqual(
            in_month,
            {
                (a, m1): 0.0,
                (a, m2): 666.67,
                (a, m3): 500.0,
                (a, m4): 400.0,
                (b, m1): 0.0,
                (b, m2): 0.0,
                (b, m3): 0.0,
                (b, m4): 0.0,
            },
        )
        self.assertEqual(
            set(run.detail_ids.filtered(lambda d: d.method == "commit").mapped("in_month")), {0.0}
        )
        # A month without revenue won is shown, not counted
        month_4 = run.detail_ids.filtered(lambda d: d.team_id == self.team_b and d.month == m4)
        self.assertEqual(set(month_4.mapped("used")), {False})
        self.assertEqual(run.state, "done")
        self.assertEqual((run.date_from, run.date_to), (m1, m4))

    def test_no_rows_before_the_history_of_a_team(self):
        """A team whose first opportunity was created in M3 has no rows for
        M1 and M2 (not rows of 0); a team without any opportunity, none."""
        team_c = self.env["crm.team"].create({"name": "BT Team C"})
        empty = self.env["crm.team"].create({"name": "BT Team Empty"})
        self._deal("C1", team_c, 3000, [(self.bt3, self.day(3, 5))], won=self.day(3, 20))
        run = self._run(team_ids=[(6, 0, (team_c | empty).ids)])
        m3, m4 = self.months[2:]
        details, results = self._figures(run)
        c = team_c.id
        self.assertEqual(
            details,
            {
                (c, "history", m3): (0.0, 3000.0),
                (c, "commit", m3): (0.0, 3000.0),
                (c, "best_case", m3): (0.0, 3000.0),
                (c, "history", m4): (0.0, 0.0),
                (c, "commit", m4): (0.0, 0.0),
                (c, "best_case", m4): (0.0, 0.0),
                # No history before day 3: no in-month business (nothing
                # added); on day 4, C1 (created and won in M3) over M3.
                (c, "history_in_month", m3): (0.0, 3000.0),
                (c, "commit_in_month", m3): (0.0, 3000.0),
                (c, "best_case_in_month", m3): (0.0, 3000.0),
                (c, "history_in_month", m4): (3000.0, 0.0),
                (c, "commit_in_month", m4): (3000.0, 0.0),
                (c, "best_case_in_month", m4): (3000.0, 0.0),
            },
        )
        self.assertEqual(
            [
                (d.month, d.in_month)
                for d in run.detail_ids.sorted("month")
                if d.method == "commit_in_month"
            ],
            [(m3, False), (m4, 3000.0)],
        )
        self.assertEqual({team for team, _method in results}, {c})

    def test_latest_run_shown_and_nothing_adds_across_runs_or_methods(self):
        """Two runs of the same team: the months and results shown by default
        are the latest run's (August's won revenue once, not twice); deleting
        it brings the previous one back. The won revenue and the errors have
        no total (each method's line repeats the month's won revenue)."""
        teams = self.team | self.team_b
        first = self._run(team_ids=[(6, 0, teams.ids)])
        second = self._run(team_ids=[(6, 0, teams.ids)])
        Detail = self.env["crm.forecast.backtest.detail"]
        Result = self.env["crm.forecast.backtest.result"]
        for action_ref, Model in (
            ("crm_forecast_backtest_detail_action", Detail),
            ("crm_forecast_backtest_result_action", Result),
        ):
            action = self.env.ref(f"crm_pipeline_pilot.{action_ref}")
            self.assertEqual(action.context, "{'search_default_latest': 1}")
            shown = Model.search([("is_latest", "=", True), ("team_id", "in", teams.ids)])
            self.assertEqual(shown.backtest_id, second)
        self.assertEqual(len(Detail.search([("backtest_id", "=", second.id)])), 57)
        m1 = self.months[0]
        [(forecast,)] = Detail._read_group(
            [
                ("is_latest", "=", True),
                ("team_id", "=", self.team.id),
                ("month", "=", m1),
                ("method", "=", "commit"),
            ],
            aggregates=["forecast:sum"],
        )
        self.assertEqual(forecast, 10000.0)
        fields_info = Detail.fields_get(["actual", "error", "forecast"], ["aggregator"])
        self.assertEqual(
            {name: info.get("aggregator") for name, info in fields_info.items()},
            {"actual": None, "error": None, "forecast": "sum"},
        )
        action = self.env.ref("crm_pipeline_pilot.crm_forecast_backtest_detail_action")
        self.assertEqual(action.view_mode, "graph,list")
        second.unlink()
        self.assertEqual(
            Detail.search([("is_latest", "=", True), ("team_id", "in", teams.ids)]).backtest_id,
            first,
        )

    def test_errors_and_recommended_method(self):
        run = self._run(team_ids=[(6, 0, (self.team | self.team_b).ids)])
        _details, results = self._figures(run)
        a, b = self.team.id, self.team_b.id
        # Team A, errors in % of the won revenue, month by month:
        #   stage      -16.667, -15,     -44.444, +60
        #   history      0,     +12.5,   -42.593, +100
        #   commit     -16.667,   0,     -11.111, +100
        #   best case  +16.667,   0,     -11.111, +100
        #   submission           -10 (one month: not recommended)
        # + in-month business (0, 666.67, 500, 400 added):
        #   stage      -16.667, -11.667, -38.889, +73.333
        #   history      0,     +15.833, -37.037, +113.333
        #   commit     -16.667,  +3.333,  -5.556, +113.333
        #   best case  +16.667,  +3.333,  -5.556, +113.333
        # Commit and Commit + Best case tie on the mean absolute error: the
        # smaller bias wins (the figures are kept to one decimal). Team B:
        # Commit (and Commit + Best case) exact; its in-month business is 0:
        # each method + in-month business ties with its method, which is
        # preferred.
        self.assertEqual(
            results,
            {
                (a, "stage_probability"): (34.0, -4.0, 0.0, 4, False),
                (a, "history"): (38.8, 17.5, 25.0, 4, False),
                (a, "commit"): (31.9, 18.1, 25.0, 4, True),
                (a, "best_case"): (31.9, 26.4, 25.0, 4, False),
                (a, "submission"): (10.0, -10.0, 100.0, 1, False),
                (a, "stage_probability_in_month"): (35.1, 1.5, 0.0, 4, False),
                (a, "history_in_month"): (41.6, 23.0, 25.0, 4, False),
                (a, "commit_in_month"): (34.7, 23.6, 50.0, 4, False),
                (a, "best_case_in_month"): (34.7, 31.9, 50.0, 4, False),
                (b, "history"): (36.1, -36.1, 0.0, 3, False),
                (b, "commit"): (0.0, 0.0, 100.0, 3, True),
                (b, "best_case"): (0.0, 0.0, 100.0, 3, False),
                (b, "history_in_month"): (36.1, -36.1, 0.0, 3, False),
                (b, "commit_in_month"): (0.0, 0.0, 100.0, 3, False),
                (b, "best_case_in_month"): (0.0, 0.0, 100.0, 3, False),
            },
        )
        # The recommendation reaches the teams, the forecast and the weekly review
        self.assertEqual(self.team.pilot_forecast_method, "commit")
        self.assertEqual(self.team.pilot_forecast_method_mape, 31.9)
        self.assertEqual(self.team_b.pilot_forecast_method, "commit")
        self.env["crm.pipeline.forecast"].invalidate_model()
        rows = self.env["crm.pipeline.forecast"].search(
            [("lead_id", "in", (self.a7 | self.b4).ids)]
        )
        self.assertEqual(
            {(row.lead_id.id, row.recommended_method, row.recommended_revenue) for row in rows},
            {(self.a7.id, "commit", 6000.0), (self.b4.id, "commit", 2000.0)},
        )
        review = self.env["crm.pipeline.review"].create(
            {"team_ids": [(6, 0, (self.team | self.team_b).ids)]}
        )
        self.assertEqual(
            {(r.team_id.id, r.method) for r in review.backtest_recommendation_ids},
            {(a, "commit"), (b, "commit")},
        )

    def test_in_month_business_window_and_no_look_ahead(self):
        """The in-month business of a day averages the complete months before
        it, at most the last six, from the team's first month on: with A10
        (6,000, created and won in M-3, which becomes team A's first month)
        and A9 (1,200, created and won in M3), day 1 averages M-3..M0 (6,000 /
        4), day 2 M-3..M1 (8,000 / 5), day 3 M-3..M2 (8,000 / 6), day 4 the six
        months M-2..M3 (A10 is out: 3,200 / 6). A9 counts from day 4 only,
        A8 (M4) never."""
        first = datetime.combine(self.months[0] - relativedelta(months=4), time.min)
        self._deal(
            "A10",
            self.team,
            6000,
            [(self.bt3, first + timedelta(days=2))],
            won=first + timedelta(days=9),
        )
        self._deal(
            "A9",
            self.team,
            1200,
            [(self.bt3, self.day(3, 2))],
            deadline=self.day(3, 20),
            won=self.day(3, 20),
        )
        run = self._run(team_ids=[(6, 0, self.team.ids)])
        m1, m2, m3, m4 = self.months
        self.assertEqual(
            {
                d.month: round(d.in_month, 2)
                for d in run.detail_ids
                if d.method == "history_in_month"
            },
            {m1: 1500.0, m2: 1600.0, m3: 1333.33, m4: 533.33},
        )
        # Added to the base method's forecast, month by month
        forecasts = {
            (d.method, d.month): round(d.forecast, 2)
            for d in run.detail_ids
            if d.method in ("commit", "commit_in_month")
        }
        for month in self.months:
            in_month = run.detail_ids.filtered(
                lambda d, m=month: d.method == "commit_in_month" and d.month == m
            ).in_month
            self.assertAlmostEqual(
                forecasts["commit_in_month", month], forecasts["commit", month] + in_month, 2
            )

    def test_history_projection_unknown_without_win_rates(self):
        """Team D's first deal, D1 (5,000, created in M1, won in M2), is in the
        pipeline of day 2 in a stage through which no opportunity had closed
        yet: the history-based projection of M2 is unknown, not 0 (no row,
        the month is not measured for it); the other methods have their
        figure. An empty pipeline is a forecast of 0 (M1, M3, M4)."""
        team_d = self.env["crm.team"].create({"name": "BT Team D"})
        fresh = self.env["crm.stage"].create(
            {"name": "BT Fresh", "sequence": 305, "pilot_forecast_category": "commit"}
        )
        self._deal(
            "D1",
            team_d,
            5000,
            [(fresh, self.day(1, 5))],
            deadline=self.day(2, 10),
            won=self.day(2, 10),
        )
        run = self._run(team_ids=[(6, 0, team_d.ids)])
        m1, m2, m3, m4 = self.months
        details, results = self._figures(run)
        d = team_d.id
        self.assertEqual(
            {key: value for key, value in details.items() if key[1] in ("history", "commit")},
            {
                (d, "history", m1): (0.0, 0.0),
                (d, "history", m3): (0.0, 0.0),
                (d, "history", m4): (0.0, 0.0),
                (d, "commit", m1): (0.0, 0.0),
                (d, "commit", m2): (5000.0, 5000.0),
                (d, "commit", m3): (0.0, 0.0),
                (d, "commit", m4): (0.0, 0.0),
            },
        )
        self.assertNotIn((d, "history_in_month", m2), details)
        self.assertNotIn((d, "history"), results)
        self.assertEqual(results[d, "commit"], (0.0, 0.0, 100.0, 1, False))

    def test_pipeline_forecast_in_month_rows(self):
        """The pipeline forecast shows each team's in-month business as of
        today (over the six complete months M-1..M4: 5,000 / 6 for team A, 0
        for team B) on rows without an opportunity nor a salesperson, for the
        current month (the share of its days still to come) and the next two;
        the recommended forecast counts it when the team's recommended method
        adds it, and then counts for each opportunity what the base method
        counts."""
        teams = self.team | self.team_b
        run = self._run(team_ids=[(6, 0, teams.ids)])
        Forecast = self.env["crm.pipeline.forecast"]
        self.env.cr.execute("SELECT (now() AT TIME ZONE 'UTC')::date")
        [today] = self.env.cr.fetchone()
        current = today.replace(day=1)
        following = current + relativedelta(months=1)
        share = (following - today).days / (following - current).days
        a, b = self.team.id, self.team_b.id

        def in_month_rows():
            Forecast.invalidate_model()
            rows = Forecast.search([("team_id", "in", teams.ids), ("lead_id", "=", False)])
            self.assertFalse(rows.user_id | rows.lead_id.user_id)
            self.assertFalse(rows.lead_id)
            return {
                (row.team_id.id, row.date_deadline): (
                    round(row.in_month_revenue, 2),
                    row.recommended_method,
                    round(row.recommended_revenue, 2),
                )
                for row in rows
            }

        months = [current + relativedelta(months=n) for n in range(3)]
        team_a = round(5000 / 6 * share, 2)
        self.assertEqual(
            in_month_rows(),
            {
                (a, months[0]): (team_a, "commit", 0.0),
                (a, months[1]): (833.33, "commit", 0.0),
                (a, months[2]): (833.33, "commit", 0.0),
                (b, months[0]): (0.0, "commit", 0.0),
                (b, months[1]): (0.0, "commit", 0.0),
                (b, months[2]): (0.0, "commit", 0.0),
            },
        )
        # Team A's recommended method becomes Commit + in-month business
        self.assertEqual(self.team.pilot_forecast_method, "commit")
        results = run.result_ids.filtered(lambda r: r.team_id == self.team)
        results.filtered("recommended").recommended = False
        results.filtered(lambda r: r.method == "commit_in_month").recommended = True
        self.team.invalidate_recordset(["pilot_forecast_method"])
        self.assertEqual(self.team.pilot_forecast_method, "commit_in_month")
        rows = in_month_rows()
        self.assertEqual(rows[a, months[0]], (team_a, "commit_in_month", team_a))
        self.assertEqual(rows[a, months[1]], (833.33, "commit_in_month", 833.33))
        self.assertEqual(rows[b, months[1]], (0.0, "commit", 0.0))
        a7 = Forecast.search([("lead_id", "=", self.a7.id)])
        self.assertEqual(
            (a7.recommended_method, a7.recommended_revenue, a7.in_month_revenue),
            ("commit_in_month", 6000.0, 0.0),
        )

    def test_in_month_rows_are_a_team_figure(self):
        """The rows of the in-month business are a figure of the whole team
        (everybody's wins): a salesperson limited to their own opportunities
        does not see them, and still sees their opportunities; the sales
        manager sees both."""
        self._run(team_ids=[(6, 0, self.team.ids)])
        Forecast = self.env["crm.pipeline.forecast"]
        in_month = [("team_id", "=", self.team.id), ("lead_id", "=", False)]
        self.assertEqual(Forecast.with_user(self.salesman).search_count(in_month), 0)
        self.assertEqual(Forecast.with_user(self.manager).search_count(in_month), 3)
        for user in (self.salesman, self.manager):
            self.assertEqual(
                Forecast.with_user(user).search([("lead_id", "=", self.a7.id)]).lead_id, self.a7
            )

    def test_methods_compared_never_averaged_across_methods(self):
        """The pivot of the methods compared (teams in rows, methods in
        columns): each cell is one team's method, the column of a method
        averages it over the teams, but a team's Total column (and the grand
        total) would average different methods: it stays empty. The same for
        a list grouped by team, and for the months' forecasts."""
        run = self._run(team_ids=[(6, 0, (self.team | self.team_b).ids)])
        Result = self.env["crm.forecast.backtest.result"]
        domain = [("backtest_id", "=", run.id)]
        measures = ["mape:avg", "bias:avg", "hit_rate:avg"]
        cells = {
            (g["team_id"][0], g["method"]): (g["mape"], g["bias"], g["hit_rate"])
            for g in Result.read_group(domain, measures, ["team_id", "method"], lazy=False)
        }
        self.assertEqual(cells[(self.team.id, "commit")], (31.9, 18.1, 25.0))
        self.assertEqual(cells[(self.team_b.id, "commit")], (0.0, 0.0, 100.0))
        for groupby, lazy in ((["team_id"], False), ([], False), (["team_id", "method"], True)):
            groups = Result.read_group(domain, measures, groupby, lazy=lazy)
            self.assertTrue(groups)
            self.assertEqual(
                {(g["mape"], g["bias"], g["hit_rate"]) for g in groups}, {(False, False, False)}
            )
        by_method = {
            g["method"]: (g["mape"], g["hit_rate"])
            for g in Result.read_group(domain, measures, ["method"], lazy=False)
        }
        self.assertEqual(by_method["commit"], (15.95, 62.5))
        Detail = self.env["crm.forecast.backtest.detail"]
        [group] = Detail.read_group(
            [*domain, ("team_id", "=", self.team.id)], ["forecast:sum"], ["team_id"]
        )
        self.assertIs(group["forecast"], False)
        forecasts = {
            g["method"]: g["forecast"]
            for g in Detail.read_group(
                [*domain, ("team_id", "=", self.team.id), ("month", "=", self.months[0])],
                ["forecast:sum"],
                ["method"],
                lazy=False,
            )
        }
        self.assertEqual(forecasts["commit"], 10000.0)

    def test_data_after_the_rebuilt_day_changes_nothing(self):
        run = self._run(team_ids=[(6, 0, (self.team | self.team_b).ids)])
        before = self._figures(run)
        # A later stage move, close-date push and amount revision of A7 in M4
        # (after day 4), through the application
        with freeze_time(self.day(4, 3)):
            self.a7.write({"stage_id": self.bt1.id})
            self.a7.write(
                {
                    "date_deadline": self.day(4, 45).date(),
                    "slip_reason_id": self.slip.id,
                    "expected_revenue": 60000,
                    "forecast_category": "omitted",
                }
            )
            self.env.flush_all()
            self.env.cr.precommit.run()
        self.assertEqual(self.a7.close_date_push_count, 1)
        # A deal created later, expected to close in M2
        with freeze_time(self.day(2, 2)):
            late = self._opportunity(
                "BT late",
                team_id=self.team.id,
                stage_id=self.bt3.id,
                expected_revenue=50000,
                date_deadline=self.day(2, 20).date(),
            )
        self.assertGreater(late.create_date, self.day(2))
        # A later win (this month) of a deal open in M4
        self.b4.write({"stage_id": self.tb_won.id})
        self.assertGreaterEqual(
            self.b4.date_closed.date(), self.months[3] + relativedelta(months=1)
        )
        run.action_run()
        self.maxDiff = None
        self.assertEqual(self._figures(run), before)

    def test_queries_grow_with_months_not_leads(self):
        def count(months):
            run = self.env["crm.forecast.backtest"].create({"months": months})
            self.env.flush_all()
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            run.action_run()
            self.env.flush_all()
            return self.env.cr.sql_log_count - start

        two, four = count(2), count(4)
        for index in range(30):
            self._deal(
                f"More {index}",
                self.team,
                1000,
                [(self.bt2, self.day(2, -3))],
                deadline=self.day(3, 3),
            )
        self.assertEqual(count(4), four, "the queries do not depend on the number of leads")
        self.assertLessEqual(four - two, 2 * 2, "at most two queries per month")

    def test_bad_input_changes_nothing(self):
        Backtest = self.env["crm.forecast.backtest"]
        before = Backtest.search_count([])
        for months, text in (
            (0, "A back-test covers from 1 to 36 months, not 0."),
            (-3, "A back-test covers from 1 to 36 months, not -3."),
            (37, "A back-test covers from 1 to 36 months, not 37."),
        ):
            with self.subTest(months=months), self.assertRaisesMessage(ValidationError, text):
                Backtest.create({"months": months})
        self.assertEqual(Backtest.search_count([]), before)
        run = self._run()
        with self.assertRaisesMessage(ValidationError, "cannot be in the future"):
            run.write({"date": fields.Date.today() + timedelta(days=40)})
        with self.assertRaisesMessage(ValidationError, "not 0"):
            run.write({"months": 0})
        self.assertEqual((run.months, run.date), (4, fields.Date.context_today(run)))
        # In the user's language
        self.env["res.lang"]._activate_lang("fr_FR")
        with self.assertRaises(ValidationError) as catcher:
            Backtest.with_context(lang="fr_FR").create({"months": 99})
        self.assertIn("de 1 à 36 mois", str(catcher.exception))

    def test_weekly_cron(self):
        runs = self.env["crm.forecast.backtest"]._cron_backtest()
        self.assertTrue(runs)
        self.assertEqual(set(runs.mapped("state")), {"done"})
        self.assertEqual(set(runs.mapped("months")), {12})
        self.assertIn(self.env.company, runs.company_id)


@tagged("post_install", "-at_install")
class TestForecastBacktestRpc(PilotRpcMixin, HttpCase):
    """Salespeople read back-tests and their results; only sales managers run
    them and read the monthly amounts; a company's back-tests stay in it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "BT Company B"})
        cls.salesman = new_pilot_user(
            cls.env, "pilot_bt_salesman", name="Bea Salesman", email="bea@example.com"
        )
        cls.manager = new_pilot_user(
            cls.env,
            "pilot_bt_manager",
            name="Max Manager",
            email="max@example.com",
            groups=SALES_MANAGER,
        )
        cls.team = cls.env["crm.team"].create({"name": "BT RPC Team"})
        cls.team_b = cls.env["crm.team"].create(
            {"name": "BT RPC Team B", "company_id": cls.company_b.id}
        )
        cls.bt_run = cls.env["crm.forecast.backtest"].create(
            {"months": 2, "team_ids": [(6, 0, cls.team.ids)]}
        )
        cls.bt_run.action_run()
        cls.bt_run_b = cls.env["crm.forecast.backtest"].create(
            {"months": 2, "company_id": cls.company_b.id, "team_ids": [(6, 0, cls.team_b.ids)]}
        )

    def test_salesperson_reads_but_cannot_run(self):
        self._login(self.salesman)
        found = self._call_kw("crm.forecast.backtest", "search_read", [[]], {"fields": ["months"]})[
            "result"
        ]
        self.assertEqual(
            [row["id"] for row in found if row["id"] == self.bt_run.id], [self.bt_run.id]
        )
        self.assertNotIn(self.bt_run_b.id, [row["id"] for row in found])
        response = self._call_kw(
            "crm.forecast.backtest.result", "search_read", [[]], {"fields": ["mape"]}
        )
        self.assertIn("result", response)
        for method, args in (
            ("action_run", [[self.bt_run.id]]),
            ("create", [{"months": 3}]),
            ("write", [[self.bt_run.id], {"months": 1}]),
            ("unlink", [[self.bt_run.id]]),
        ):
            with self.subTest(method=method):
                self.assertEqual(
                    self._error_name(self._call_kw("crm.forecast.backtest", method, args)),
                    "odoo.exceptions.AccessError",
                )
        self.assertEqual(
            self._error_name(
                self._call_kw("crm.forecast.backtest.detail", "search_read", [[]], {"fields": []})
            ),
            "odoo.exceptions.AccessError",
        )
        self.assertEqual(
            self._error_name(
                self._call_kw(
                    "crm.forecast.backtest.result",
                    "write",
                    [self.bt_run.result_ids.ids or [0], {"recommended": True}],
                )
            ),
            "odoo.exceptions.AccessError",
        )
        self.assertEqual(self.bt_run.months, 2)

    def test_manager_runs_in_their_company(self):
        self._login(self.manager)
        response = self._call_kw("crm.forecast.backtest", "create", [{"months": 3}])
        run = self.env["crm.forecast.backtest"].browse(response["result"])
        self.assertIn("result", self._call_kw("crm.forecast.backtest", "action_run", [run.ids]))
        self.assertEqual(run.state, "done")
        self.assertEqual(run.company_id, self.env.company)
        # Another company's back-test and teams are out of reach
        self.assertEqual(
            self._error_name(
                self._call_kw("crm.forecast.backtest", "action_run", [self.bt_run_b.ids])
            ),
            "odoo.exceptions.AccessError",
        )
        self.assertEqual(self.bt_run_b.state, "draft")
        self.assertIn(
            "error",
            self._call_kw(
                "crm.forecast.backtest",
                "create",
                [{"months": 3, "team_ids": [(6, 0, self.team_b.ids)]}],
            ),
        )


@tagged("post_install", "-at_install")
class TestForecastBacktestDemo(PilotCommon):
    def test_demo_backtest_has_figures_for_every_demo_team(self):
        """The demo's back-test (run at install over six months) measures each
        demo team over months with revenue won, and recommends a method."""
        run = self.env.ref("crm_pipeline_pilot.forecast_backtest_demo")
        self.assertEqual(run.state, "done")
        teams = self.env["crm.lead"]._pilot_demo_teams()
        self.assertEqual(len(teams), 3)
        for team in teams:
            with self.subTest(team=team.name):
                results = run.result_ids.filtered(lambda r, t=team: r.team_id == t)
                history = results.filtered(lambda r: r.method == "history")
                self.assertGreaterEqual(history.months_used, 3)
                self.assertIn(
                    team.pilot_forecast_method, results.filtered("recommended").mapped("method")
                )
                details = run.detail_ids.filtered(lambda d, t=team: d.team_id == t and d.used)
                self.assertTrue(all(d.actual > 0 for d in details))
                for method in ("history", "best_case"):
                    self.assertTrue(
                        any(d.forecast > 0 for d in details if d.method == method), method
                    )
