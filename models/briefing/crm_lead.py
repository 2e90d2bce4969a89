# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Deal briefing: one page on an opportunity before a meeting, printed as a
PDF (report/crm_lead_briefing_report.xml) and shown on a tab of the form, from
one template and one set of values."""

from textwrap import shorten

from odoo import fields, models
from odoo.tools import html2plaintext
from odoo.tools.misc import format_amount, format_date, format_datetime, formatLang

# How many interactions and stage stays the page shows.
BRIEFING_INTERACTIONS = 5
BRIEFING_STAGES = 8


class CrmLead(models.Model):
    _inherit = "crm.lead"

    briefing_html = fields.Html(
        string="Briefing",
        compute="_compute_briefing_html",
        sanitize=False,
        help="The one-page briefing of the opportunity, as printed.",
    )

    def _compute_briefing_html(self):
        # The values only (no website context: a form saved during a website
        # request renders the tab as any other).
        QWeb = self.env["ir.qweb"].with_context(minimal_qcontext=True)
        for lead in self:
            if not lead.id or not isinstance(lead.id, int):
                lead.briefing_html = False
                continue
            lead.briefing_html = QWeb._render(
                "crm_pipeline_pilot.deal_briefing_content",
                {"briefing": lead._pilot_briefing_values()},
            )

    def _pilot_briefing_print_header(self):
        """The line atop each page of the printed briefing: the company and
        the day it is printed, in the user's language (the PDF tools print no
        page header of their own)."""
        self.ensure_one()
        return self.env._(
            "%(company)s · Printed on %(date)s",
            company=(self.company_id or self.env.company).name,
            date=format_date(self.env, fields.Date.context_today(self)),
        )

    def _pilot_briefing_values(self):
        """What the briefing of the opportunity shows, formatted in the user's
        language: key facts, stage timeline, last interactions, open
        activities, exit criteria, risks, qualification and next action."""
        self.ensure_one()
        env = self.env
        currency = self.company_currency or env.company.currency_id
        now = fields.Datetime.now()
        history = self.stage_history_ids.sorted(lambda row: (row.date_in, row.id))
        current = history.filtered("is_current")[-1:]
        entered = current.date_in or self.date_last_stage_update
        days_in_stage = (now - entered).days if entered else 0

        def amount(value):
            return format_amount(env, value or 0.0, currency)

        # Rates with the decimal separator of the reader's language.
        rate = formatLang(env, self.estimated_margin_rate, digits=1)
        if self.margin_known:
            margin_text = env._(
                "%(margin)s (%(rate)s %%)", margin=amount(self.estimated_margin), rate=rate
            )
        else:
            margin_text = env._("unknown (no estimated cost)")
        if days_in_stage:
            stage_text = env._(
                "%(stage)s, for %(days)s days", stage=self.stage_id.name, days=days_in_stage
            )
        else:
            stage_text = env._("%(stage)s, since today", stage=self.stage_id.name)
        closing = format_date(env, self.date_deadline) if self.date_deadline else "—"
        if self.close_date_push_count:
            closing_text = env._(
                "%(date)s (moved %(count)s times)", date=closing, count=self.close_date_push_count
            )
        else:
            closing_text = closing
        customer = self.partner_id.display_name or self.partner_name or "—"
        facts = [
            (env._("Customer"), customer),
            (env._("Salesperson"), self.user_id.name or "—"),
            (env._("Expected Revenue"), amount(self.expected_revenue)),
            (env._("Estimated Margin"), margin_text),
            (env._("Probability"), f"{self.probability:.0f} %"),
            (env._("Stage"), stage_text),
            (env._("Expected Closing"), closing_text),
        ]
        timeline = [
            {
                "stage": row.stage_id.name or "—",
                "date_in": format_date(env, row.date_in),
                "date_out": format_date(env, row.date_out) if row.date_out else "",
                "days": f"{row.days:.0f}" if row.date_out else f"{(now - row.date_in).days}",
            }
            for row in history[-BRIEFING_STAGES:]
        ]
        # An internal user reads the messages and activities of the deals they
        # can read (mail's rules): read without the per-record access checks,
        # in one query each, with the fields shown.
        Message, Activity = env["mail.message"], env["mail.activity"]
        if env.user._is_internal():
            Message, Activity = Message.sudo(), Activity.sudo()
        messages = Message.search_fetch(
            [
                ("model", "=", self._name),
                ("res_id", "=", self.id),
                ("message_type", "in", ("comment", "email")),
                ("author_id", "!=", env["ir.model.data"]._xmlid_to_res_id("base.partner_root")),
            ],
            ["date", "author_id", "email_from", "body", "subject"],
            order="date desc, id desc",
            limit=BRIEFING_INTERACTIONS,
        )
        interactions = [
            {
                "date": format_datetime(env, message.date, dt_format="short"),
                "author": message.author_id.name or message.email_from or "—",
                "text": shorten(html2plaintext(message.body or "").strip(), 160)
                or message.subject
                or "—",
            }
            for message in messages
        ]
        activities = [
            {
                "deadline": format_date(env, activity.date_deadline),
                "type": activity.activity_type_id.name or "",
                "summary": activity.summary or activity.activity_type_id.name or "",
                "user": activity.user_id.name or "",
                "overdue": activity.date_deadline < fields.Date.context_today(self),
            }
            for activity in Activity.search_fetch(
                [("res_model", "=", self._name), ("res_id", "=", self.id)],
                ["date_deadline", "activity_type_id", "summary", "user_id"],
                order="date_deadline, id",
            )
        ]
        criteria = []
        missing_count = 0
        for stage_criteria, missing, _broken, _leads in self._pilot_exit_criteria_evaluated():
            for criterion in stage_criteria or []:
                met = criterion not in missing
                missing_count += not met
                criteria.append({"name": criterion.name, "met": met})
        risks = self._pilot_deal_risks(missing_count)
        return {
            "name": self.name,
            "facts": facts,
            "timeline": timeline,
            "interactions": interactions,
            "activities": activities,
            "criteria": criteria,
            "risks": risks,
            "score": self.qualification_score,
            "missing_dimensions": self.qualification_missing_label or "",
            "next_action": self.next_action_name or "",
            "next_action_reason": self.next_action_reason or "",
            # The pre-meeting synthesis (models/synthesis/) but what the page
            # already shows (open activities, risks).
            "synthesis": self._pilot_synthesis_values(briefing=True),
        }

    def _pilot_deal_risks(self, missing_count):
        """The risks of the opportunity as the briefing and the pre-meeting
        synthesis say them, in the user's language: stagnation, low margin,
        pushes of the expected closing date, ``missing_count`` exit criteria
        of the stage missing."""
        self.ensure_one()
        env = self.env
        # The rate the low-margin flag follows: the estimate's, or the
        # documents' with the sales margins bridge (quotation sent, orders).
        rate = formatLang(env, self._pilot_margin_rate_followed()[0], digits=1)
        minimum = formatLang(env, self._pilot_min_margin_rate(), digits=1)
        risks = []
        if self.is_stagnant:
            risks.append(
                env._("Stagnant: no interaction for %(days)s days.", days=self.inactivity_days)
            )
        if self.is_low_margin and self._pilot_margin_followed_known()[0]:
            risks.append(
                env._(
                    "Low margin: %(rate)s %% below the team minimum of %(minimum)s %%.",
                    rate=rate,
                    minimum=minimum,
                )
            )
        if self.close_date_push_count == 1:
            risks.append(env._("Expected closing date pushed once."))
        elif self.close_date_push_count:
            risks.append(
                env._(
                    "Expected closing date pushed %(count)s times.",
                    count=self.close_date_push_count,
                )
            )
        if missing_count == 1:
            risks.append(env._("One exit criterion of the stage is missing."))
        elif missing_count:
            risks.append(
                env._(
                    "%(count)s exit criteria of the stage are missing.",
                    count=missing_count,
                )
            )
        return risks
