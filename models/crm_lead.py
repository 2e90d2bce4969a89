from collections import defaultdict
from contextlib import contextmanager

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare

URGENCY_SELECTION = [
    ("0", "Low"),
    ("1", "Normal"),
    ("2", "High"),
    ("3", "Critical"),
]

# How many lead names an error message lists before "and N more".
MAX_NAMES_IN_MESSAGE = 10


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
    exit_criteria_has_manual = fields.Boolean(compute="_compute_exit_criteria")
    exit_criteria_missing = fields.Text(
        string="Missing Exit Criteria",
        compute="_compute_exit_criteria",
    )
    exit_criteria_checklist = fields.Html(
        compute="_compute_exit_criteria",
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
    # Mandatory loss reasons
    # ------------------------------------------------------------------

    def write(self, vals):
        if "active" in vals and not vals["active"]:
            self._pilot_check_loss_reason(vals.get("lost_reason_id"))
        elif vals.get("active") and "lost_reason_id" not in vals and not all(self.mapped("active")):
            # Restoring a lost lead clears its loss reason, whatever the path.
            vals = dict(vals, lost_reason_id=False)
        # Forward stage moves must meet the stage exit criteria (see below).
        with self._pilot_check_exit_criteria(vals):
            return super().write(vals)

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

    @api.model_create_multi
    def create(self, vals_list):
        # Creating an opportunity in a later stage needs the earlier stages' criteria.
        with self._pilot_exit_criteria_savepoint():
            leads = super().create(vals_list)
            leads._pilot_check_exit_criteria_on_create()
        return leads

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
        """All stages as {stage_id: (sequence, is_won, team_id)} (one query)."""
        stages = (
            self.env["crm.stage"]
            .sudo()
            .search_fetch([], ["sequence", "is_won", "team_id"], order="sequence, id")
        )
        return {stage.id: (stage.sequence, stage.is_won, stage.team_id.id) for stage in stages}

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
        """Active criteria of all the stages in ``stages_by_lead`` (one query)."""
        stage_ids = {stage_id for ids in stages_by_lead.values() for stage_id in ids}
        if not stage_ids:
            return self.env["crm.stage.exit.criterion"]
        return (
            self.env["crm.stage.exit.criterion"]
            .sudo()
            .search([("stage_id", "in", list(stage_ids))])
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
        criteria_by_stage = defaultdict(list)
        for criterion in criteria:
            criteria_by_stage[criterion.stage_id.id].append(criterion)
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

    @api.depends(lambda self: self._pilot_exit_criteria_depends())
    @api.depends_context("lang")
    def _compute_exit_criteria(self):
        stages_by_lead = {lead: [lead.stage_id.id] for lead in self if lead.stage_id}
        missing = self._pilot_missing_exit_criteria(stages_by_lead)
        for lead in self:
            criteria = lead.stage_id.exit_criterion_ids
            lead_missing = missing.get(lead, criteria.browse())
            lead.exit_criteria_has_manual = "manual" in criteria.mapped("criterion_type")
            if not criteria:
                lead.exit_criteria_progress = False
                lead.exit_criteria_complete = True
                lead.exit_criteria_missing = False
                lead.exit_criteria_checklist = False
                continue
            lead.exit_criteria_progress = f"{len(criteria) - len(lead_missing)}/{len(criteria)}"
            lead.exit_criteria_complete = not lead_missing
            lead.exit_criteria_missing = (
                self.env._("Missing: %(criteria)s", criteria=", ".join(lead_missing.mapped("name")))
                if lead_missing
                else self.env._("All exit criteria are met.")
            )
            lead.exit_criteria_checklist = lead._pilot_checklist_html(criteria, lead_missing)

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
        if not to_stage_id or self._pilot_exit_criteria_skipped():
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
        if self._pilot_exit_criteria_skipped() or not self.env[
            "crm.stage.exit.criterion"
        ].sudo().search_count([], limit=1):
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
