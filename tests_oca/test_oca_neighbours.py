# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Where this add-on and an OCA CRM add-on act on the same moment: the
behaviour chosen (docs/integrators.md), with the OCA add-ons installed."""

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from odoo.addons.crm_pipeline_pilot.tests.common import new_pilot_user

from .common import OcaNeighboursCommon


@tagged("post_install", "-at_install")
class TestOcaNeighbours(OcaNeighboursCommon):
    # crm_won_reason: two won reasons, two names, two dialogs
    def test_won_reasons_side_by_side(self):
        Lead = self.env["crm.lead"]
        self.assertEqual(Lead._fields["won_reason_id"].comodel_name, "crm.lost.reason")
        self.assertEqual(Lead._fields["pilot_won_reason_id"].comodel_name, "crm.won.reason")
        self.assertEqual(
            self.env["crm.lead.won"]._fields["won_reason_id"].comodel_name, "crm.lost.reason"
        )
        # crm_won_reason's dialog, for a team that does not require this
        # add-on's reason: won with its reason, ours left empty.
        lead = self._opportunity("Won through crm_won_reason")
        wizard = self.env["crm.lead.won"].create({"won_reason_id": self.oca_won.id})
        wizard.with_context(active_ids=lead.ids).action_win_reason_apply()
        self.assertEqual(
            (lead.stage_id.is_won, lead.won_reason_id, lead.pilot_won_reason_id),
            (True, self.oca_won, self.env["crm.won.reason"]),
        )

    def test_team_requirement_is_this_addons_reason(self):
        self.team.pilot_won_reason_required = True
        lead = self._opportunity("Won reason required")
        wizard = self.env["crm.lead.won"].create({"won_reason_id": self.oca_won.id})
        with self.assertRaisesMessage(UserError, "A won reason is required by the sales team"):
            wizard.with_context(active_ids=lead.ids).action_win_reason_apply()
        # The Won button opens this add-on's dialog, which wins with its reason.
        action = lead.with_user(self.salesman).action_set_won_rainbowman()
        self.assertEqual(action["res_model"], "crm.lead.pilot.won")
        dialog = self.env["crm.lead.pilot.won"].create(
            {"lead_ids": [(6, 0, lead.ids)], "won_reason_id": self.price.id}
        )
        dialog.action_won_reason_apply()
        self.assertEqual(
            (lead.stage_id.is_won, lead.pilot_won_reason_id, lead.won_reason_id),
            (True, self.price, self.env["crm.lost.reason"]),
        )

    # crm_won_restrict_per_stage: the stage refuses the win, whatever the dialog
    def test_won_restricted_per_stage_with_won_reasons(self):
        self.team.pilot_won_reason_required = True
        self.stage_new.show_won_button = False
        lead = self._opportunity("Not winnable from here")
        dialog = self.env["crm.lead.pilot.won"].create(
            {"lead_ids": [(6, 0, lead.ids)], "won_reason_id": self.price.id}
        )
        with self.assertRaises(ValidationError):
            dialog.action_won_reason_apply()
        # Nothing kept of the refused win: neither the stage nor the reason.
        self.assertEqual(
            (lead.stage_id, lead.pilot_won_reason_id),
            (self.stage_new, self.env["crm.won.reason"]),
        )

    # crm_security_group: a "CRM only" user reads the stage history
    def test_crm_only_user_reads_stage_history(self):
        user = new_pilot_user(
            self.env, "pilot_oca_crm_only", groups="crm_security_group.group_crm_own_leads"
        )
        self.assertFalse(user.has_group("sales_team.group_sale_salesman"))
        stage_next = self.env["crm.stage"].create({"name": "Pilot Next (OCA)", "sequence": 2})
        # (a customer and a date: crm_partner_required and
        # crm_date_deadline_required require them on the form)
        own = self._opportunity(
            "CRM only: own",
            user_id=user.id,
            partner_id=self.customer.id,
            date_deadline=fields.Date.context_today(self.env["crm.lead"]),
        )
        other = self._opportunity("CRM only: other")
        (own | other).write({"stage_id": stage_next.id})
        history = (
            self.env["crm.lead.stage.history"]
            .with_user(user)
            .search([("lead_id", "in", (own | other).ids)])
        )
        self.assertEqual(history.lead_id, own)
        with Form(own.with_user(user)) as form:
            form.name = "CRM only: own, renamed"
        self.assertEqual(own.name, "CRM only: own, renamed")

    # crm_stage_probability: on_change of the pipeline, this add-on's
    # probability for the teams whose probabilities come from stages
    def test_recommended_stages_follow_on_change(self):
        Stage = self.env["crm.stage"]
        Stage.search([]).write({"on_change": True})
        team = self.env["crm.team"].create({"name": "On change team"})
        stages = Stage.action_apply_recommended_pipeline(team_id=team.id)
        created = stages.filtered(lambda s: s.team_id == team)
        self.assertEqual(len(created), 4)  # the shared won stage is reused
        self.assertEqual(set(created.mapped("on_change")), {True})
        Stage.search([("team_id", "=", False)], limit=1).on_change = False
        other = self.env["crm.team"].create({"name": "Off team"})
        created = Stage.action_apply_recommended_pipeline(team_id=other.id).filtered(
            lambda s: s.team_id == other
        )
        self.assertEqual(set(created.mapped("on_change")), {False})

    def test_stage_probability_of_this_addon_wins_for_stage_teams(self):
        stage_next = self.env["crm.stage"].create(
            {
                "name": "Pilot Next (OCA)",
                "sequence": 2,
                "on_change": True,
                "probability": 25.0,
                "pilot_probability": 40.0,
            }
        )
        self.team.write({"pilot_probability_mode": "fixed"})
        other_team = self.env["crm.team"].create({"name": "PLS team"})
        pilot = self._opportunity("Stage team deal")
        pls = self._opportunity("PLS team deal", team_id=other_team.id)
        pilot.write({"stage_id": stage_next.id})
        pls.write({"stage_id": stage_next.id})
        self.assertEqual((pilot.probability, pls.probability), (40.0, 25.0))

    # crm_stage_multi_team: a team's recommended stages are its own in team_ids
    def test_recommended_stages_in_team_ids(self):
        team = self.env["crm.team"].create({"name": "Multi team", "pilot_own_stages_only": True})
        other = self.env["crm.team"].create({"name": "Other team"})
        stages = self.env["crm.stage"].action_apply_recommended_pipeline(team_id=team.id)
        self.assertEqual(set(stages.mapped(lambda s: (s.team_id, s.team_ids))), {(team, team)})
        Lead = self.env["crm.lead"].with_context(test_crm_stage_multi_team=True)
        found = Lead._stage_find(team_id=other.id, domain=[("fold", "=", False)], limit=None)
        self.assertFalse(found & stages)

    # crm_date_deadline_required: the form asks the date, the slip reason stays ours
    def test_required_closing_date_and_slip_reason(self):
        form = Form(
            self.env["crm.lead"].with_context(
                default_type="opportunity", default_team_id=self.team.id
            )
        )
        form.name = "Dated deal"
        form.partner_id = self.customer  # required by crm_partner_required
        with self.assertRaises(AssertionError):
            form.save()  # the date is required (crm_date_deadline_required)
        today = fields.Date.context_today(self.env["crm.lead"])
        form.date_deadline = today
        lead = form.save()
        # Pushed out of the month: this add-on's slip reason, form or not.
        later = today + relativedelta(months=1, day=1)
        with self.assertRaisesMessage(UserError, "Dated deal"), Form(lead) as edit:
            edit.date_deadline = later
        lead.invalidate_recordset()
        self.assertEqual(lead.date_deadline, today)
        reason = self.env.ref("crm_pipeline_pilot.slip_reason_customer_postponed")
        lead.write({"date_deadline": later, "slip_reason_id": reason.id})
        self.assertEqual(lead.date_deadline, later)
