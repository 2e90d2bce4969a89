# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Which exit criteria predict wins: for each active criterion and company,
the win rate of the closed opportunities that met it versus those that did
not (design 1.1, issue "probabilities that explain themselves").

The population of a criterion: the closed opportunities (won, or lost:
archived with a probability of 0) of the company, closed in the last N months
(company setting), that stayed in the criterion's stage (stage history).

"Met" is the criterion evaluated on the closed opportunity as it is now,
exactly as the checklist evaluates it: a field criterion on the field's
value, a domain criterion on the domain (archived opportunities included), a
manual criterion on the confirmations ticked on the opportunity
(``confirmed_criterion_ids``, kept after closing). The values a deal had when
it left the stage are not stored, so what changed after closing is read as it
is now (see the user guide).

Stored, refreshed by a daily scheduled action and on demand (sales managers):
the opportunity form reads them, it never computes them.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..crm_lead import won_sql

VERDICTS = [
    ("predictive", "Predicts wins"),
    ("paperwork", "Paperwork"),
    ("against", "Goes with losses"),
    ("insufficient", "Not enough data"),
]


def verdict(met_count, not_met_count, lift, min_sample, min_lift):
    """The verdict on a criterion: not enough data when either side has fewer
    than ``min_sample`` closed opportunities; otherwise it predicts wins when
    the win rate of those that met it is at least ``min_lift`` points higher
    than that of those that did not, goes with losses when it is at least
    ``min_lift`` points lower, and is paperwork in between."""
    if min(met_count, not_met_count) < min_sample:
        return "insufficient"
    if lift >= min_lift:
        return "predictive"
    if lift <= -min_lift:
        return "against"
    return "paperwork"


def rate(won, total):
    return 100.0 * won / total if total else 0.0


class CrmStageExitCriterionStat(models.Model):
    _name = "crm.stage.exit.criterion.stat"
    _description = "Exit Criterion Win Rates"
    _order = "stage_sequence, stage_id, criterion_sequence, criterion_id, company_id"
    _rec_name = "criterion_id"

    criterion_id = fields.Many2one(
        "crm.stage.exit.criterion",
        string="Exit Criterion",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    criterion_sequence = fields.Integer(readonly=True)
    criterion_type = fields.Selection(related="criterion_id.criterion_type")
    stage_id = fields.Many2one("crm.stage", readonly=True, index=True, ondelete="cascade")
    stage_sequence = fields.Integer(readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True, index=True, ondelete="cascade")
    met_count = fields.Integer(
        string="Met (closed)",
        readonly=True,
        help="Closed opportunities that stayed in the stage and meet the criterion.",
    )
    met_won_count = fields.Integer(string="Met (won)", readonly=True)
    not_met_count = fields.Integer(
        string="Not Met (closed)",
        readonly=True,
        help="Closed opportunities that stayed in the stage and do not meet the criterion.",
    )
    not_met_won_count = fields.Integer(string="Not Met (won)", readonly=True)
    met_win_rate = fields.Float(
        string="Win Rate when Met (%)", readonly=True, aggregator="avg", digits=(16, 1)
    )
    not_met_win_rate = fields.Float(
        string="Win Rate when Not Met (%)", readonly=True, aggregator="avg", digits=(16, 1)
    )
    lift = fields.Float(
        string="Lift (points)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Win rate when met minus win rate when not met, in percentage points.",
    )
    verdict = fields.Selection(
        VERDICTS,
        readonly=True,
        help="Not enough data: fewer closed opportunities than the minimum sample on "
        "either side. Predicts wins: the lift reaches the minimum lift. Goes with "
        "losses: the lift is at most minus the minimum lift. Paperwork: in between "
        "(no real difference).",
    )
    min_sample = fields.Integer(string="Minimum Sample", readonly=True)
    months = fields.Integer(string="Months of History", readonly=True)
    date_computed = fields.Datetime(string="Computed on", readonly=True)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_refresh(self):
        """Recompute the win rates now (sales managers; the button of the
        report's list, whatever rows are selected)."""
        if not (self.env.su or self.env.user.has_group("sales_team.group_sale_manager")):
            raise AccessError(
                self.env._("Only sales managers can recompute the win rates of the exit criteria.")
            )
        self.sudo()._pilot_refresh()
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    @api.model
    def _cron_refresh(self):
        self._pilot_refresh()

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------

    @api.model
    def _pilot_population(self, now):
        """The closed opportunities of the window of their company:
        {stage id: {lead id: (company id, won)}}, for the stages they stayed in
        (one query). An opportunity without a company uses the settings of the
        current company."""
        self.env["crm.lead"].flush_model()
        self.env["crm.lead.stage.history"].flush_model()
        self.env["res.company"].flush_model(["pilot_factor_months"])
        default_months = self.env.company.pilot_factor_months
        self.env.cr.execute(
            f"""
            SELECT h.stage_id, l.id, l.company_id, {won_sql("l", "s")} AS won
              FROM crm_lead l
              JOIN crm_lead_stage_history h ON h.lead_id = l.id
         LEFT JOIN crm_stage s ON s.id = l.stage_id
         LEFT JOIN res_company c ON c.id = l.company_id
             WHERE l.type = 'opportunity'
               AND ({won_sql("l", "s")}
                    OR (NOT l.active AND COALESCE(l.probability, 0) = 0))
               AND l.date_closed IS NOT NULL
               AND l.date_closed <= %(now)s
               AND l.date_closed >= %(now)s
                   - make_interval(months => COALESCE(c.pilot_factor_months, %(months)s))
          GROUP BY h.stage_id, l.id, l.company_id, won
            """,
            {"now": now, "months": default_months},
        )
        population = {}
        for stage_id, lead_id, company_id, won in self.env.cr.fetchall():
            population.setdefault(stage_id, {})[lead_id] = (company_id or False, won)
        return population

    @api.model
    def _pilot_refresh(self, now=None):
        """Replace the win rates of every active criterion: one query for the
        population, then one search per criterion over the opportunities of
        its stage; counts per company."""
        now = now or fields.Datetime.now()
        # Two refreshes at once (the scheduled one and a manager's) run one
        # after the other.
        self.env.cr.execute(
            "SELECT pg_advisory_xact_lock(hashtext('crm_stage_exit_criterion_stat'))"
        )
        Criterion = self.env["crm.stage.exit.criterion"].sudo()
        Lead = self.env["crm.lead"].sudo().with_context(active_test=False)
        population = self._pilot_population(now)
        settings = {}

        def company_settings(company_id):
            if company_id not in settings:
                company = self.env["res.company"].browse(company_id) or self.env.company
                settings[company_id] = (
                    company.pilot_factor_months,
                    company.pilot_factor_min_sample,
                    company.pilot_factor_min_lift,
                )
            return settings[company_id]

        vals_list = []
        ids_by_stage = Criterion._pilot_ids_by_stage()
        for stage_id, criterion_ids in ids_by_stage.items():
            leads = population.get(stage_id, {})
            stage = self.env["crm.stage"].browse(stage_id)
            for criterion in Criterion.browse(criterion_ids):
                domain = criterion._pilot_met_domain()
                if domain is None or not leads:
                    met_ids = set()
                else:
                    met_ids = set(Lead._search([("id", "in", list(leads)), *domain]))
                # company id: [met, met won, not met, not met won]; a
                # criterion without history gets a line of its own (no claim).
                counts = {} if leads else {stage.team_id.company_id.id: [0, 0, 0, 0]}
                for lead_id, (company_id, won) in leads.items():
                    row = counts.setdefault(company_id, [0, 0, 0, 0])
                    side = 0 if lead_id in met_ids else 2
                    row[side] += 1
                    row[side + 1] += int(bool(won))
                for company_id, (met, met_won, not_met, not_met_won) in counts.items():
                    months, min_sample, min_lift = company_settings(company_id)
                    met_rate, not_met_rate = rate(met_won, met), rate(not_met_won, not_met)
                    lift = met_rate - not_met_rate
                    vals_list.append(
                        {
                            "criterion_id": criterion.id,
                            "criterion_sequence": criterion.sequence,
                            "stage_id": stage_id,
                            "stage_sequence": stage.sequence,
                            "team_id": stage.team_id.id,
                            "company_id": company_id,
                            "met_count": met,
                            "met_won_count": met_won,
                            "not_met_count": not_met,
                            "not_met_won_count": not_met_won,
                            "met_win_rate": met_rate,
                            "not_met_win_rate": not_met_rate,
                            "lift": lift,
                            "verdict": verdict(met, not_met, lift, min_sample, min_lift),
                            "min_sample": min_sample,
                            "months": months,
                            "date_computed": now,
                        }
                    )
        self.env.cr.execute(f"DELETE FROM {self._table}")
        self.invalidate_model()
        return self.sudo().create(vals_list)
