# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Follow-ups on inactive deals: the scheduled run of the follow-up steps,
batched, idempotent and safe with several cron workers (design 1.4)."""

import logging

from psycopg2.errors import SerializationFailure

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL, safe_eval

from odoo.addons.base_automation.models.base_automation import DATE_RANGE_FUNCTION

_logger = logging.getLogger(__name__)


def _conjuncts(domain):
    """The terms AND-ed at the top of ``domain``, each a domain of its own."""
    domain = expression.normalize_domain(domain)

    def end_of(index):  # the index after the term starting at ``index``
        if domain[index] == expression.NOT_OPERATOR:
            return end_of(index + 1)
        if domain[index] in (expression.AND_OPERATOR, expression.OR_OPERATOR):
            return end_of(end_of(index + 1))
        return index + 1

    terms, stack = [], [0]
    while stack:
        index = stack.pop()
        if domain[index] == expression.AND_OPERATOR:
            first_end = end_of(index + 1)
            stack.extend((first_end, index + 1))
        else:
            terms.append(domain[index : end_of(index)])
    return terms


# Transaction-level advisory lock taken by a follow-up run: a second run
# (another cron worker) finding it taken leaves the work to the first one.
FOLLOW_UP_LOCK_KEY = 0x6372_6D70  # "crmp"


class CrmLead(models.Model):
    _inherit = "crm.lead"

    @api.model
    def _cron_pilot_follow_ups(self, batch_size=1000):
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

        A run cannot wedge: a batch that fails is retried lead by lead and
        the failing leads are set aside (logged, retried at the next run);
        leads without any valid assignee (active internal user) are skipped
        and logged, and followed up once their salesperson or team is fixed.

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
            created += self._pilot_follow_up_batch(rule, lead_ids, date_fname, threshold)
            if commit:
                # Scheduled action: keep each batch done (and release the
                # follow-up lock) so that an interrupted run resumes there.
                self.env.cr.commit()  # pylint: disable=invalid-commit
            if len(lead_ids) < batch_size:
                break
        return created

    def _pilot_follow_up_batch(self, rule, lead_ids, date_fname, threshold):
        """Claim and follow up one batch of leads for the step, in a savepoint,
        and return the number of activities created.

        When the batch fails (an activity that cannot be created, a broken
        integration hook...), it is retried lead by lead, each in its own
        savepoint: the failing leads are set aside (logged with their ids) and
        the others are followed up, so that one bad lead never blocks the
        runs. A lead set aside is not claimed (its savepoint is rolled back):
        the next run tries it again, and reports it again while it fails."""
        try:
            with self.env.cr.savepoint():
                return self._pilot_follow_up_leads(rule, lead_ids, date_fname, threshold)
        except Exception:  # any error of one lead must not stop the others
            _logger.warning(
                "Follow-ups: a batch of %s leads failed for the step %s, retrying lead by lead",
                len(lead_ids),
                rule.id,
                exc_info=True,
            )
        created, failed = 0, []
        for lead_id in lead_ids:
            try:
                with self.env.cr.savepoint():
                    created += self._pilot_follow_up_leads(rule, [lead_id], date_fname, threshold)
            except Exception as error:  # set aside, retried at the next run
                failed.append(lead_id)
                _logger.warning(
                    "Follow-ups: lead %s set aside for the step %s: %s", lead_id, rule.id, error
                )
        if failed:
            _logger.warning(
                "Follow-ups: %s leads set aside after an error for the step %s "
                "(not claimed, retried at the next run): ids %s",
                len(failed),
                rule.id,
                failed,
            )
        return created

    def _pilot_follow_up_leads(self, rule, lead_ids, date_fname, threshold):
        """Claim ``lead_ids`` for the step and create their activities.
        Claimed leads that got no activity (no valid assignee) are released,
        so that they are followed up once their salesperson or team is fixed.
        Returns the number of activities created."""
        claimed_ids = self._pilot_claim_follow_up(rule, lead_ids, date_fname, threshold)
        activities = self.browse(claimed_ids)._pilot_create_follow_up_activities(rule)
        skipped_ids = sorted(set(claimed_ids) - set(activities.mapped("res_id")))
        if skipped_ids:
            self._pilot_release_follow_up(rule, skipped_ids, date_fname)
        return len(activities)

    def _pilot_release_follow_up(self, rule, lead_ids, date_fname):
        """Undo the claim of ``lead_ids`` for the step in their current cycle."""
        self.env.cr.execute(
            SQL(
                """DELETE FROM crm_lead_follow_up_log log
                         USING crm_lead lead
                         WHERE log.lead_id = lead.id
                           AND log.automation_id = %(rule_id)s
                           AND log.interaction_date = %(date)s
                           AND lead.id = ANY(%(lead_ids)s)""",
                rule_id=rule.id,
                date=SQL.identifier("lead", date_fname),
                lead_ids=lead_ids,
            )
        )

    def _pilot_follow_up_eligible_ids(
        self, rule, claimed_rules, domain, date_fname, last_id, batch_size
    ):
        """Ids (ascending, after ``last_id``) of the next batch of leads
        matching the step's domain, past its delay, without this step or a
        later one in their current cycle and without an open activity of this
        step: one query.

        Both checks look the lead up by its id (an index lookup per lead
        read): the subqueries are kept out of the planner's joins (OFFSET 0),
        whose choice would follow the statistics of the log and of the
        activities, which the run itself makes stale by filling them. At
        1,000,000 opportunities, a plan made on those statistics scanned every
        follow-up activity created so far once per lead (49 s per batch of
        1,000 when replayed at mid-run; docs/benchmark.md)."""
        query = self._pilot_follow_up_eligible_query(domain, last_id, batch_size)
        date_column = SQL.identifier(self._table, date_fname)
        lead_id = SQL.identifier(self._table, "id")
        query.add_where(
            SQL(
                """NOT EXISTS (
                    SELECT 1 FROM crm_lead_follow_up_log log
                     WHERE log.lead_id = %(lead_id)s
                       AND log.interaction_date = %(date)s
                       AND log.automation_id = ANY(%(rule_ids)s)
                    OFFSET 0)
                   AND NOT EXISTS (
                    SELECT 1 FROM mail_activity act
                     WHERE act.res_model = %(model)s
                       AND act.res_id = %(lead_id)s
                       AND act.pilot_follow_up_step_id = %(rule_id)s
                       AND act.active
                    OFFSET 0)""",
                lead_id=lead_id,
                date=date_column,
                rule_ids=claimed_rules.ids,
                rule_id=rule.id,
                model=self._name,
            )
        )
        return [row[0] for row in self.env.execute_query(query.select())]

    def _pilot_follow_up_eligible_query(self, domain, last_id, batch_size):
        """The query of the next batch of leads matching ``domain`` (ids
        after ``last_id``), before the checks of the log and of the step's
        activities.

        A condition "without a related record" at the top of the domain (the
        shipped steps' "without a planned activity": ``activity_ids`` ``not
        any``) is written here as NOT EXISTS, which PostgreSQL plans as an
        anti-join: Odoo writes it ``id NOT IN (SELECT res_id ...)``, which
        PostgreSQL scans again for every opportunity once the activities no
        longer fit in its working memory (about 300,000 with the default
        settings). Both give the same leads (the activities' document is
        never NULL). Only this query is written so: other searches on
        opportunities are Odoo's."""
        kept, not_exists = [], []
        for term in _conjuncts(domain):
            sql = self._pilot_not_exists_sql(term)
            if sql is None:
                kept.append(term)
            else:
                not_exists.append(sql)
        query = self._search(
            expression.AND([*kept, [("id", ">", last_id)]]), order="id", limit=batch_size
        )
        for sql in not_exists:
            query.add_where(sql)
        return query

    def _pilot_not_exists_sql(self, term):
        """NOT EXISTS of the one-term domain ``term`` when it is a condition
        ``(one2many, "not any", subdomain)`` on a stored one2many of the lead,
        else None."""
        if len(term) != 1 or not isinstance(term[0], tuple | list) or len(term[0]) != 3:
            return None
        fname, operator, subdomain = term[0]
        field = self._fields.get(fname)
        if operator != "not any" or not field or field.type != "one2many" or not field.store:
            return None
        comodel = self.env[field.comodel_name].with_context(**field.context)
        related = comodel._search(expression.AND([field.get_domain_list(self), subdomain]))
        related.add_where(
            SQL(
                "%s = %s",
                comodel._field_to_sql(related.table, field.inverse_name, related),
                SQL.identifier(self._table, "id"),
            )
        )
        return SQL("NOT EXISTS (%s)", related.select(SQL("1")))

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
