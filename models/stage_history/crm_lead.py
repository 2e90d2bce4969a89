# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Stage history and amount revisions of opportunities (design 1.5)."""

from contextlib import contextmanager

from odoo import api, fields, models
from odoo.tools import SQL, float_compare


class CrmLead(models.Model):
    _inherit = "crm.lead"

    date_last_amount_revision = fields.Datetime(
        pilot_maintained=True,
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
        pilot_maintained=True,
        readonly=True,
        copy=False,
        index=True,
        help="The opportunity has been in a proposal stage (quote sent). Kept by "
        "the stage history, so that reports need not read it.",
    )
    stage_history_ids = fields.One2many("crm.lead.stage.history", "lead_id", readonly=True)

    @contextmanager
    def _pilot_writing(self, vals, state):
        with super()._pilot_writing(vals, state):
            # Amount revisions written with a stage move belong to the stay
            # being left: recorded before the write.
            self._pilot_record_amount_revision(vals)
            yield

    def _pilot_after_create(self, vals_list):
        result = super()._pilot_after_create(vals_list)
        self._pilot_record_stage_history()
        return result

    def _pilot_after_write(self, vals, state):
        result = super()._pilot_after_write(vals, state)
        if "stage_id" in vals:
            self._pilot_record_stage_history()
        return result

    def _pilot_record_stage_history(self):
        """Close the open stay of the leads whose stage changed (or that were
        just created: they have none), open a stay in their new stage and flag
        those reaching a proposal stage. Set-based: one statement for any
        number of leads (a stage move stays cheap), from the values in the
        cache: without flushing the leads first, their pending values are
        written by the one UPDATE that plain Odoo makes anyway (Odoo's own
        query budgets for lead creation, test_crm_full, hold with the add-on;
        a stage move costs one statement more than plain Odoo's)."""
        leads = self.filtered("id")
        if not leads:
            return
        self.env["crm.lead.stage.history"].sudo().flush_model()
        rows = [
            (lead.id, lead.stage_id.id, lead.user_id.id, lead.team_id.id, lead.company_id.id)
            for lead in leads
        ]
        now = fields.Datetime.now()
        columns = [[row[index] or None for row in rows] for index in range(5)]
        # The statements of a WITH all see the rows as they were before it:
        # the INSERT opens a stay for the leads without an open stay in their
        # current stage, i.e. exactly those whose open stay the UPDATE closes
        # (or that have none).
        self.env.cr.execute(
            SQL(
                """
                WITH stay AS (
                    SELECT * FROM unnest(%(leads)s::int[], %(stages)s::int[], %(users)s::int[],
                                         %(teams)s::int[], %(companies)s::int[])
                        AS v(lead_id, stage_id, user_id, team_id, company_id)
                ), closed AS (
                    UPDATE crm_lead_stage_history h
                       SET date_out = %(now)s,
                           days = ROUND((EXTRACT(EPOCH FROM (%(now)s - h.date_in))
                                         / 86400.0)::numeric, 2)
                      FROM stay v
                     WHERE h.lead_id = v.lead_id
                       AND h.date_out IS NULL
                       AND h.stage_id IS DISTINCT FROM v.stage_id
                    RETURNING h.id
                ), proposal AS (
                    UPDATE crm_lead l SET reached_proposal_stage = TRUE
                      FROM stay v JOIN crm_stage s ON s.id = v.stage_id
                     WHERE l.id = v.lead_id AND s.is_proposal_stage
                       AND NOT COALESCE(l.reached_proposal_stage, FALSE)
                    RETURNING l.id
                )
                INSERT INTO crm_lead_stage_history
                       (lead_id, stage_id, user_id, team_id, company_id, date_in,
                        create_uid, create_date, write_uid, write_date)
                SELECT v.lead_id, v.stage_id, v.user_id, v.team_id, v.company_id, %(now)s,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM stay v
                 WHERE NOT EXISTS (
                        SELECT 1 FROM crm_lead_stage_history h
                         WHERE h.lead_id = v.lead_id AND h.date_out IS NULL
                           AND h.stage_id IS NOT DISTINCT FROM v.stage_id)
                 ORDER BY v.lead_id
                """,
                leads=columns[0],
                stages=columns[1],
                users=columns[2],
                teams=columns[3],
                companies=columns[4],
                now=now,
                uid=self.env.uid,
            )
        )
        self.env["crm.lead.stage.history"].invalidate_model()
        leads.invalidate_recordset(["stage_history_ids", "amount_reviewed_in_stage"])
        leads.invalidate_recordset(["reached_proposal_stage"], flush=False)

    def _pilot_fields_changed_by_write(self, vals):
        # The revision of the amount is recorded by SQL before the write (see
        # _pilot_record_amount_revision): the exit criteria gate must know it.
        changed = super()._pilot_fields_changed_by_write(vals)
        if vals.keys() & {"expected_revenue", "estimated_cost"}:
            changed |= {
                "date_last_amount_revision",
                "amount_reviewed_in_stage",
                "stage_history_ids",
            }
        return changed

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
