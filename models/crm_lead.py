import logging
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup
from psycopg2.errors import SerializationFailure

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, float_compare, float_is_zero, formatLang, safe_eval
from odoo.tools.query import Query

from odoo.addons.base_automation.models.base_automation import DATE_RANGE_FUNCTION

from .crm_team import STAGE_PROBABILITY_MODES

_logger = logging.getLogger(__name__)

URGENCY_SELECTION = [
    ("0", "Low"),
    ("1", "Normal"),
    ("2", "High"),
    ("3", "Critical"),
]

# How many lead names an error message lists before "and N more".
MAX_NAMES_IN_MESSAGE = 10

# Fields the application maintains (stage history, interactions, amount
# revisions): nobody writes them, not even by RPC; only code running as
# superuser (data migrations) may.
PILOT_PROTECTED_FIELDS = (
    "reached_proposal_stage",
    "date_last_interaction",
    "date_last_amount_revision",
)

# Computed by _compute_exit_criteria(_checklist) (see _determine_fields_to_fetch)
PILOT_EXIT_CRITERIA_FIELDS = frozenset(
    {
        "exit_criteria_progress",
        "exit_criteria_complete",
        "exit_criteria_has_manual",
        "exit_criteria_missing",
        "exit_criteria_checklist",
    }
)

# Transaction-level advisory lock taken by a follow-up run: a second run
# (another cron worker) finding it taken leaves the work to the first one.
FOLLOW_UP_LOCK_KEY = 0x6372_6D70  # "crmp"


def format_record_names(records, limit=MAX_NAMES_IN_MESSAGE):
    """Readable, bounded list of record names for error messages."""
    names = ", ".join(records[:limit].mapped("display_name"))
    if len(records) > limit:
        names = records.env._(
            "%(names)s and %(count)s more", names=names, count=len(records) - limit
        )
    return names


class CrmLead(models.Model):
    _inherit = "crm.lead"

    urgency = fields.Selection(
        URGENCY_SELECTION,
        default="1",
        required=True,
        tracking=True,
        index=True,
        help="How soon the deal needs attention; distinct from the priority "
        "stars, which tell how important it is.",
    )
    estimated_cost = fields.Monetary(
        currency_field="company_currency",
        tracking=True,
        help="Estimated cost of delivering the deal, in the company currency.",
    )
    estimated_margin = fields.Monetary(
        currency_field="company_currency",
        compute="_compute_estimated_margin",
        store=True,
        help="Expected revenue minus estimated cost.",
    )
    estimated_margin_rate = fields.Float(
        string="Margin Rate (%)",
        compute="_compute_estimated_margin_rate",
        inverse="_inverse_estimated_margin_rate",
        store=True,
        readonly=False,
        digits=(16, 2),
        aggregator="avg",
        help="Estimated margin divided by expected revenue, in percent; 0 "
        "without revenue. Entering a rate sets the estimated cost.",
    )
    prorated_margin = fields.Monetary(
        string="Weighted Margin",
        currency_field="company_currency",
        compute="_compute_estimated_margin",
        store=True,
        help="Estimated margin multiplied by the probability.",
    )
    date_last_amount_revision = fields.Datetime(
        string="Last Amount Revision",
        readonly=True,
        copy=False,
        help="Last time the expected revenue or the estimated cost was revised.",
    )
    amount_reviewed_in_stage = fields.Boolean(
        string="Amount Reviewed in This Stage",
        compute="_compute_amount_reviewed_in_stage",
        search="_search_amount_reviewed_in_stage",
        help="The expected revenue or the estimated cost was revised since the "
        "opportunity entered its current stage.",
    )
    reached_proposal_stage = fields.Boolean(
        readonly=True,
        copy=False,
        index=True,
        help="The opportunity has been in a proposal stage (quote sent). Kept by "
        "the stage history, so that reports need not read it.",
    )
    stage_history_ids = fields.One2many("crm.lead.stage.history", "lead_id", readonly=True)
    is_low_margin = fields.Boolean(
        string="Low Margin",
        compute="_compute_is_low_margin",
        store=True,
        help="The margin rate is below the minimum margin rate of the sales team.",
    )
    # Stage exit criteria
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
    has_dated_next_action = fields.Boolean(
        string="Has a Dated Next Action",
        compute="_compute_has_dated_next_action",
        search="_search_has_dated_next_action",
        help="The opportunity has a planned activity with a deadline.",
    )
    is_contact_valid = fields.Boolean(
        string="Valid Contact",
        compute="_compute_is_contact_valid",
        search="_search_is_contact_valid",
        help="A valid phone number for the country of the opportunity (or of the "
        "company), stored in E.164, or a valid email address.",
    )
    date_last_interaction = fields.Datetime(
        string="Last Interaction",
        default=fields.Datetime.now,
        index=True,
        copy=False,
        readonly=True,
        help="Last time a person worked on the opportunity: creation, stage "
        "change, message or note posted, activity marked as done. Automated "
        "writes (scheduled actions, follow-ups, imports run with the context "
        "key pilot_automated) do not change it.",
    )
    inactivity_days = fields.Integer(
        string="Inactivity (days)",
        compute="_compute_inactivity",
        help="Whole days since the last interaction.",
    )
    is_stagnant = fields.Boolean(
        string="Stagnant",
        compute="_compute_inactivity",
        search="_search_is_stagnant",
        help="Open opportunity (not won) without interaction for at least "
        "the stagnation delay of its stage.",
    )
    pilot_escalation_user_id = fields.Many2one(
        "res.users",
        string="Escalation Responsible",
        compute="_compute_pilot_escalation_user_id",
        help="Leader of the sales team, or the salesperson when the team has "
        "no leader: the assignee of escalation follow-ups (user field of the "
        '"Create Activity" action).',
    )
    pilot_probability_mode = fields.Selection(
        related="team_id.probability_mode",
        string="Probability Mode",
    )
    pilot_probability_band = fields.Float(
        related="team_id.probability_band",
        string="Probability Band",
    )

    # ------------------------------------------------------------------
    # Margin
    # ------------------------------------------------------------------

    @api.depends("expected_revenue", "estimated_cost", "probability")
    def _compute_estimated_margin(self):
        for lead in self:
            revenue = lead.expected_revenue or 0.0
            margin = revenue - (lead.estimated_cost or 0.0)
            lead.estimated_margin = margin
            lead.prorated_margin = margin * (lead.probability or 0.0) / 100.0

    @api.depends("expected_revenue", "estimated_cost")
    def _compute_estimated_margin_rate(self):
        # Separate from the margin itself: entering a rate (inverse) must still
        # recompute the margin from the cost it sets.
        for lead in self:
            revenue = lead.expected_revenue or 0.0
            margin = revenue - (lead.estimated_cost or 0.0)
            lead.estimated_margin_rate = margin / revenue * 100.0 if revenue else 0.0

    def _inverse_estimated_margin_rate(self):
        for lead in self:
            revenue = lead.expected_revenue or 0.0
            rate = lead.estimated_margin_rate or 0.0
            if not revenue:
                if rate:
                    raise UserError(
                        self.env._(
                            "Set the expected revenue of %(lead)s before entering a margin rate.",
                            lead=lead.display_name,
                        )
                    )
                continue
            if float_compare(rate, 100.0, precision_digits=2) > 0:
                raise ValidationError(
                    self.env._(
                        "The margin rate of %(lead)s cannot exceed 100 %%: that "
                        "would mean a negative cost.",
                        lead=lead.display_name,
                    )
                )
            lead.estimated_cost = lead.company_currency.round(revenue * (1.0 - rate / 100.0))

    @api.depends(
        "expected_revenue",
        "estimated_margin_rate",
        "team_id.pilot_min_margin_rate",
        "company_id.pilot_min_margin_rate",
    )
    def _compute_is_low_margin(self):
        for lead in self:
            if lead.team_id:
                floor = lead.team_id.pilot_min_margin_rate
            else:
                floor = (lead.company_id or self.env.company).pilot_min_margin_rate
            lead.is_low_margin = bool(lead.expected_revenue) and lead.estimated_margin_rate < floor

    @api.constrains("estimated_cost")
    def _check_estimated_cost(self):
        negative = self.filtered(lambda lead: lead.estimated_cost < 0)
        if negative:
            raise ValidationError(
                self.env._(
                    "The estimated cost cannot be negative (%(leads)s).",
                    leads=format_record_names(negative),
                )
            )

    # ------------------------------------------------------------------
    # ORM overrides: each capability hooks in with one call (see its section)
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self._pilot_check_protected_fields(vals_list, creating=True)
        # Creating an opportunity in a later stage needs the earlier stages' criteria.
        with self._pilot_exit_criteria_savepoint():
            leads = super().create(vals_list)
            leads._pilot_check_exit_criteria_on_create()
        leads._pilot_apply_stage_probability_on_create(vals_list)
        leads._pilot_record_stage_history()
        return leads

    def write(self, vals):
        self._pilot_check_protected_fields([vals])
        vals = self._pilot_stamp_interaction(vals)
        if "active" in vals and not vals["active"]:
            self._pilot_check_loss_reason(vals.get("lost_reason_id"))
        elif vals.get("active") and "lost_reason_id" not in vals and not all(self.mapped("active")):
            # Restoring a lost lead clears its loss reason, whatever the path.
            vals = dict(vals, lost_reason_id=False)
        stage_probability_leads = self._pilot_apply_stage_probability(vals)
        # Forward stage moves must meet the stage exit criteria (see below),
        # checked against the stay being left: amount revisions written with
        # the move belong to it, and the new stay is recorded after the check.
        with self._pilot_check_exit_criteria(vals):
            self._pilot_record_amount_revision(vals)
            result = super().write(vals)
        if "stage_id" in vals:
            self._pilot_record_stage_history()
        stage_probability_leads._pilot_write_stage_probability()
        return result

    # ------------------------------------------------------------------
    # Security: fields maintained by the application
    # ------------------------------------------------------------------

    def _pilot_check_protected_fields(self, vals_list, creating=False):
        """Refuse values (or, at creation, context defaults) of the fields the
        application maintains, unless written by code as superuser: a
        salesperson must not be able to fake the KPIs or dodge follow-ups."""
        if self.env.su:
            return
        given = {fname for vals in vals_list for fname in vals}
        if creating:
            given |= {
                key.removeprefix("default_")
                for key in self.env.context
                if key.startswith("default_")
            }
        protected = [fname for fname in PILOT_PROTECTED_FIELDS if fname in given]
        if protected:
            raise AccessError(
                self.env._(
                    "These fields are maintained by the application and cannot be "
                    "written: %(fields)s.",
                    fields=", ".join(
                        self._fields[fname]._description_string(self.env) for fname in protected
                    ),
                )
            )

    # ------------------------------------------------------------------
    # Mandatory loss reasons
    # ------------------------------------------------------------------

    def _pilot_check_loss_reason(self, lost_reason_id=False):
        """Refuse to archive (mark as lost) opportunities without a loss reason.

        Plain leads may be archived as junk when their company allows it.
        """
        if lost_reason_id:
            return
        missing = self.filtered(
            lambda lead: (
                lead.active
                and not lead.lost_reason_id
                and not (
                    lead.type == "lead"
                    and (
                        lead.company_id or self.env.company
                    ).pilot_allow_lead_archive_without_reason
                )
            )
        )
        if missing:
            raise UserError(
                self.env._(
                    "An opportunity can only be marked as lost with a loss reason. "
                    'Use the "Lost" button and choose a reason for: %(leads)s.',
                    leads=format_record_names(missing),
                )
            )

    def action_set_lost(self, **additional_values):
        reason_id = additional_values.get("lost_reason_id")
        self._pilot_check_loss_reason(reason_id)
        if reason_id:
            # Set the reason before archiving, so that the archive sees it.
            self.filtered("active").write({"lost_reason_id": reason_id})
        return super().action_set_lost(**additional_values)

    # ------------------------------------------------------------------
    # Stage exit criteria
    # ------------------------------------------------------------------

    @api.depends("activity_ids.date_deadline")
    def _compute_has_dated_next_action(self):
        for lead in self:
            lead.has_dated_next_action = any(lead.activity_ids.mapped("date_deadline"))

    def _search_has_dated_next_action(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(self.env._("Unsupported search on a dated next action."))
        positive = (operator == "=") == bool(value)
        # Explicitly planned (active) activities: done ones kept in the history
        # are archived, and the gate searches with active_test=False.
        domain = [
            (
                "activity_ids",
                "any",
                [("active", "=", True), ("date_deadline", "!=", False)],
            )
        ]
        return domain if positive else ["!", *domain]

    @api.depends("phone_sanitized", "email_normalized")
    def _compute_is_contact_valid(self):
        for lead in self:
            lead.is_contact_valid = bool(lead.phone_sanitized or lead.email_normalized)

    def _search_is_contact_valid(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(self.env._("Unsupported search on a valid contact."))
        positive = (operator == "=") == bool(value)
        if positive:
            return ["|", ("phone_sanitized", "!=", False), ("email_normalized", "!=", False)]
        return [("phone_sanitized", "=", False), ("email_normalized", "=", False)]

    @api.model
    def _pilot_phone_to_e164(self, number, country=None):
        """The phone number in E.164 if it is valid for the country (by default
        the company's), else False. The same normalisation as the stored
        ``phone_sanitized`` (phonenumbers, through phone_validation)."""
        if not number:
            return False
        return self._phone_format(
            number=number,
            country=country or self.env.company.country_id,
            force_format="E164",
            raise_exception=False,
        )

    def _pilot_exit_criteria_skipped(self):
        """Code only (data migrations, integrations): superuser environment AND
        the context key ``pilot_skip_exit_criteria``. An RPC caller can pass
        the key but can never be superuser."""
        return self.env.su and self.env.context.get("pilot_skip_exit_criteria")

    def _pilot_stage_ranks(self):
        """All stages as {stage_id: (sequence, is_won, team_id)} (cached, read only)."""
        return self.env["crm.stage"]._pilot_ranks()

    @api.model
    def _pilot_stages_to_exit(self, ranks, from_stage_id, to_stage_id, team_id):
        """Ids of the stages whose criteria a lead of ``team_id`` needs to go
        from ``from_stage_id`` (False at creation) to ``to_stage_id``: the
        stage it leaves and every stage it skips; none for a backward move."""
        to_sequence, to_won, _to_team = ranks[to_stage_id]
        if from_stage_id:
            from_sequence, from_won, _from_team = ranks[from_stage_id]
            if from_won or not (to_sequence > from_sequence or to_won):
                return []
            result = [from_stage_id]
        else:
            from_sequence, result = None, []
        for stage_id, (sequence, is_won, stage_team) in ranks.items():
            if stage_id in (from_stage_id, to_stage_id) or is_won:
                continue
            if stage_team and stage_team != team_id:
                continue
            if sequence < to_sequence and (from_sequence is None or sequence > from_sequence):
                result.append(stage_id)
        return result

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

    def _pilot_missing_exit_criteria(self, stages_by_lead, criteria=None):
        """Missing criteria, set-based: one evaluation per criterion over all
        the leads that need it (one search per domain criterion).

        :param dict stages_by_lead: {lead: list of stage ids whose criteria are needed}
        :param criteria: the criteria of those stages, if already fetched
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
        missing = defaultdict(lambda: self.env["crm.stage.exit.criterion"])
        for criterion, lead_ids in leads_by_criterion.items():
            leads = self.browse(lead_ids)
            satisfied = criterion._pilot_satisfied_lead_ids(leads)
            for lead in leads:
                if lead.id not in satisfied:
                    missing[lead] |= criterion
        return missing

    def _pilot_exit_criteria_groups(self):
        """Group the leads for the exit-criteria computes: yields
        (criteria of the stage, missing criteria, leads) per stage and per
        combination of missing criteria, and (None, None, leads) for the leads
        whose stage has no active criterion. Set-based: the pipeline kanban
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
        gated.sudo()._pilot_fetch(
            [fname for c_type, fname in definitions if c_type == "field" and fname in self._fields]
            + (["confirmed_criterion_ids"] if ("manual", None) in definitions else [])
        )
        missing = self._pilot_missing_exit_criteria(
            {
                self.browse(lead_id): [stage_id]
                for stage_id in gated_stage_ids
                for lead_id in leads_by_stage[stage_id]
            }
        )
        for stage_id in gated_stage_ids:
            criteria = Criterion.browse(ids_by_stage[stage_id])
            leads_by_missing = defaultdict(list)
            for lead_id in leads_by_stage[stage_id]:
                lead = self.browse(lead_id)
                leads_by_missing[missing.get(lead, criteria.browse())].append(lead_id)
            for lead_missing, same_ids in leads_by_missing.items():
                yield criteria, lead_missing, self.browse(same_ids)

    @api.depends(lambda self: self._pilot_exit_criteria_depends())
    @api.depends_context("lang")
    def _compute_exit_criteria(self):
        # The fields of the kanban card (progress, tooltip), set per group.
        all_met = self.env._("All exit criteria are met.")
        for criteria, missing, leads in self._pilot_exit_criteria_groups():
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

    @api.depends(lambda self: self._pilot_exit_criteria_depends())
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
        for criteria, missing, leads in self._pilot_exit_criteria_groups():
            if criteria is None:
                leads.exit_criteria_has_manual = False
                leads.exit_criteria_checklist = False
                continue
            leads.exit_criteria_has_manual = bool(manual_ids.intersection(criteria.ids))
            leads.exit_criteria_checklist = self._pilot_checklist_html(criteria, missing)

    def _pilot_fetch(self, fnames):
        """Load the fields ``fnames`` of the saved records of self that are not
        in the cache yet, in one query. For the computes shown on kanban cards:
        reading a field missing from the cache would load every column of
        crm_lead for the whole page of cards."""
        saved = self.browse(id_ for id_ in self._ids if isinstance(id_, int))
        todo = [
            fname
            for fname in dict.fromkeys(fnames)
            if next(iter(self.env.cache.get_missing_ids(saved, self._fields[fname])), None)
        ]
        if saved and todo:
            saved.fetch(todo)

    def _pilot_stage_ids(self):
        """The stage id of each lead of self, in order, for the computes of
        the kanban cards: read from the cache for saved leads (as Odoo's
        accounting does for its many2one ids), not record by record."""
        if all(isinstance(id_, int) for id_ in self._ids):
            self._pilot_fetch(["stage_id"])
            stage_ids = [
                stage_id or False
                for stage_id in self.env.cache.get_values(self, self._fields["stage_id"])
            ]
            if len(stage_ids) == len(self._ids):
                return stage_ids
        # New records of a form, or a lead deleted meanwhile (the ORM's error)
        return [lead.stage_id.id for lead in self]

    @api.model
    def _pilot_exit_criteria_depends(self):
        """Criteria may check any field: the checklist depends on every stored
        field of the lead (so that it is fresh after a write and follows the
        form's edits), plus what the helpers and manual criteria read."""
        ignored = {"write_date", "write_uid", "create_date", "create_uid"}
        names = [
            name
            for name, field in self._fields.items()
            if field.store
            and field.type not in ("one2many", "many2many", "binary", "properties")
            and name not in ignored
        ]
        return [
            *names,
            "tag_ids",
            "confirmed_criterion_ids",
            "activity_ids.date_deadline",
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

    def _pilot_checklist_html(self, criteria, missing):
        lines = []
        for criterion in criteria:
            met = criterion not in missing
            lines.append(
                Markup(
                    '<li class="o_pilot_criterion %s" title="%s">'
                    '<i class="fa %s me-1" role="img" aria-label="%s"></i>%s%s</li>'
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
                )
            )
        return Markup('<ul class="list-unstyled mb-0">%s</ul>') % Markup("").join(lines)

    def _pilot_exit_criteria_error(self, missing, stage, creation=False):
        """The translated refusal naming, per lead and per stage, each missing
        criterion (a readable number of leads)."""

        def by_stage(criteria):
            names = defaultdict(list)
            for criterion in criteria.sorted(lambda c: (c.stage_id.sequence, c.sequence, c.id)):
                names[criterion.stage_id].append(criterion.name)
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
                f"- {lead.display_name}: {'; '.join(by_stage(missing[lead]))}"
                for lead in leads[:MAX_NAMES_IN_MESSAGE]
            ]
            if len(leads) > MAX_NAMES_IN_MESSAGE:
                lines.append(
                    "- " + self.env._("and %(count)s more", count=len(leads) - MAX_NAMES_IN_MESSAGE)
                )
        return UserError("\n".join([header, *lines]))

    @contextmanager
    def _pilot_check_exit_criteria(self, vals):
        """Gate of forward stage moves, wrapped around ``write``.

        Before the write it finds, for each lead moving forward, the stage it
        leaves and the stages it skips, and their active criteria. Without any,
        the write runs as usual. Otherwise the write runs in a savepoint and the
        criteria are checked after it (so that values written together with
        the stage count), set-based; if any lead misses one, the whole write is
        rolled back and refused with the list of what is missing.
        """
        to_stage_id = vals.get("stage_id")
        if (
            not to_stage_id
            or self._pilot_exit_criteria_skipped()
            or not self.env["crm.stage.exit.criterion"].sudo()._pilot_active_definitions()
        ):
            yield
            return
        ranks = self._pilot_stage_ranks()
        stages_by_lead = {}
        cache = {}
        for lead in self:
            from_stage_id = lead.stage_id.id
            if from_stage_id == to_stage_id or vals.get("type", lead.type) != "opportunity":
                continue
            key = (from_stage_id, vals.get("team_id", lead.team_id.id))
            if key not in cache:
                cache[key] = (
                    self._pilot_stages_to_exit(ranks, from_stage_id, to_stage_id, key[1])
                    if from_stage_id
                    else []
                )
            if cache[key]:
                stages_by_lead[lead] = cache[key]
        criteria = self._pilot_exit_criteria_for(stages_by_lead)
        if not criteria:
            yield
            return
        # Read the company currency before the write: the checks below flush
        # the write, whose monetary recomputations would otherwise fetch the
        # company field by field (one more query per move).
        self.mapped("company_currency")
        with self.env.cr.savepoint():
            yield
            missing = self._pilot_missing_exit_criteria(stages_by_lead, criteria)
            if missing:
                raise self._pilot_exit_criteria_error(
                    missing, self.env["crm.stage"].browse(to_stage_id)
                )

    @contextmanager
    def _pilot_exit_criteria_savepoint(self):
        """A savepoint when exit criteria exist (and are not skipped), so that a
        refused creation leaves nothing behind even if the caller goes on."""
        if (
            self._pilot_exit_criteria_skipped()
            or not self.env["crm.stage.exit.criterion"].sudo()._pilot_active_definitions()
        ):
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
        ranks = self._pilot_stage_ranks()
        stages_by_lead = {}
        for lead in opportunities:
            stage_ids = self._pilot_stages_to_exit(ranks, False, lead.stage_id.id, lead.team_id.id)
            if stage_ids:
                stages_by_lead[lead] = stage_ids
        missing = self._pilot_missing_exit_criteria(stages_by_lead)
        if missing:
            stage = next(iter(missing)).stage_id
            missing = {
                lead: criteria for lead, criteria in missing.items() if lead.stage_id == stage
            }
            raise self._pilot_exit_criteria_error(missing, stage, creation=True)

    def action_pilot_exit_bypass(self):
        """Open the bypass wizard (members of the bypass group only)."""
        return self.env["crm.stage.exit.bypass"]._pilot_open_for(self)

    # ------------------------------------------------------------------
    # Follow-ups on inactive deals
    # ------------------------------------------------------------------

    @api.depends("date_last_interaction", "stage_id.stagnation_days", "probability", "active")
    def _compute_inactivity(self):
        # Computed on every card of the pipeline kanban: the values are read
        # and set for all the leads at once, and the stagnation limit is
        # computed once per stage.
        self._pilot_fetch(["date_last_interaction", "stage_id", "active", "probability"])
        now = fields.Datetime.now()
        limits = {}
        days, stagnant = [], []
        Stage = self.env["crm.stage"]
        for stage_id, last, active, probability in zip(
            self._pilot_stage_ids(),
            self.mapped("date_last_interaction"),
            self.mapped("active"),
            self.mapped("probability"),
            strict=True,
        ):
            if stage_id not in limits:
                days_limit = Stage.browse(stage_id).stagnation_days or 0
                limits[stage_id] = now - timedelta(days=days_limit)
            days.append(max((now - last).days, 0) if last else 0)
            stagnant.append(
                bool(
                    last and active and stage_id and probability < 100 and last <= limits[stage_id]
                )
            )
        # What assigning each lead's values would do, in one call per field
        # (plain values: integers and booleans are stored as is in the cache).
        self.env.cache.update(self, self._fields["inactivity_days"], days)
        self.env.cache.update(self, self._fields["is_stagnant"], stagnant)

    def _pilot_stagnant_sql(self, alias, query):
        """SQL boolean expression of ``is_stagnant`` for the crm_lead row of
        ``alias``, joining its stage in ``query``: used to search and to group
        by the (non-stored) field."""
        stage_alias = query.make_alias(alias, "pilot_stagnant_stage")
        query.add_join(
            "LEFT JOIN",
            stage_alias,
            "crm_stage",
            SQL("%s = %s", SQL.identifier(alias, "stage_id"), SQL.identifier(stage_alias, "id")),
        )
        return SQL(
            "COALESCE(%(active)s AND %(stage)s IS NOT NULL AND COALESCE(%(probability)s, 0) < 100"
            " AND %(last)s <= %(now)s - make_interval(days => %(days)s), FALSE)",
            active=SQL.identifier(alias, "active"),
            stage=SQL.identifier(stage_alias, "id"),
            probability=SQL.identifier(alias, "probability"),
            last=SQL.identifier(alias, "date_last_interaction"),
            days=SQL.identifier(stage_alias, "stagnation_days"),
            now=fields.Datetime.now(),
        )

    def _search_is_stagnant(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(
                self.env._('The "Stagnant" field can only be searched with "=" or "!=" True/False.')
            )
        query = Query(self.env, self._table, SQL.identifier(self._table))
        query.add_where(self._pilot_stagnant_sql(self._table, query))
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", query)]

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        # Grouping by the non-stored "Stagnant" field (pipeline group-by).
        if fname == "is_stagnant" and query is not None:
            return self._pilot_stagnant_sql(alias, query)
        return super()._field_to_sql(alias, fname, query, flush)

    @api.depends("team_id.user_id", "user_id")
    def _compute_pilot_escalation_user_id(self):
        for lead in self:
            lead.pilot_escalation_user_id = lead.team_id.user_id or lead.user_id

    def _pilot_is_automated(self):
        """Whether the current write is automated and must not count as an
        interaction: a scheduled action, or code (follow-ups, imports,
        integrations) run with the context key ``pilot_automated=True``."""
        context = self.env.context
        return bool(context.get("pilot_automated") or context.get("ir_cron_progress_id"))

    def _pilot_stamp_interaction(self, vals):
        """Write hook: a stage change by a person is an interaction."""
        if (
            "stage_id" in vals
            and "date_last_interaction" not in vals
            and not self._pilot_is_automated()
            and any(lead.stage_id.id != vals["stage_id"] for lead in self)
        ):
            vals = dict(vals, date_last_interaction=fields.Datetime.now())
        return vals

    def _pilot_touch_interaction(self):
        """Record an interaction now (message by a person, activity done).

        A single UPDATE, not a write: posting in the chatter must stay cheap,
        and neither bump the write date nor fire "on save" automation rules.
        """
        if not self:
            return
        self.env.cr.execute(
            SQL(
                "UPDATE crm_lead SET date_last_interaction = %s WHERE id IN %s",
                fields.Datetime.now(),
                tuple(self.ids),
            )
        )
        self.invalidate_recordset(["date_last_interaction"])
        self.modified(["date_last_interaction"])

    def _message_post_after_hook(self, message, msg_vals):
        # A note or message posted by a person, or an email received from
        # the customer, is an interaction. Incoming emails are fetched by a
        # scheduled action: only the explicit automation flag excludes them.
        message_type = message.message_type
        if (message_type == "comment" and not self._pilot_is_automated()) or (
            message_type == "email" and not self.env.context.get("pilot_automated")
        ):
            self._pilot_touch_interaction()
        return super()._message_post_after_hook(message, msg_vals)

    @api.model
    def _pilot_run_follow_ups(self, batch_size=1000):
        """Run every active follow-up step (automation rule flagged
        ``pilot_follow_up_step``) on the open opportunities: the scheduled
        action's entry point.

        Steps run from the longest delay to the shortest, and an opportunity
        gets at most one step per run and each step at most once per
        inactivity cycle (the latest due step wins: an opportunity inactive
        for 20 days is escalated, not reminded three times). Eligible leads
        are selected in SQL and processed in batches of ``batch_size``: the
        number of queries grows with the number of batches, not of leads.
        With the context key ``pilot_follow_up_commit`` (set by the scheduled
        action), each batch is committed, so that an interrupted run resumes
        where it stopped.

        :return: the number of activities created
        """
        if batch_size < 1:
            raise UserError(self.env._("The batch size of a follow-up run must be positive."))
        rules = (
            self.env["base.automation"]
            .sudo()
            .with_context(active_test=True)
            .search(
                [
                    ("pilot_follow_up_step", "=", True),
                    ("model_name", "=", self._name),
                    ("trigger", "=", "on_time"),
                ]
            )
        )
        rules = rules.sorted(lambda rule: (-rule._pilot_follow_up_delay_minutes(), rule.id))
        leads = self.sudo().with_context(
            pilot_automated=True, mail_activity_quick_update=True, tracking_disable=True
        )
        created = 0
        for index, rule in enumerate(rules):
            count = leads._pilot_run_follow_up_step(rule, rules[: index + 1], batch_size)
            if count is None:
                _logger.info("Follow-ups: another run is in progress, leaving it the work")
                break
            created += count
        return created

    def _pilot_try_follow_up_lock(self):
        self.env.cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s)", FOLLOW_UP_LOCK_KEY))
        return self.env.cr.fetchone()[0]

    def _pilot_run_follow_up_step(self, rule, claimed_rules, batch_size):
        """Process one follow-up step on all its eligible opportunities, by
        batches. ``claimed_rules`` are this step and the steps with a longer
        delay: an opportunity that had one of them in its current inactivity
        cycle is skipped. Returns the number of activities created, or None
        when another run holds the follow-up lock."""
        date_fname = rule.trg_date_id.name
        now = fields.Datetime.now()
        threshold = now - DATE_RANGE_FUNCTION[rule.trg_date_range_type](rule.trg_date_range)
        domain = []
        if rule.filter_domain:
            domain = safe_eval.safe_eval(rule.filter_domain, rule._get_eval_context())
        domain = [*domain, (date_fname, "<=", threshold)]
        commit = self.env.context.get("pilot_follow_up_commit")
        created, last_id = 0, 0
        while True:
            if not self._pilot_try_follow_up_lock():
                return None
            lead_ids = self._pilot_follow_up_eligible_ids(
                rule, claimed_rules, domain, date_fname, last_id, batch_size
            )
            if not lead_ids:
                break
            last_id = lead_ids[-1]
            claimed_ids = self._pilot_claim_follow_up(rule, lead_ids, date_fname, threshold)
            created += len(self.browse(claimed_ids)._pilot_create_follow_up_activities(rule))
            if commit:
                # Scheduled action: keep each batch done (and release the
                # follow-up lock) so that an interrupted run resumes there.
                self.env.cr.commit()  # pylint: disable=invalid-commit
            if len(lead_ids) < batch_size:
                break
        return created

    def _pilot_follow_up_eligible_ids(
        self, rule, claimed_rules, domain, date_fname, last_id, batch_size
    ):
        """Ids (ascending, after ``last_id``) of the next batch of leads
        matching the step's domain, past its delay, without this step or a
        later one in their current cycle and without an open activity of this
        step: one query."""
        query = self._search([*domain, ("id", ">", last_id)], order="id", limit=batch_size)
        date_column = SQL.identifier(self._table, date_fname)
        lead_id = SQL.identifier(self._table, "id")
        query.add_where(
            SQL(
                """NOT EXISTS (
                    SELECT 1 FROM crm_lead_follow_up_log log
                     WHERE log.lead_id = %(lead_id)s
                       AND log.interaction_date = %(date)s
                       AND log.automation_id = ANY(%(rule_ids)s))
                   AND NOT EXISTS (
                    SELECT 1 FROM mail_activity act
                     WHERE act.res_model = %(model)s
                       AND act.res_id = %(lead_id)s
                       AND act.pilot_follow_up_step_id = %(rule_id)s
                       AND act.active)""",
                lead_id=lead_id,
                date=date_column,
                rule_ids=claimed_rules.ids,
                rule_id=rule.id,
                model=self._name,
            )
        )
        return [row[0] for row in self.env.execute_query(query.select())]

    def _pilot_claim_follow_up(self, rule, lead_ids, date_fname, threshold):
        """Claim the leads for the step in their current inactivity cycle:
        returns the ids actually claimed. Leads already claimed, even by a
        concurrent transaction not yet committed (PostgreSQL waits for it),
        or interacted with in the meantime are left out."""
        self.env.flush_all()
        date_column = SQL.identifier("lead", date_fname)
        query = SQL(
            """INSERT INTO crm_lead_follow_up_log
                        (lead_id, automation_id, interaction_date,
                         create_uid, create_date, write_uid, write_date)
                   SELECT lead.id, %(rule_id)s, %(date)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                     FROM crm_lead lead
                    WHERE lead.id = ANY(%(lead_ids)s) AND %(date)s <= %(threshold)s
                 ORDER BY lead.id
              ON CONFLICT (lead_id, automation_id, interaction_date) DO NOTHING
                RETURNING lead_id""",
            rule_id=rule.id,
            date=date_column,
            uid=self.env.uid,
            now=fields.Datetime.now(),
            lead_ids=lead_ids,
            threshold=threshold,
        )
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(query, log_exceptions=False)
                rows = self.env.cr.fetchall()
        except SerializationFailure:
            # Another worker claimed some of these leads and committed after
            # this transaction started (repeatable read): leave them to it.
            _logger.info("Follow-ups: %s leads claimed by another run", len(lead_ids))
            return []
        return sorted(row[0] for row in rows)

    def _pilot_create_follow_up_activities(self, rule):
        """Create the activities of the step's "Create Activity" actions on
        the leads of ``self``, as configured on the actions (type, summary,
        note, deadline, assignee), with one create per action."""
        activities = self.env["mail.activity"]
        if not self:
            return activities
        model_id = self.env["ir.model"]._get_id(self._name)
        today = fields.Date.context_today(self)
        for action in rule.action_server_ids.filtered(lambda a: a.state == "next_activity"):
            activity_type = action.activity_type_id
            if not activity_type:
                continue
            deadline = today
            if action.activity_date_deadline_range > 0:
                deadline += relativedelta(
                    **{
                        action.activity_date_deadline_range_type
                        or "days": action.activity_date_deadline_range
                    }
                )
            user_fname = action.activity_user_field_name
            note = action.activity_note or activity_type.default_note or ""
            vals_list = []
            for lead in self:
                if action.activity_user_type == "specific":
                    user = action.activity_user_id
                else:
                    user = lead[user_fname] if user_fname in lead else self.env["res.users"]
                user = (
                    user
                    or lead.pilot_escalation_user_id
                    or activity_type.default_user_id
                    or self.env.user
                )
                vals_list.append(
                    {
                        "res_model_id": model_id,
                        "res_id": lead.id,
                        "activity_type_id": activity_type.id,
                        "summary": action.activity_summary or activity_type.summary or "",
                        "date_deadline": deadline,
                        "user_id": user.id,
                        "automated": True,
                        "pilot_follow_up_step_id": rule.id,
                    }
                )
            created = self.env["mail.activity"].create(vals_list)
            created._pilot_set_same_note(note)
            activities |= created
        return activities

    # ------------------------------------------------------------------
    # Stage probabilities
    # ------------------------------------------------------------------
    # Teams in the "fixed" or "adjustable" mode take probabilities from
    # stages instead of predictive lead scoring (PLS). Their leads are left
    # out of PLS (field recomputations, the nightly cron), get their stage's
    # probability when they are created, change stage, join such a team or
    # are restored (Odoo asks PLS), and manual edits are checked against the
    # team's mode.

    def _pilot_stage_mode_leads(self):
        """The leads of self whose sales team takes probabilities from stages."""
        return self.filtered(lambda lead: lead.team_id.probability_mode in STAGE_PROBABILITY_MODES)

    @api.model
    def _pilot_stage_target_probability(self, stage):
        """The probability a stage gives: 100 in won stages."""
        return 100.0 if stage.is_won else stage.probability

    def _pls_get_naive_bayes_probabilities(self, batch_mode=False):
        # Leave leads of stage-probability teams out of PLS: neither the
        # recomputation on field changes nor the PLS cron touch them.
        others = self - self._pilot_stage_mode_leads()
        return super(CrmLead, others)._pls_get_naive_bayes_probabilities(batch_mode=batch_mode)

    def _compute_probabilities(self):
        res = super()._compute_probabilities()
        # New leads being edited in a form show their stage's probability;
        # stored leads get it in create/write.
        for lead in self._pilot_stage_mode_leads():
            if not lead._origin and lead.stage_id:
                lead.probability = self._pilot_stage_target_probability(lead.stage_id)
        return res

    def _pilot_apply_stage_probability(self, vals):
        """Stage probabilities for a write of ``vals`` on self, called before it.

        An explicit probability is checked against the stage (the new one when
        the write changes it) and the mode of the team. Without one, returns
        the leads of stage-probability teams that change stage, join such a
        team or are restored: the caller gives them their stage's probability
        after the write. Won stages (100) and archiving (lost, 0) are left to
        Odoo.
        """
        no_lead = self.browse()
        if not self or not vals.keys() & {"probability", "stage_id", "team_id", "active"}:
            return no_lead
        if "active" in vals and not vals["active"]:
            return no_lead
        stage = self.env["crm.stage"].browse(vals["stage_id"]) if vals.get("stage_id") else None
        team = self.env["crm.team"].browse(vals["team_id"]) if "team_id" in vals else None
        if team is None:
            leads = self._pilot_stage_mode_leads()
        elif team.probability_mode in STAGE_PROBABILITY_MODES:
            leads = self
        else:
            return no_lead
        restoring = bool(vals.get("active"))
        if not restoring:
            leads = leads.filtered("active")
        if "probability" in vals:
            leads._pilot_check_probability(vals["probability"], stage=stage, team=team)
            return no_lead
        if stage is not None and stage.is_won:
            return no_lead
        return leads.filtered(
            lambda lead: (
                (stage is not None and lead.stage_id != stage)
                or (team is not None and lead.team_id != team)
                or (restoring and not lead.active)
            )
        )

    def _pilot_apply_stage_probability_on_create(self, vals_list):
        """New leads of stage-probability teams get their stage's probability;
        an explicit one is checked like a manual edit."""
        given = self.browse(
            [lead.id for lead, vals in zip(self, vals_list, strict=True) if "probability" in vals]
        )
        leads = self._pilot_stage_mode_leads().filtered("active")
        (leads & given)._pilot_check_probability()
        (leads - given)._pilot_write_stage_probability()

    def _pilot_write_stage_probability(self):
        """Give the active leads of self their stage's probability, one write
        per distinct value. The caller selects leads of stage-probability
        teams; the value written passes the manual-edit check."""
        by_probability = {}
        for lead in self.filtered(lambda lead: lead.active and lead.stage_id):
            probability = self._pilot_stage_target_probability(lead.stage_id)
            if float_compare(lead.probability, probability, precision_digits=2):
                by_probability.setdefault(probability, []).append(lead.id)
        for probability, lead_ids in by_probability.items():
            self.browse(lead_ids).write({"probability": probability})

    def _pilot_probability_range(self, stage, team):
        """(lowest, highest) probability allowed for self in ``stage`` of ``team``."""
        if not stage or team.probability_mode not in STAGE_PROBABILITY_MODES:
            return 0.0, 100.0
        probability = self._pilot_stage_target_probability(stage)
        if stage.is_won or team.probability_mode == "fixed":
            return probability, probability
        band = team.probability_band
        return max(0.0, probability - band), min(100.0, probability + band)

    def _pilot_check_probability(self, probability=None, stage=None, team=None):
        """Refuse probabilities the lead's team mode does not allow.

        ``probability``, ``stage`` and ``team`` are the values being written;
        by default each lead's own.
        """
        errors = []
        for lead in self:
            lead_stage = stage if stage is not None else lead.stage_id
            lead_team = team if team is not None else lead.team_id
            value = lead.probability if probability is None else probability
            low, high = lead._pilot_probability_range(lead_stage, lead_team)
            if (
                float_compare(value, low, precision_digits=2) >= 0
                and float_compare(value, high, precision_digits=2) <= 0
            ):
                continue
            values = {
                "lead": lead.display_name,
                "stage": lead_stage.display_name,
                "team": lead_team.display_name,
                "probability": self._pilot_format_percent(
                    self._pilot_stage_target_probability(lead_stage)
                ),
                "min": self._pilot_format_percent(low),
                "max": self._pilot_format_percent(high),
                "band": self._pilot_format_percent(lead_team.probability_band),
            }
            if lead_stage.is_won:
                errors.append(
                    self.env._(
                        "%(lead)s is in the won stage %(stage)s: its probability stays 100 %%.",
                        **values,
                    )
                )
            elif lead_team.probability_mode == "fixed":
                errors.append(
                    self.env._(
                        "%(lead)s: the sales team %(team)s fixes probabilities by stage; "
                        "in the stage %(stage)s it is %(probability)s %% and cannot be changed.",
                        **values,
                    )
                )
            else:
                errors.append(
                    self.env._(
                        "%(lead)s: the probability must be between %(min)s %% and "
                        "%(max)s %% (stage %(stage)s: %(probability)s %%, ± %(band)s "
                        "points in the sales team %(team)s).",
                        **values,
                    )
                )
        if errors:
            shown = errors[:MAX_NAMES_IN_MESSAGE]
            if len(errors) > len(shown):
                shown.append(self.env._("and %(count)s more.", count=len(errors) - len(shown)))
            raise UserError(
                self.env._("This probability is not allowed:\n%(errors)s", errors="\n".join(shown))
            )

    def _pilot_format_percent(self, value):
        """A percentage in the user's language, without useless decimals."""
        digits = 0 if float_is_zero(value % 1, precision_digits=2) else 2
        return formatLang(self.env, value, digits=digits)

    # ------------------------------------------------------------------
    # Stage history and amount revisions
    # ------------------------------------------------------------------

    def _pilot_record_stage_history(self):
        """Close the open stay of the leads whose stage changed, open a stay in
        their new stage and flag those reaching a proposal stage. Set-based:
        one statement for any number of leads (a stage move stays cheap)."""
        leads = self.filtered("id")
        if not leads:
            return
        History = self.env["crm.lead.stage.history"].sudo()
        History.flush_model()
        leads.flush_recordset(["stage_id", "user_id", "team_id", "company_id"])
        now = fields.Datetime.now()
        # The statements of a WITH all see the rows as they were before it:
        # the INSERT opens a stay for the leads without an open stay in their
        # current stage, i.e. exactly those whose open stay the UPDATE closes
        # (or that have none).
        self.env.cr.execute(
            SQL(
                """
                WITH closed AS (
                    UPDATE crm_lead_stage_history h
                       SET date_out = %(now)s,
                           days = ROUND((EXTRACT(EPOCH FROM (%(now)s - h.date_in))
                                         / 86400.0)::numeric, 2)
                      FROM crm_lead l
                     WHERE h.lead_id = l.id
                       AND h.lead_id = ANY(%(ids)s)
                       AND h.date_out IS NULL
                       AND h.stage_id IS DISTINCT FROM l.stage_id
                    RETURNING h.id
                ), proposal AS (
                    UPDATE crm_lead l SET reached_proposal_stage = TRUE
                      FROM crm_stage s
                     WHERE s.id = l.stage_id AND s.is_proposal_stage
                       AND l.id = ANY(%(ids)s) AND NOT COALESCE(l.reached_proposal_stage, FALSE)
                    RETURNING l.id
                )
                INSERT INTO crm_lead_stage_history
                       (lead_id, stage_id, user_id, team_id, company_id, date_in,
                        create_uid, create_date, write_uid, write_date)
                SELECT l.id, l.stage_id, l.user_id, l.team_id, l.company_id, %(now)s,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM crm_lead l
                 WHERE l.id = ANY(%(ids)s)
                   AND NOT EXISTS (
                        SELECT 1 FROM crm_lead_stage_history h
                         WHERE h.lead_id = l.id AND h.date_out IS NULL
                           AND h.stage_id IS NOT DISTINCT FROM l.stage_id)
                 ORDER BY l.id
                """,
                now=now,
                ids=leads.ids,
                uid=self.env.uid,
            )
        )
        History.invalidate_model()
        leads.invalidate_recordset(
            ["stage_history_ids", "amount_reviewed_in_stage", "reached_proposal_stage"]
        )

    def _pilot_record_amount_revision(self, vals):
        """Flag the current stay of the leads whose expected revenue or
        estimated cost is revised by ``vals``, and date the revision. A revision
        written together with a stage change belongs to the stay being left."""
        fnames = [fname for fname in ("expected_revenue", "estimated_cost") if fname in vals]
        if not fnames:
            return
        revised = self.filtered(
            lambda lead: (
                lead.id
                and any(
                    float_compare(lead[fname] or 0.0, vals[fname] or 0.0, precision_digits=2)
                    for fname in fnames
                )
            )
        )
        if not revised:
            return
        now = fields.Datetime.now()
        self.env["crm.lead.stage.history"].flush_model(["amount_revised"])
        self.env.cr.execute(
            """
            UPDATE crm_lead_stage_history SET amount_revised = TRUE
             WHERE lead_id = ANY(%s) AND date_out IS NULL
            """,
            [revised.ids],
        )
        self.env["crm.lead.stage.history"].invalidate_model(["amount_revised"])
        revised.invalidate_recordset(["amount_reviewed_in_stage"])
        # Plain column update: no recursion into write, no tracking noise.
        self.env.cr.execute(
            "UPDATE crm_lead SET date_last_amount_revision = %s WHERE id = ANY(%s)",
            [now, revised.ids],
        )
        revised.invalidate_recordset(["date_last_amount_revision"])

    @api.depends("stage_history_ids.amount_revised", "stage_history_ids.date_out")
    def _compute_amount_reviewed_in_stage(self):
        reviewed = set(
            self.env["crm.lead.stage.history"]
            .sudo()
            .search(
                [
                    ("lead_id", "in", self.ids),
                    ("date_out", "=", False),
                    ("amount_revised", "=", True),
                ]
            )
            .lead_id.ids
        )
        for lead in self:
            lead.amount_reviewed_in_stage = lead.id in reviewed

    def _search_amount_reviewed_in_stage(self, operator, value):
        if operator not in ("=", "!="):
            return NotImplemented
        query = (
            self.env["crm.lead.stage.history"]
            .sudo()
            ._search([("date_out", "=", False), ("amount_revised", "=", True)])
        )
        positive = (operator == "=") == bool(value)
        return [("id", "in" if positive else "not in", query.subselect("lead_id"))]

    @api.model
    def _pilot_recompute_reached_proposal(self):
        """Recompute ``reached_proposal_stage`` of every lead from the stage
        history, after a stage gained or lost its proposal flag (one UPDATE)."""
        self.env["crm.lead.stage.history"].flush_model()
        self.env["crm.stage"].flush_model(["is_proposal_stage"])
        self.flush_model(["reached_proposal_stage"])
        self.env.cr.execute(
            """
            UPDATE crm_lead l
               SET reached_proposal_stage = (p.lead_id IS NOT NULL)
              FROM crm_lead l2
              LEFT JOIN (
                    SELECT DISTINCT h.lead_id
                      FROM crm_lead_stage_history h
                      JOIN crm_stage s ON s.id = h.stage_id AND s.is_proposal_stage
              ) p ON p.lead_id = l2.id
             WHERE l.id = l2.id
               AND COALESCE(l.reached_proposal_stage, FALSE) <> (p.lead_id IS NOT NULL)
            """
        )
        self.invalidate_model(["reached_proposal_stage"])
