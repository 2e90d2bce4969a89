# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The gate of stage exit criteria: forward moves and creations in a later
stage are refused while criteria are missing (design 1.1)."""

from collections import defaultdict
from contextlib import contextmanager

from odoo import api, models, tools
from odoo.exceptions import UserError

from ..crm_lead import MAX_NAMES_IN_MESSAGE, bounded_lines, is_trusted


class CrmLead(models.Model):
    _inherit = "crm.lead"

    def _pilot_exit_criteria_skipped(self):
        """Trusted code only (data migrations, integrations, the bypass
        wizard): a superuser environment AND the context key
        ``pilot_skip_exit_criteria`` set to TRUSTED, a value that neither an
        RPC caller nor an automation rule run for a user can carry."""
        return is_trusted(self.env, "pilot_skip_exit_criteria")

    def _pilot_exit_criteria_apply(self):
        """Whether the gate has anything to check: criteria exist and are not
        skipped (see _pilot_exit_criteria_skipped)."""
        return not self._pilot_exit_criteria_skipped() and bool(
            self.env["crm.stage.exit.criterion"].sudo()._pilot_active_definitions()
        )

    def _pilot_stage_ranks(self):
        """All stages as {stage_id: (rank, is_won, team_id)} (cached, read only)."""
        return self.env["crm.stage"]._pilot_ranks()

    @api.model
    def _pilot_stages_to_exit(self, ranks, from_stage_id, to_stage_id, team_id):
        """Ids of the stages whose criteria a lead of ``team_id`` needs to go
        from ``from_stage_id`` (False at creation) to ``to_stage_id``: the
        stage it leaves and every stage it skips; none for a backward move."""
        to_rank, to_won, _to_team = ranks[to_stage_id]
        if from_stage_id:
            from_rank, from_won, _from_team = ranks[from_stage_id]
            if from_won or not (to_rank > from_rank or to_won):
                return []
            result = [from_stage_id]
        else:
            from_rank, result = None, []
        for stage_id, (rank, is_won, stage_teams) in ranks.items():
            if stage_id in (from_stage_id, to_stage_id) or is_won:
                continue
            if stage_teams and team_id not in stage_teams:  # another pipeline's
                continue
            if rank < to_rank and (from_rank is None or rank > from_rank):
                result.append(stage_id)
        return result

    def _pilot_stages_to_exit_by_lead(self, vals=None):
        """{lead: ids of the stages whose criteria it needs} for the leads of
        self that need some, for a write of ``vals`` (None: their creation in
        their current stage). An opportunity that moves forward needs the
        criteria of the stage it leaves and of the stages it skips; one that
        enters the pipeline (created, converted from a lead, or moved from no
        stage) needs those of every stage before the one it lands in. One
        computation per (from stage, to stage, team)."""
        ranks = self._pilot_stage_ranks()
        stages_by_lead, cache = {}, {}
        for lead in self:
            if vals is None:
                from_stage_id, to_stage_id = False, lead.stage_id.id
            else:
                if vals.get("type", lead.type) != "opportunity":
                    continue
                to_stage_id = vals["stage_id"] if "stage_id" in vals else lead.stage_id.id
                entering = lead.type != "opportunity" or not lead.stage_id
                from_stage_id = False if entering else lead.stage_id.id
                if from_stage_id == to_stage_id:
                    continue
            if not to_stage_id:
                continue
            team_id = (vals or {}).get("team_id", lead.team_id.id)
            key = (from_stage_id, to_stage_id, team_id)
            if key not in cache:
                cache[key] = self._pilot_stages_to_exit(ranks, *key)
            if cache[key]:
                stages_by_lead[lead] = cache[key]
        return stages_by_lead

    def _pilot_exit_criteria_error(self, missing, stage, creation=False, broken=()):
        """The translated refusal naming, per lead and per stage, each missing
        criterion (a readable number of leads); the criteria that cannot be
        evaluated (ids in ``broken``) say so."""
        broken_note = self.env["crm.stage.exit.criterion"]._pilot_not_evaluable_note()

        def by_stage(criteria):
            names = defaultdict(list)
            for criterion in criteria.sorted(lambda c: (c.stage_id.sequence, c.sequence, c.id)):
                names[criterion.stage_id].append(
                    f"{criterion.name} ({broken_note})"
                    if criterion.id in broken
                    else criterion.name
                )
            return [
                self.env._(
                    "%(stage)s: %(criteria)s",
                    stage=stage.display_name,
                    criteria=", ".join(criteria_names),
                )
                for stage, criteria_names in names.items()
            ]

        leads = self.browse([lead.id for lead in missing])
        if len(leads) == 1:
            if creation:
                header = self.env._(
                    '"%(lead)s" cannot be created in the stage "%(stage)s": exit criteria '
                    "of the earlier stages are missing:",
                    lead=leads.display_name,
                    stage=stage.display_name,
                )
            else:
                header = self.env._(
                    '"%(lead)s" cannot move to the stage "%(stage)s" yet. Missing exit criteria:',
                    lead=leads.display_name,
                    stage=stage.display_name,
                )
            lines = [f"- {line}" for line in by_stage(missing[leads])]
        elif creation:
            header = self.env._(
                '%(count)s opportunities cannot be created in the stage "%(stage)s"; '
                "nothing was created. Missing exit criteria of the earlier stages:",
                count=len(leads),
                stage=stage.display_name,
            )
        else:
            header = self.env._(
                '%(count)s opportunities cannot move to the stage "%(stage)s"; nothing '
                "was changed. Missing exit criteria:",
                count=len(leads),
                stage=stage.display_name,
            )
        if len(leads) > 1:
            lines = [
                f"- {line}"
                for line in bounded_lines(
                    self.env,
                    [
                        f"{lead.display_name}: {'; '.join(by_stage(missing[lead]))}"
                        for lead in leads[:MAX_NAMES_IN_MESSAGE]
                    ],
                    total=len(leads),
                )
            ]
        return UserError("\n".join([header, *lines]))

    def _pilot_recompute_criteria_inputs(self, criteria):
        """Recompute, on the leads of self, the stored computed fields that
        ``criteria`` read (directly, or through what a computed field they read
        is computed from, such as ``is_contact_valid``): the ORM keeps a value
        written to a computed field, and a value forged by a user's write must
        never meet a criterion. Called by the gate only, on the leads it checks."""
        forgeable = [
            fname
            for fname in criteria._pilot_read_fields()
            if (field := self._fields[fname]).compute
            and field.store
            and field.readonly
            and not field.inverse
        ]
        if forgeable and self:
            for fname in forgeable:
                self.env.add_to_compute(self._fields[fname], self)
            self._recompute_recordset(forgeable)
            self.flush_recordset(forgeable)

    def _pilot_fields_changed_by_write(self, vals):
        """Names of the fields of the leads that a write of ``vals`` changes
        besides those of ``vals`` and the ORM's recomputations of the fields
        that depend on them: the dates and probabilities that Odoo's ``write``
        sets itself (stage, salesperson, archiving) and the write's stamp. A
        capability whose write step changes other fields of the lead (by SQL,
        before the write) adds them."""
        return {
            "date_last_stage_update",
            "date_closed",
            "date_open",
            "probability",
            "automated_probability",
            "write_date",
            "write_uid",
        }

    @api.model
    @tools.ormcache("written", "side_effects")
    def _pilot_fields_changed_closure(self, written, side_effects):
        """The fields of the lead that a write of the fields ``written`` changes,
        with ``side_effects`` (see _pilot_fields_changed_by_write) and every
        field the ORM recomputes from them, as a frozenset of names; None when
        a written field changes more than its own column (an unknown or
        non-stored field, a related field, an inverse, a one2many or a
        many2many: what they write elsewhere is not followed here). Cached per
        pair of frozensets of names."""
        changed = set()
        for fname in written | side_effects:
            field = self._fields.get(fname)
            if fname in written and (
                field is None
                or not field.store
                or field.related
                or field.inverse
                or field.type in ("one2many", "many2many")
            ):
                return None
            if field is None:
                continue
            changed.add(fname)
            changed.update(
                dependent.name
                for dependent in self.pool.get_dependent_fields(field)
                if dependent.model_name == self._name
            )
        return frozenset(changed)

    def _pilot_exit_criteria_check_first(self, vals, criteria):
        """Whether ``criteria`` can be checked before a write of ``vals``, on
        the values the leads have now: the write changes nothing they read
        (the usual stage move, by drag and drop, the status bar or a mass
        edit). Otherwise (values the criteria read written with the stage, such
        as a confirmation ticked in the same save) they are checked after the
        write, in a savepoint."""
        changed = self._pilot_fields_changed_closure(
            frozenset(vals), frozenset(self._pilot_fields_changed_by_write(vals))
        )
        return changed is not None and not changed & criteria._pilot_read_fields()

    def _pilot_enforce_exit_criteria(self, stages_by_lead, criteria, vals):
        """Refuse the move of ``vals`` (a UserError listing what is missing)
        when a lead of ``stages_by_lead`` misses one of ``criteria``."""
        self.browse([lead.id for lead in stages_by_lead])._pilot_recompute_criteria_inputs(criteria)
        broken = set()
        missing = self._pilot_missing_exit_criteria(stages_by_lead, criteria, broken)
        if missing:
            if "stage_id" in vals:
                stage = self.env["crm.stage"].browse(vals["stage_id"])
            else:
                # Entering the pipeline in its current stage: named after the
                # stage of the first refused lead, with the leads of that stage.
                stage = next(iter(missing)).stage_id
                missing = {lead: c for lead, c in missing.items() if lead.stage_id == stage}
            raise self._pilot_exit_criteria_error(missing, stage, broken=broken)

    @contextmanager
    def _pilot_creating(self):
        # Creating an opportunity in a later stage needs the criteria of the
        # earlier stages; a refusal leaves nothing behind.
        with self._pilot_exit_criteria_savepoint(), super()._pilot_creating():
            yield

    def _pilot_after_create(self, vals_list):
        result = super()._pilot_after_create(vals_list)
        self._pilot_check_exit_criteria_on_create()
        return result

    @contextmanager
    def _pilot_writing(self, vals, state):
        # Forward stage moves must meet the stage exit criteria, checked
        # against the stay being left: the steps after this one (amount
        # revisions, closing dates) run within the gate.
        with super()._pilot_writing(vals, state), self._pilot_exit_criteria_gate(vals):
            yield

    @contextmanager
    def _pilot_exit_criteria_gate(self, vals):
        """Gate of forward stage moves, wrapped around ``write``.

        Before the write it finds, for each opportunity moving forward, the
        stage it leaves and the stages it skips (for one entering the pipeline:
        converted from a lead, or moved from no stage, every stage before the
        one it lands in), and their active criteria. Without any, the write
        runs as usual. Otherwise the criteria are checked set-based, so that
        values written together with the stage count: before the write when it
        changes nothing they read (see _pilot_exit_criteria_check_first: no
        query but the domain criteria's searches), else after it, in a
        savepoint. If any lead misses one, the whole write is refused, with the
        list of what is missing, and nothing is changed.
        """
        moving = vals.get("stage_id") or vals.get("type") == "opportunity"
        if not moving or not self._pilot_exit_criteria_apply():
            yield
            return
        stages_by_lead = self._pilot_stages_to_exit_by_lead(vals)
        criteria = self._pilot_exit_criteria_for(stages_by_lead)
        if not criteria:
            yield
            return
        if self._pilot_exit_criteria_check_first(vals, criteria):
            self._pilot_enforce_exit_criteria(stages_by_lead, criteria, vals)
            yield
            return
        # Read the company currency before the write: the checks below flush
        # the write, whose monetary recomputations would otherwise fetch the
        # company field by field (one more query per move).
        self.mapped("company_currency")
        with self.env.cr.savepoint():
            yield
            self._pilot_enforce_exit_criteria(stages_by_lead, criteria, vals)

    @contextmanager
    def _pilot_exit_criteria_savepoint(self):
        """A savepoint when exit criteria exist (and are not skipped), so that a
        refused creation leaves nothing behind even if the caller goes on."""
        if not self._pilot_exit_criteria_apply():
            yield
            return
        with self.env.cr.savepoint():
            yield

    def _pilot_check_exit_criteria_on_create(self):
        """Creating an opportunity in a later stage requires the criteria of
        all the earlier stages (of its team)."""
        if self._pilot_exit_criteria_skipped():
            return
        opportunities = self.filtered(lambda lead: lead.type == "opportunity" and lead.stage_id)
        if not opportunities:
            return
        stages_by_lead = opportunities._pilot_stages_to_exit_by_lead()
        criteria = self._pilot_exit_criteria_for(stages_by_lead)
        self.browse([lead.id for lead in stages_by_lead])._pilot_recompute_criteria_inputs(criteria)
        broken = set()
        missing = self._pilot_missing_exit_criteria(stages_by_lead, criteria, broken=broken)
        if missing:
            stage = next(iter(missing)).stage_id
            missing = {
                lead: criteria for lead, criteria in missing.items() if lead.stage_id == stage
            }
            raise self._pilot_exit_criteria_error(missing, stage, creation=True, broken=broken)

    def action_pilot_exit_bypass(self):
        """Open the bypass wizard (members of the bypass group only)."""
        return self.env["crm.stage.exit.bypass"]._pilot_open_for(self)
