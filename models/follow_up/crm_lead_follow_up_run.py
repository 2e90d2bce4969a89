# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Follow-ups on inactive deals: the scheduled run of the follow-up steps,
batched, idempotent and safe with several cron workers (design 1.4)."""

import logging

from dateutil.relativedelta import relativedelta
from markupsafe import Markup
from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, safe_eval

from odoo.addons.base_automation.models.base_automation import DATE_RANGE_FUNCTION

_logger = logging.getLogger(__name__)
# Transaction-level advisory lock taken by a follow-up run: a second run
# (another cron worker) finding it taken leaves the work to the first one.
FOLLOW_UP_LOCK_KEY = 0x6372_6D70  # "crmp"


class CrmLead(models.Model):
    _inherit = "crm.lead"

    @api.model
    def _pilot_follow_up_texts(self):
        """The texts of the shipped follow-up steps (data/follow_up_data.xml),
        {English source: text in the environment's language}: an activity is
        created in its assignee's language, unless an integrator rewrote the
        text of the step (which is then kept as written)."""
        return {
            "Follow up: no interaction for a while": self.env._(
                "Follow up: no interaction for a while"
            ),
            "<p>Nothing has happened on this opportunity for a while. Contact the customer "
            "and plan a dated next action.</p>": self.env._(
                "<p>Nothing has happened on this opportunity for a while. Contact the "
                "customer and plan a dated next action.</p>"
            ),
            "Second follow-up: the opportunity is going quiet": self.env._(
                "Second follow-up: the opportunity is going quiet"
            ),
            "<p>Still no interaction on this opportunity. Call the customer today and plan "
            "a dated next action, or mark the opportunity as lost.</p>": self.env._(
                "<p>Still no interaction on this opportunity. Call the customer today and "
                "plan a dated next action, or mark the opportunity as lost.</p>"
            ),
            "Escalation to the team leader: inactive opportunity": self.env._(
                "Escalation to the team leader: inactive opportunity"
            ),
            "<p>The salesperson's follow-ups on this opportunity got no answer. Review it "
            "with them: relaunch, reassign or mark as lost.</p>": self.env._(
                "<p>The salesperson's follow-ups on this opportunity got no answer. Review "
                "it with them: relaunch, reassign or mark as lost.</p>"
            ),
        }

    def _pilot_follow_up_text(self, text, lang):
        """``text`` in ``lang`` if it is a shipped text of the follow-up steps."""
        texts = self.with_context(lang=lang or "en_US")._pilot_follow_up_texts()
        return texts.get(text or "", text)

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
        query = self._search([*domain, ("id", ">", last_id)], order="id", limit=batch_size)
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

    @api.model
    def _pilot_is_valid_assignee(self, user):
        """Whether a follow-up may be assigned to ``user``: an active internal
        user, not the superuser (OdooBot, the scheduled actions' user)."""
        return bool(user and user.active and user.id != SUPERUSER_ID and user.sudo()._is_internal())

    def _pilot_follow_up_assignee(self, action, is_valid):
        """Assignee of the follow-up of ``action`` on the lead: the first valid
        one (``is_valid(user)``) among the user configured on the action (a
        specific user, or the lead's user field), the escalation user (the
        team leader, then the salesperson) and the default user of the
        activity type; an empty recordset when none is valid."""
        self.ensure_one()
        Users = self.env["res.users"]
        if action.activity_user_type == "specific":
            configured = action.activity_user_id
        else:
            field = self._fields.get(action.activity_user_field_name or "")
            configured = (
                self[field.name]
                if field and field.type == "many2one" and field.comodel_name == "res.users"
                else Users
            )
        for user in (
            configured,
            self.team_id.user_id,
            self.user_id,
            action.activity_type_id.default_user_id,
        ):
            if is_valid(user):
                return user
        return Users

    def _pilot_create_follow_up_activities(self, rule):
        """Create the activities of the step's "Create Activity" actions on
        the leads of ``self``, as configured on the actions (type, summary,
        note, deadline, assignee), with one create per action.

        A follow-up is never assigned to an archived, portal or system user:
        the assignee falls back to the team leader, the salesperson, then the
        activity type's default user; a lead without any valid one is skipped
        and logged with its id."""
        activities = self.env["mail.activity"]
        if not self:
            return activities
        model_id = self.env["ir.model"]._get_id(self._name)
        today = fields.Date.context_today(self)
        validity = {}

        def is_valid(user):
            # Few distinct users: checked once each, not once per lead.
            if user.id not in validity:
                validity[user.id] = self._pilot_is_valid_assignee(user)
            return validity[user.id]

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
            note = action.activity_note or activity_type.default_note or ""
            summary = action.activity_summary or activity_type.summary or ""
            vals_list, langs, skipped, lead_langs = [], [], [], {}
            for lead in self:
                user = lead._pilot_follow_up_assignee(action, is_valid)
                if not user:
                    skipped.append(lead.id)
                    continue
                langs.append(user.lang)
                lead_langs[lead.id] = user.lang
                vals_list.append(
                    {
                        "res_model_id": model_id,
                        "res_id": lead.id,
                        "activity_type_id": activity_type.id,
                        "summary": self._pilot_follow_up_text(summary, user.lang),
                        "date_deadline": deadline,
                        "user_id": user.id,
                        "automated": True,
                        "pilot_follow_up_step_id": rule.id,
                    }
                )
            if skipped:
                _logger.warning(
                    "Follow-ups: %s leads skipped for the step %s, no active internal "
                    "user to assign (salesperson, team leader, default user of the "
                    "activity type): ids %s",
                    len(skipped),
                    rule.id,
                    skipped,
                )
            if not vals_list:
                continue
            # The next best action of each lead, suggested in the note (next_action/)
            suggestions = self.browse(list(lead_langs))._pilot_next_action_notes(lead_langs)
            created = self.env["mail.activity"].create(vals_list)
            # One note per language of the assignees and suggestion, each written once.
            by_note = {}
            for activity, lang in zip(created, langs, strict=True):
                key = (lang, suggestions.get(activity.res_id, ""))
                by_note.setdefault(key, []).append(activity.id)
            for (lang, suggestion), activity_ids in by_note.items():
                created.browse(activity_ids)._pilot_set_same_note(
                    Markup(self._pilot_follow_up_text(note, lang) or "") + suggestion
                )
            activities |= created
        return activities
