# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Probabilities that explain themselves: on the opportunity form, the win
rate of the closed opportunities that met each exit criterion of the current
stage versus those that did not, read from the stored win rates
(crm.stage.exit.criterion.stat), never computed on open."""

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.tools import formatLang


class CrmLead(models.Model):
    _inherit = "crm.lead"

    exit_criteria_factors = fields.Html(
        string="What History Says",
        compute="_compute_exit_criteria_factors",
        sanitize=False,
        help="For each exit criterion of the current stage: the win rate of the closed "
        "opportunities that met it versus those that did not.",
    )

    @api.depends("stage_id", "company_id", "type")
    @api.depends_context("lang")
    def _compute_exit_criteria_factors(self):
        Criterion = self.env["crm.stage.exit.criterion"].sudo()
        ids_by_stage = Criterion._pilot_ids_by_stage()
        criterion_ids = {
            criterion_id
            for stage_id in self.stage_id.ids
            for criterion_id in ids_by_stage.get(stage_id, ())
        }
        stats = {}
        if criterion_ids:
            # One read of the stored win rates for all the leads.
            for stat in (
                self.env["crm.stage.exit.criterion.stat"]
                .sudo()
                .search_fetch(
                    [
                        ("criterion_id", "in", list(criterion_ids)),
                        ("company_id", "in", [*self.company_id.ids, False]),
                    ],
                    [
                        "criterion_id",
                        "company_id",
                        "met_count",
                        "not_met_count",
                        "met_win_rate",
                        "not_met_win_rate",
                        "verdict",
                        "min_sample",
                    ],
                )
            ):
                stats[stat.criterion_id.id, stat.company_id.id] = stat
        for lead in self:
            ids = ids_by_stage.get(lead.stage_id.id) if lead.type == "opportunity" else None
            if not ids:
                lead.exit_criteria_factors = False
                continue
            company = lead.company_id or self.env.company
            lines = [
                lead._pilot_factor_line(
                    criterion, stats.get((criterion.id, lead.company_id.id)), company
                )
                for criterion in Criterion.browse(ids)
            ]
            lead.exit_criteria_factors = Markup(
                '<ul class="o_pilot_factors list-unstyled mb-0">%s</ul>'
            ) % Markup("").join(lines)

    def _pilot_factor_line(self, criterion, stat, company):
        """One line of the factors: the criterion and what history says of it."""
        if not stat or stat.verdict == "insufficient":
            text = self._pilot_factor_missing(stat, company)
            css = "o_pilot_factor_insufficient text-muted"
        else:
            text = self.env._(
                "won %(met)s of the time vs %(not_met)s when not met (%(met_count)s and "
                "%(not_met_count)s closed opportunities)",
                met=self._pilot_factor_percent(stat.met_win_rate),
                not_met=self._pilot_factor_percent(stat.not_met_win_rate),
                met_count=formatLang(self.env, stat.met_count, digits=0),
                not_met_count=formatLang(self.env, stat.not_met_count, digits=0),
            )
            css = f"o_pilot_factor_{stat.verdict}"
        # The translated sentence is trusted; the criterion name and the text
        # (with figures) are escaped before going into it.
        sentence = self.env._(
            "%(criterion)s: %(text)s",
            criterion=Markup("<strong>%s</strong>") % criterion.name,
            text=escape(text),
        )
        return Markup('<li class="o_pilot_factor %s">%s</li>') % (css, Markup(sentence))

    def _pilot_factor_missing(self, stat, company):
        """What is missing for a claim on a criterion: the side (met or not
        met) with too few closed opportunities, or both."""
        min_sample = stat.min_sample if stat else company.pilot_factor_min_sample
        met = stat.met_count if stat else 0
        not_met = stat.not_met_count if stat else 0

        def number(value):
            return formatLang(self.env, value, digits=0)

        if met >= min_sample and not not_met:
            return self.env._(
                "met by all %(count)s closed opportunities: no deal without it to compare",
                count=number(met),
            )
        if met >= min_sample:
            return self.env._(
                "only %(count)s closed opportunities without it to compare (%(min)s needed)",
                count=number(not_met),
                min=number(min_sample),
            )
        if not_met >= min_sample and not met:
            return self.env._(
                "met by none of the %(count)s closed opportunities: no deal with it to compare",
                count=number(not_met),
            )
        if not_met >= min_sample:
            return self.env._(
                "only %(count)s closed opportunities with it to compare (%(min)s needed)",
                count=number(met),
                min=number(min_sample),
            )
        return self.env._("not enough history (n < %(min)s)", min=number(min_sample))

    def _pilot_factor_percent(self, value):
        """A whole percentage in the user's language (e.g. 42 %)."""
        return self.env._("%(rate)s %%", rate=formatLang(self.env, value, digits=0))
