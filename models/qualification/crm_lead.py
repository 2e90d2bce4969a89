# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Qualification (BANT) of opportunities: the stored score (0-4) and the
missing dimensions, computed set-based from the qualification rules."""

from collections import defaultdict
from contextlib import contextmanager

from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools import SQL

from ..crm_lead import cached_values
from .crm_qualification_rule import DIMENSION_CODES, DIMENSIONS

# How many leads the daily refresh of the scores computes at a time.
REFRESH_BATCH = 1000


class CrmLead(models.Model):
    _inherit = "crm.lead"

    qualification_confirmed_ids = fields.Many2many(
        "crm.qualification.rule",
        "crm_lead_qualification_rule_rel",
        "lead_id",
        "rule_id",
        string="Confirmed Qualification",
        domain="[('criterion_type', '=', 'manual')]",
        tracking=True,
        help="Qualification rules the salesperson confirmed on this opportunity.",
    )
    qualification_manual_rule_ids = fields.Many2many(
        "crm.qualification.rule",
        compute="_compute_qualification_manual_rule_ids",
        string="Qualification to Confirm",
    )
    qualification_score = fields.Integer(
        compute="_compute_qualification",
        store=True,
        aggregator="avg",
        help="Dimensions of the qualification (Budget, Authority, Need, Timing) "
        "met, out of 4. Refreshed every day for open opportunities.",
    )
    qualification_missing = fields.Char(
        string="Missing Dimensions (codes)",
        compute="_compute_qualification",
        store=True,
        help="Codes of the dimensions not met, comma-separated.",
    )
    qualification_missing_label = fields.Char(
        string="Missing Qualification",
        compute="_compute_qualification_missing_label",
    )

    @api.depends(lambda self: self._pilot_qualification_depends())
    def _compute_qualification(self):
        results = self._pilot_qualification_results()
        for lead in self:
            score, missing = results[lead.id]
            lead.qualification_score = score
            lead.qualification_missing = ",".join(missing) or False

    def _pilot_fields_tracked_when_written(self):
        return super()._pilot_fields_tracked_when_written() | {"qualification_confirmed_ids"}

    @contextmanager
    def _pilot_qualification_kept(self, vals):
        """Wrapped around ``write``: the scores of self are not recomputed by a
        write of ``vals`` that changes nothing the active rules read (a stage
        move, a change of priority or of salesperson). The score depends on
        every stored field (see _pilot_qualification_depends), as rules may
        read any of them; without this, every write would evaluate the rules
        again (a search per domain rule) for the same result."""
        changed = self._pilot_fields_changed_closure(
            frozenset(vals), frozenset(self._pilot_fields_changed_by_write(vals))
        )
        read = self.env["crm.qualification.rule"].sudo()._pilot_read_fields_all()
        if changed is None or changed & read:
            yield
            return
        fields_ = [self._fields["qualification_score"], self._fields["qualification_missing"]]
        with self.env.protecting(fields_, self):
            yield

    @api.model
    def _pilot_qualification_depends(self):
        """Rules may read any field: every stored field of the lead (but the
        score itself), the confirmations and the planned activities."""
        return self.env["crm.qualification.rule"]._pilot_lead_depends(
            self, ignored=("qualification_score", "qualification_missing")
        )

    def _pilot_qualification_results(self):
        """{lead id: (score, [codes of the missing dimensions])}, set-based:
        each rule is evaluated once on all the leads it applies to (one search
        per domain rule)."""
        Rule = self.env["crm.qualification.rule"].sudo()
        definitions = Rule._pilot_active_definitions()
        self._pilot_fetch(["team_id", "company_id"])
        rules_by_team = {}
        leads_by_rule = defaultdict(list)
        lead_rules = {}
        for lead in self:
            key = (lead.team_id.id, lead.company_id.id)
            if key not in rules_by_team:
                rules_by_team[key] = Rule._pilot_rule_ids_for_team(*key)
            lead_rules[lead.id] = rules_by_team[key]
            for rule_ids in rules_by_team[key].values():
                for rule_id in rule_ids:
                    leads_by_rule[rule_id].append(lead.id)
        # What the field and manual rules read, in one narrow query.
        Rule._pilot_fetch_rule_fields(
            self,
            [
                (definition.rule_type, definition.field_name)
                for definition in definitions
                if definition.id in leads_by_rule
            ],
        )
        satisfied = Rule._pilot_satisfied_by_rule(
            self, {Rule.browse(rule_id): ids for rule_id, ids in leads_by_rule.items()}
        )
        results = {}
        for lead in self:
            rules = lead_rules[lead.id]
            missing = [
                code
                for code in DIMENSION_CODES
                if rules.get(code)
                and not any(lead.id in satisfied[rule_id] for rule_id in rules[code])
            ]
            results[lead.id] = (len(DIMENSION_CODES) - len(missing), missing)
        return results

    @api.depends("qualification_missing")
    @api.depends_context("lang")
    def _compute_qualification_missing_label(self):
        labels = dict(self._pilot_dimension_labels())
        missing_codes = cached_values(self, "qualification_missing")
        texts = {}
        for missing in missing_codes:
            if missing not in texts:
                codes = (missing or "").split(",")
                texts[missing] = ", ".join(labels[code] for code in codes if code in labels) or None
        # On every card: set for all the leads at once (None: no label).
        self.env.cache.update(
            self,
            self._fields["qualification_missing_label"],
            [texts[missing] for missing in missing_codes],
        )

    @api.model
    def _pilot_dimension_labels(self):
        """[(code, label in the user's language)] of the four dimensions."""
        selection = dict(
            self.env["crm.qualification.rule"]._fields["dimension"]._description_selection(self.env)
        )
        return [(code, selection.get(code, label)) for code, label in DIMENSIONS]

    @api.depends("team_id", "company_id")
    def _compute_qualification_manual_rule_ids(self):
        """The manual rules to tick in the qualification: those of the team,
        but the ones asked by a stage of the team's pipeline too (ticked in
        its exit criteria checklist: one fact, one tick)."""
        Rule = self.env["crm.qualification.rule"]
        manual_ids = {
            definition.id
            for definition in Rule.sudo()._pilot_active_definitions()
            if definition.rule_type == "manual"
        }
        twins = Rule.sudo()._pilot_twin_criteria()
        pipelines = {}
        for lead in self:
            team_id = lead.team_id.id
            if twins and team_id not in pipelines:
                pipelines[team_id] = set(
                    self.env["crm.stage"]
                    .sudo()
                    ._search([("pilot_pipeline_team_id", "=", team_id)])
                    .get_result_ids()
                )
            stage_ids = pipelines.get(team_id, set())
            rule_ids = Rule.sudo()._pilot_rule_ids_for_team(team_id, lead.company_id.id)
            lead.qualification_manual_rule_ids = Rule.browse(
                [
                    rid
                    for ids in rule_ids.values()
                    for rid in ids
                    if rid in manual_ids and not (rid in twins and twins[rid][1] & stage_ids)
                ]
            )

    # ------------------------------------------------------------------
    # Refresh: the timing depends on today's date
    # ------------------------------------------------------------------

    @api.model
    def _cron_pilot_refresh_qualification(self):
        """Recompute the score of open opportunities (active, not won), in
        batches: a rule reading today's date (timing) changes with time. Closed
        opportunities keep the score they had when they were closed. Leads
        never scored (those that existed when the add-on was installed: score 0
        and no missing dimension, which no evaluation gives) are scored too:
        the installation starts this job right away (see post_init_hook)."""
        self._pilot_refresh_qualification(
            expression.OR(
                [
                    [("type", "=", "opportunity"), ("stage_id.is_won", "=", False)],
                    [("qualification_score", "=", 0), ("qualification_missing", "=", False)],
                ]
            )
        )

    @api.model
    def _pilot_refresh_qualification(self, domain):
        """Set the score of the leads matching ``domain`` in bulk SQL, only
        where it changed (no write, no tracking, no write date)."""
        lead_ids = self.sudo().with_context(active_test=False)._search(domain).get_result_ids()
        for start in range(0, len(lead_ids), REFRESH_BATCH):
            leads = (
                self.sudo()
                .with_context(active_test=False)
                .browse(lead_ids[start : start + REFRESH_BATCH])
            )
            leads._pilot_fetch(["qualification_score", "qualification_missing"])
            results = leads._pilot_qualification_results()
            changed = [
                (lead.id, score, ",".join(missing) or None)
                for lead in leads
                for score, missing in [results[lead.id]]
                if (score, ",".join(missing) or False)
                != (lead.qualification_score, lead.qualification_missing or False)
            ]
            if changed:
                ids, scores, missing_codes = (list(column) for column in zip(*changed, strict=True))
                self.env.cr.execute(
                    SQL(
                        """
                        UPDATE crm_lead lead
                           SET qualification_score = v.score,
                               qualification_missing = v.missing
                          FROM unnest(%s::int[], %s::int[], %s::varchar[]) AS v(id, score, missing)
                         WHERE lead.id = v.id
                        """,
                        ids,
                        scores,
                        missing_codes,
                    )
                )
                leads.invalidate_recordset(["qualification_score", "qualification_missing"])
            if len(lead_ids) > REFRESH_BATCH:
                leads.invalidate_recordset()
