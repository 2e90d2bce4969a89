# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Follow-ups on inactive deals: the activities a follow-up step creates
(assignee, texts in the assignee's language); the run that selects the
leads is in crm_lead_follow_up_run.py."""

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models

# Logged with the run, under its logger
from .crm_lead_follow_up_run import _logger


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
