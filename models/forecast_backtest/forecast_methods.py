# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The forecast methods, declared once: their keys and labels, the methods
that add the team's in-month business to another one, and the rule of that
in-month business. The back-test, the team's recommended method and the
pipeline forecast read these declarations.

In-month business: the revenue a team wins from opportunities created in
the month they are won. No pipeline of the first day of a month holds them,
so every method built on that pipeline misses them. It is learnt from the
team's own history as of the first day of the month forecast, with no
look-ahead: the average, over the last IN_MONTH_MONTHS months fully over
before that day (and not before the month of the team's first opportunity),
of the revenue won in each month from opportunities created in that same
month (the add-on's one definition of won, by closing month, UTC months as
the back-test). A month of that window without such a win counts as 0; a team
without any month of history before that day has no in-month business (the
method then adds nothing).
"""

from odoo.tools import SQL

from ..crm_lead import won_sql

# The forecast methods the back-test compares, in the order of preference
# when two have the same error: each method before the same method plus the
# in-month business, so that the plain method is kept when the in-month
# business adds nothing.
FORECAST_METHODS = [
    ("stage_probability", "Stage probability"),
    ("stage_probability_in_month", "Stage probability + in-month business"),
    ("history", "History-based projection"),
    ("history_in_month", "History-based projection + in-month business"),
    ("commit", "Commit"),
    ("commit_in_month", "Commit + in-month business"),
    ("best_case", "Commit + Best case"),
    ("best_case_in_month", "Commit + Best case + in-month business"),
    ("submission", "Submitted forecasts"),
]
# The methods that add the team's in-month business to another: {method:
# the method whose forecast it adds it to}.
IN_MONTH_BASES = {
    "stage_probability_in_month": "stage_probability",
    "history_in_month": "history",
    "commit_in_month": "commit",
    "best_case_in_month": "best_case",
}
# How many complete months before the forecast date the in-month business
# is averaged over.
IN_MONTH_MONTHS = 6


def base_method(method):
    """The method whose per-opportunity figure ``method`` counts."""
    return IN_MONTH_BASES.get(method, method)


def latest_recommended_sql():
    """SQL of the method to believe for each sales team: the recommended
    result of the latest back-test run done that recommends one for the team.
    Rows (team_id, result_id, method)."""
    return """
        SELECT DISTINCT ON (br.team_id) br.team_id, br.id AS result_id, br.method
          FROM crm_forecast_backtest_result br
          JOIN crm_forecast_backtest b ON b.id = br.backtest_id
         WHERE br.recommended AND b.state = 'done'
         ORDER BY br.team_id, br.backtest_id DESC, br.id
    """


def in_month_sql(months, company=None):
    """SQL of the in-month business of each sales team as of the first day
    of each of ``months`` (SQL of an array of the months' first days): rows
    (month, team_id, company_id, amount), one per team with history before
    that day (see the module's docstring). Per company of the opportunities,
    or, with ``company`` (an id), the opportunities of that company or of
    none, counted under it (as the back-test of that company)."""
    if company:
        lead_company = SQL("%s::int", company)
        company_filter = SQL("AND (l.company_id = %s OR l.company_id IS NULL)", company)
    else:
        lead_company = SQL("l.company_id")
        company_filter = SQL("")
    return SQL(
        """
        SELECT asof.month, start.team_id, start.company_id,
               COALESCE(SUM(won.amount), 0.0)
               / LEAST(%(window)s,
                       (EXTRACT(YEAR FROM asof.month) * 12 + EXTRACT(MONTH FROM asof.month))
                       - (EXTRACT(YEAR FROM start.month) * 12 + EXTRACT(MONTH FROM start.month)))
               AS amount
          FROM unnest(%(months)s) AS asof(month)
          JOIN (
                SELECT l.team_id, %(lead_company)s AS company_id,
                       date_trunc('month', MIN(l.create_date))::date AS month
                  FROM crm_lead l
                 WHERE l.type = 'opportunity' AND l.team_id IS NOT NULL %(company_filter)s
                 GROUP BY 1, 2
          ) start ON start.month < asof.month
          LEFT JOIN (
                SELECT l.team_id, %(lead_company)s AS company_id,
                       date_trunc('month', l.date_closed)::date AS month,
                       SUM(COALESCE(l.expected_revenue, 0.0)) AS amount
                  FROM crm_lead l
                  JOIN crm_stage s ON s.id = l.stage_id
                 WHERE l.type = 'opportunity' AND l.team_id IS NOT NULL
                   AND %(won)s
                   AND date_trunc('month', l.create_date) = date_trunc('month', l.date_closed)
                   %(company_filter)s
                 GROUP BY 1, 2, 3
          ) won ON won.team_id = start.team_id
               AND won.company_id IS NOT DISTINCT FROM start.company_id
               AND won.month < asof.month
               AND won.month >= asof.month - %(window)s * INTERVAL '1 month'
         GROUP BY asof.month, start.team_id, start.company_id, start.month
        """,
        window=IN_MONTH_MONTHS,
        months=months,
        lead_company=lead_company,
        company_filter=company_filter,
        won=SQL(won_sql("l", "s")),
    )
