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

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        leads._pilot_record_stage_history()
        return leads

    def write(self, vals):
        if "active" in vals and not vals["active"]:
            self._pilot_check_loss_reason(vals.get("lost_reason_id"))
        elif vals.get("active") and "lost_reason_id" not in vals and not all(self.mapped("active")):
            # Restoring a lost lead clears its loss reason, whatever the path.
            vals = dict(vals, lost_reason_id=False)
        self._pilot_record_amount_revision(vals)
        result = super().write(vals)
        if "stage_id" in vals:
            self._pilot_record_stage_history()
        return result

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
    # Stage history and amount revisions
    # ------------------------------------------------------------------

    def _pilot_record_stage_history(self):
        """Close the open stay of the leads whose stage changed and open a stay
        in their new stage. Set-based: one UPDATE, one SELECT, one create."""
        leads = self.filtered("id")
        if not leads:
            return
        History = self.env["crm.lead.stage.history"].sudo()
        History.flush_model()
        leads.flush_recordset(["stage_id", "user_id", "team_id", "company_id"])
        now = fields.Datetime.now()
        cr = self.env.cr
        cr.execute(
            """
            UPDATE crm_lead_stage_history h
               SET date_out = %(now)s,
                   days = ROUND((EXTRACT(EPOCH FROM (%(now)s - h.date_in)) / 86400.0)::numeric, 2)
              FROM crm_lead l
             WHERE h.lead_id = l.id
               AND h.lead_id = ANY(%(ids)s)
               AND h.date_out IS NULL
               AND h.stage_id IS DISTINCT FROM l.stage_id
            """,
            {"now": now, "ids": leads.ids},
        )
        cr.execute(
            """
            SELECT lead_id FROM crm_lead_stage_history
             WHERE lead_id = ANY(%s) AND date_out IS NULL
            """,
            [leads.ids],
        )
        still_open = {row[0] for row in cr.fetchall()}
        History.invalidate_model(["date_out", "days"])
        leads.invalidate_recordset(["amount_reviewed_in_stage"])
        cr.execute(
            """
            UPDATE crm_lead l SET reached_proposal_stage = TRUE
              FROM crm_stage s
             WHERE s.id = l.stage_id AND s.is_proposal_stage
               AND l.id = ANY(%s) AND NOT COALESCE(l.reached_proposal_stage, FALSE)
            """,
            [leads.ids],
        )
        leads.invalidate_recordset(["reached_proposal_stage"])
        History.create(
            [
                {
                    "lead_id": lead.id,
                    "stage_id": lead.stage_id.id,
                    "user_id": lead.user_id.id,
                    "team_id": lead.team_id.id,
                    "company_id": lead.company_id.id,
                    "date_in": now,
                }
                for lead in leads
                if lead.id not in still_open
            ]
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
