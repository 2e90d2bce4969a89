# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Stage exit criteria of opportunities: the fields of the checklist and of
the kanban cards (design 1.1). The gate itself is in crm_lead_gate.py."""

from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models

from ..crm_lead import cached_values

# Computed from the evaluation of the criteria (see _determine_fields_to_fetch)
PILOT_EXIT_CRITERIA_FIELDS = frozenset(
    {
        "exit_criteria_evaluation",
        "exit_criteria_progress",
        "exit_criteria_complete",
        "exit_criteria_has_manual",
        "exit_criteria_missing",
        "exit_criteria_checklist",
    }
)


# Fields of the margin: a criterion reading them is not met while the margin
# is unknown (no estimated cost), which the checklist then says.
PILOT_MARGIN_FIELDS = (
    "is_low_margin",
    "margin_known",
    "estimated_margin",
    "estimated_margin_rate",
    "prorated_margin",
)


def _criterion_reads_margin(criterion):
    criterion_type, fname, domain_text = criterion._pilot_definition()
    if criterion_type == "field":
        return fname in PILOT_MARGIN_FIELDS
    return criterion_type == "domain" and any(
        name in (domain_text or "") for name in PILOT_MARGIN_FIELDS
    )


class CrmLead(models.Model):
    _inherit = "crm.lead"

    confirmed_criterion_ids = fields.Many2many(
        "crm.stage.exit.criterion",
        "crm_lead_exit_criterion_rel",
        "lead_id",
        "criterion_id",
        string="Confirmed Exit Criteria",
        domain="[('criterion_type', '=', 'manual')]",
        tracking=True,
        help="Manual exit criteria the salesperson confirmed on this opportunity.",
    )
    exit_criteria_evaluation = fields.Json(
        compute="_compute_exit_criteria_evaluation",
        help="Technical: the exit criteria of the current stage, those missing and "
        "those that cannot be evaluated (ids), from which the checklist and the "
        "progress are made.",
    )
    exit_criteria_progress = fields.Char(
        compute="_compute_exit_criteria",
        help="Exit criteria of the current stage met, out of all of them (e.g. 2/3).",
    )
    exit_criteria_complete = fields.Boolean(compute="_compute_exit_criteria")
    exit_criteria_has_manual = fields.Boolean(compute="_compute_exit_criteria_checklist")
    exit_criteria_missing = fields.Text(
        string="Missing Exit Criteria",
        compute="_compute_exit_criteria",
    )
    exit_criteria_checklist = fields.Html(
        compute="_compute_exit_criteria_checklist",
        sanitize=False,
    )

    def _pilot_fields_tracked_when_written(self):
        return super()._pilot_fields_tracked_when_written() | {"confirmed_criterion_ids"}

    def _pilot_exit_criteria_for(self, stages_by_lead):
        """Active criteria of all the stages in ``stages_by_lead`` (cached: no query)."""
        Criterion = self.env["crm.stage.exit.criterion"].sudo()
        stage_ids = {stage_id for ids in stages_by_lead.values() for stage_id in ids}
        if not stage_ids:
            return Criterion
        ids_by_stage = Criterion._pilot_ids_by_stage()
        return Criterion.browse(
            [
                criterion_id
                for stage_id, criterion_ids in ids_by_stage.items()
                if stage_id in stage_ids
                for criterion_id in criterion_ids
            ]
        )

    def _pilot_missing_exit_criteria(
        self, stages_by_lead, criteria=None, broken=None, in_memory=False
    ):
        """Missing criteria, set-based: one evaluation per criterion over all
        the leads that need it (one search per domain criterion).

        :param dict stages_by_lead: {lead: list of stage ids whose criteria are needed}
        :param criteria: the criteria of those stages, if already fetched
        :param set broken: if given, receives the ids of the criteria that
            cannot be evaluated (counted as missing for all their leads)
        :param bool in_memory: evaluate the domains on the values in the
            cache when they are all there (the cards), not in the database
            (the gate)
        :return: {lead: criteria recordset not met}, only for leads missing some
        """
        if criteria is None:
            criteria = self._pilot_exit_criteria_for(stages_by_lead)
        if not criteria:
            return {}
        # Stages of the active criteria from the cache (no query)
        stage_of = {
            criterion_id: stage_id
            for stage_id, criterion_ids in criteria._pilot_ids_by_stage().items()
            for criterion_id in criterion_ids
        }
        criteria_by_stage = defaultdict(list)
        for criterion in criteria:
            stage_id = stage_of.get(criterion.id) or criterion.stage_id.id
            criteria_by_stage[stage_id].append(criterion)
        leads_by_criterion = defaultdict(list)
        for lead, lead_stage_ids in stages_by_lead.items():
            for stage_id in lead_stage_ids:
                for criterion in criteria_by_stage[stage_id]:
                    leads_by_criterion[criterion].append(lead.id)
        Criterion = self.env["crm.stage.exit.criterion"]
        satisfied = Criterion._pilot_satisfied_by_rule(
            self, leads_by_criterion, broken, in_memory=in_memory
        )
        missing = defaultdict(lambda: Criterion)
        for criterion, lead_ids in leads_by_criterion.items():
            for lead in self.browse(lead_ids):
                if lead.id not in satisfied[criterion.id]:
                    missing[lead] |= criterion
        return missing

    def _pilot_exit_criteria_groups(self, broken=None):
        """Group the leads for the exit-criteria computes: yields
        (criteria of the stage, missing criteria, leads) per stage and per
        combination of missing criteria, and (None, None, leads) for the leads
        whose stage has no active criterion (``broken``: see
        _pilot_missing_exit_criteria). Set-based: the pipeline kanban
        computes the card fields on every card it shows."""
        Criterion = self.env["crm.stage.exit.criterion"]
        ids_by_stage = Criterion.sudo()._pilot_ids_by_stage()
        leads_by_stage = defaultdict(list)
        for lead_id, stage_id in zip(self._ids, self._pilot_stage_ids(), strict=True):
            leads_by_stage[stage_id].append(lead_id)
        without = self.browse(
            [
                lead_id
                for stage_id, lead_ids in leads_by_stage.items()
                if not ids_by_stage.get(stage_id)
                for lead_id in lead_ids
            ]
        )
        if without:
            yield None, None, without
        gated = self - without
        if not gated:
            return
        # What the criteria of these stages read, in one narrow query.
        gated_stage_ids = {stage_id for stage_id in leads_by_stage if ids_by_stage.get(stage_id)}
        definitions = [
            (criterion_type, fname)
            for _id, stage_id, criterion_type, fname, _domain in (
                Criterion.sudo()._pilot_active_definitions()
            )
            if stage_id in gated_stage_ids
        ]
        Criterion._pilot_fetch_rule_fields(gated, definitions)
        # browse((lead_id,)), never browse(lead_id): the id of a new record
        # (a form's onchange) is a NewId, which is falsy, and browse() of a
        # falsy id is an empty recordset: its criteria would be evaluated on
        # nothing and reported as met. What the cards and the checklist show
        # is evaluated on the values already read when a domain compares only
        # those (the cards read the expected revenue, for instance): no query
        # of its own; the gate asks the database.
        missing = self._pilot_missing_exit_criteria(
            {
                self.browse((lead_id,)): [stage_id]
                for stage_id in gated_stage_ids
                for lead_id in leads_by_stage[stage_id]
            },
            broken=broken,
            in_memory=True,
        )
        for stage_id in gated_stage_ids:
            criteria = Criterion.browse(ids_by_stage[stage_id])
            leads_by_missing = defaultdict(list)
            for lead_id in leads_by_stage[stage_id]:
                lead = self.browse((lead_id,))
                leads_by_missing[missing.get(lead, criteria.browse())].append(lead_id)
            for lead_missing, same_ids in leads_by_missing.items():
                yield criteria, lead_missing, self.browse(same_ids)

    @api.depends(lambda self: self._pilot_exit_criteria_depends())
    def _compute_exit_criteria_evaluation(self):
        # Evaluated once for the kanban card and the form's checklist alike:
        # {"criteria": ids of the stage's active criteria, "missing": ids of
        # those not met, "broken": ids of those that cannot be evaluated}, or
        # False when the stage has none.
        broken = set()
        for criteria, missing, leads in self._pilot_exit_criteria_groups(broken):
            if criteria is None:
                leads.exit_criteria_evaluation = False
                continue
            leads.exit_criteria_evaluation = {
                "criteria": criteria.ids,
                "missing": missing.ids,
                "broken": [criterion_id for criterion_id in criteria.ids if criterion_id in broken],
            }

    def _pilot_exit_criteria_evaluated(self):
        """Group the leads by the evaluation of their exit criteria: yields
        (criteria of the stage, missing criteria, ids of those that cannot be
        evaluated, leads), and (None, None, None, leads) for the leads whose
        stage has no active criterion. Leads are read from the cache, not
        record by record (the kanban computes its cards all at once)."""
        Criterion = self.env["crm.stage.exit.criterion"]
        groups = defaultdict(list)
        # computed for all of self at once, read as cached (not copied per lead)
        for lead_id, evaluation in zip(
            self._ids, cached_values(self, "exit_criteria_evaluation"), strict=True
        ):
            key = (
                (
                    tuple(evaluation["criteria"]),
                    tuple(evaluation["missing"]),
                    frozenset(evaluation["broken"]),
                )
                if evaluation
                else None
            )
            groups[key].append(lead_id)
        # The names of all the criteria shown are read at once.
        prefetch_ids = tuple({criterion_id for key in groups if key for criterion_id in key[0]})
        for key, lead_ids in groups.items():
            leads = self.browse(lead_ids)
            if key is None:
                yield None, None, None, leads
                continue
            criteria_ids, missing_ids, broken = key
            yield (
                Criterion.browse(criteria_ids).with_prefetch(prefetch_ids),
                Criterion.browse(missing_ids).with_prefetch(prefetch_ids),
                broken,
                leads,
            )

    @api.depends("exit_criteria_evaluation")
    @api.depends_context("lang")
    def _compute_exit_criteria(self):
        # The fields of the kanban card (progress, tooltip), set per group.
        all_met = self.env._("All exit criteria are met.")
        for criteria, missing, _broken, leads in self._pilot_exit_criteria_evaluated():
            if criteria is None:
                leads.exit_criteria_progress = False
                leads.exit_criteria_complete = True
                leads.exit_criteria_missing = False
                continue
            leads.exit_criteria_progress = f"{len(criteria) - len(missing)}/{len(criteria)}"
            leads.exit_criteria_complete = not missing
            leads.exit_criteria_missing = (
                self.env._("Missing: %(criteria)s", criteria=", ".join(missing.mapped("name")))
                if missing
                else all_met
            )

    @api.depends("exit_criteria_evaluation")
    @api.depends_context("lang")
    def _compute_exit_criteria_checklist(self):
        # The checklist of the form (names, descriptions, manual criteria).
        manual_ids = {
            criterion_id
            for criterion_id, _stage_id, criterion_type, *_rest in (
                self.env["crm.stage.exit.criterion"].sudo()._pilot_active_definitions()
            )
            if criterion_type == "manual"
        }
        for criteria, missing, broken, leads in self._pilot_exit_criteria_evaluated():
            if criteria is None:
                leads.exit_criteria_has_manual = False
                leads.exit_criteria_checklist = False
                continue
            leads.exit_criteria_has_manual = bool(manual_ids.intersection(criteria.ids))
            checklist = self._pilot_checklist_html(criteria, missing, broken)
            leads.exit_criteria_checklist = checklist
            if any(_criterion_reads_margin(criterion) for criterion in missing):
                # Say why a margin criterion is missing when no cost is entered.
                leads._pilot_fetch(["margin_known"])
                unknown = leads.filtered(lambda lead: not lead.margin_known)
                unknown.exit_criteria_checklist = checklist + Markup(
                    '<p class="o_pilot_margin_unknown text-warning mb-0 mt-1">'
                    '<i class="fa fa-exclamation-triangle me-1" role="img" aria-hidden="true"></i>'
                    "%s</p>"
                ) % self.env._(
                    "Margin unknown: enter the estimated cost and a positive expected revenue."
                )

    @api.model
    def _pilot_exit_criteria_depends(self):
        """Criteria may check any field: the checklist depends on every stored
        field of the lead (so that it is fresh after a write and follows the
        form's edits), plus what the helpers and manual criteria read, and the
        criteria of the stage."""
        return [
            *self.env["crm.stage.exit.criterion"]._pilot_lead_depends(self),
            "stage_id.exit_criterion_ids",
            "stage_id.exit_criterion_ids.active",
        ]

    def _determine_fields_to_fetch(self, field_names, ignore_when_in_cache=False):
        # Reading the exit-criteria fields (every kanban card does) would make
        # the ORM prefetch all their dependencies, i.e. every column of
        # crm_lead, the long texts included, for the whole page of cards. Their
        # compute only needs the stage, and loads what the active criteria of
        # that stage read itself (_pilot_fetch): ask for the stage instead.
        exit_fields = PILOT_EXIT_CRITERIA_FIELDS.intersection(field_names)
        if exit_fields:
            field_names = [
                *(name for name in field_names if name not in exit_fields),
                "stage_id",
            ]
        return super()._determine_fields_to_fetch(field_names, ignore_when_in_cache)

    def _pilot_checklist_html(self, criteria, missing, broken=()):
        """The checklist: ✓/✗ per criterion, with its description, and a note
        on the criteria that cannot be evaluated (ids in ``broken``)."""
        lines = []
        for criterion in criteria:
            met = criterion not in missing
            note = Markup("")
            if criterion.id in broken:
                note = (
                    Markup(' <small class="o_pilot_criterion_broken text-warning">— %s</small>')
                    % self.env["crm.stage.exit.criterion"]._pilot_not_evaluable_note()
                )
            lines.append(
                Markup(
                    '<li class="o_pilot_criterion %s" title="%s">'
                    '<i class="fa %s me-1" role="img" aria-label="%s"></i>%s%s%s</li>'
                )
                % (
                    "o_pilot_criterion_met text-success"
                    if met
                    else "o_pilot_criterion_missing text-danger",
                    criterion.description or "",
                    "fa-check" if met else "fa-times",
                    self.env._("Met") if met else self.env._("Missing"),
                    criterion.name,
                    Markup(' <small class="text-muted">— %s</small>') % criterion.description
                    if criterion.description
                    else "",
                    note,
                )
            )
        return Markup('<ul class="list-unstyled mb-0">%s</ul>') % Markup("").join(lines)
