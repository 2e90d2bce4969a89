# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Demo data: months of history, so that every report shows figures on first
open. Deterministic: the same dates (relative to the day of installation),
amounts and outcomes at every installation; no randomness."""

from datetime import timedelta

from odoo import api, models

from ..crm_lead import TRUSTED

# The demo teams: Odoo's two (Sales, Pre-Sales) and the add-on's one.
DEMO_TEAMS = (
    "sales_team.team_sales_department",
    "sales_team.crm_team_1",
    "crm_pipeline_pilot.team_pilot_direct_sales",
)
# Odoo's shared stages and the recommended stage of a team that replaces each.
SHARED_TO_RECOMMENDED = {
    "crm.stage_lead1": 0,
    "crm.stage_lead2": 1,
    "crm.stage_lead3": 2,
    "crm.stage_lead4": "won",
}
# Closed deals of each team: (name, revenue, cost, days ago closed, cycle
# days, won, index of the last stage reached when lost).
CLOSED_DEALS = (
    ("Payroll outsourcing", 18000, 11000, 0, 21, True, None),
    ("Spare parts contract", 9500, 7800, 1, 35, False, 2),
    ("Office network upgrade", 24000, 15600, 12, 28, True, None),
    ("Cloud backup service", 7200, 4300, 26, 18, True, None),
    ("Showroom furniture", 31000, 25000, 33, 40, False, 3),
    ("Training programme", 12500, 7000, 47, 24, True, None),
    ("Maintenance renewal", 15800, 9900, 61, 30, True, None),
    ("Security audit", 8800, 6100, 75, 22, False, 1),
    ("ERP migration", 42000, 26500, 89, 52, True, None),
    ("Call centre headsets", 5600, 4900, 104, 15, False, 0),
    ("Solar panels", 27500, 17800, 118, 45, True, None),
    ("Delivery vans leasing", 36000, 30200, 131, 33, False, 2),
)
# Closed deals of the Direct Sales team on top of the above, with the manual
# exit criteria ticked, so that the win rates of two criteria can be claimed
# (at least 10 closed deals on each side): "Decision maker identified"
# predicts wins, "Need identified" is paperwork. (name, revenue, cost, days
# ago closed, cycle days, won, index of the last stage reached when lost,
# need identified, decision maker identified).
CRITERIA_TEAM = "crm_pipeline_pilot.team_pilot_direct_sales"
CRITERIA_DEALS = (
    ("Fleet telematics", 14000, 9000, 3, 26, True, None, True, True),
    ("Label printers", 6400, 4100, 9, 19, True, None, True, True),
    ("HR software", 21000, 13500, 17, 38, True, None, True, True),
    ("Data centre cooling", 33000, 22000, 24, 44, True, None, True, True),
    ("Website redesign", 11500, 6900, 38, 27, True, None, True, True),
    ("Point of sale terminals", 9800, 6500, 52, 23, True, None, True, True),
    ("Energy audit", 7600, 4800, 66, 20, True, None, False, True),
    ("Document scanning", 5900, 3700, 80, 17, True, None, False, True),
    ("Cybersecurity training", 8700, 5200, 95, 25, True, None, False, True),
    ("Conference room video", 12800, 8600, 110, 29, True, None, False, True),
    ("Inventory robots", 46000, 31000, 125, 55, True, None, False, True),
    ("Customer portal", 17500, 10400, 140, 36, True, None, False, True),
    ("Printer fleet", 4800, 3900, 7, 14, False, 0, True, False),
    ("Coffee machines", 3200, 2500, 29, 12, False, 0, True, False),
    ("Parking sensors", 9100, 7200, 58, 16, False, 0, True, False),
    ("Mobile app", 26000, 17000, 86, 31, False, 0, True, False),
    ("Access badges", 5400, 4300, 114, 13, False, 0, True, False),
    ("Cleaning contract", 7900, 6600, 150, 18, False, 0, True, False),
    ("E-learning platform", 15200, 9800, 15, 30, False, 1, False, True),
    ("Warehouse shelving", 19800, 15600, 44, 27, False, 1, False, True),
    ("Translation services", 6100, 4200, 73, 21, False, 1, False, False),
    ("Telephony migration", 13300, 9100, 101, 34, False, 1, False, False),
    ("Lighting retrofit", 22600, 16900, 129, 39, False, 1, False, False),
    ("Payroll audit", 8300, 5600, 158, 22, False, 1, False, False),
)
LOST_REASONS = ("crm.lost_reason_1", "crm.lost_reason_2", "crm.lost_reason_3")
PARTNERS = (
    "base.res_partner_1",
    "base.res_partner_2",
    "base.res_partner_3",
    "base.res_partner_4",
    "base.res_partner_10",
    "base.res_partner_12",
)
# Probabilities of the recommended stages of the demo teams.
STAGE_PROBABILITIES = (10, 30, 60, 80)
HISTORY_MONTHS = 6
SNAPSHOT_WEEKS = 12


class CrmLead(models.Model):
    _inherit = "crm.lead"

    @api.model
    def _pilot_demo_teams(self):
        return self.env["crm.team"].browse(
            [team.id for team in map(self._pilot_demo_ref, DEMO_TEAMS) if team]
        )

    @api.model
    def _pilot_demo_ref(self, xmlid):
        return self.env.ref(xmlid, raise_if_not_found=False)

    @api.model
    def _pilot_demo_team_stages(self, team_xmlids):
        """Move the opportunities of the demo teams working with their own
        stages (or another team's) from Odoo's shared stages to the
        recommended ones of their pipeline (demo data only: the stages
        themselves are left as they are)."""
        moved_ids = []
        for xmlid in team_xmlids:
            team = self._pilot_demo_ref(xmlid)
            if not team:
                continue
            stages = self.env["crm.stage"].search(team._pilot_stage_domain(), order="sequence, id")
            open_stages = stages.filtered(lambda stage: not stage.is_won)
            won = stages.filtered("is_won")[:1]
            for stage, probability in zip(open_stages, STAGE_PROBABILITIES, strict=False):
                stage.pilot_probability = probability
            for shared_xmlid, target in SHARED_TO_RECOMMENDED.items():
                shared = self._pilot_demo_ref(shared_xmlid)
                new_stage = won if target == "won" else open_stages[target : target + 1]
                if not shared or not new_stage:
                    continue
                self.env.cr.execute(
                    """UPDATE crm_lead SET stage_id = %s
                        WHERE team_id = %s AND stage_id = %s RETURNING id""",
                    (new_stage.id, team.id, shared.id),
                )
                moved_ids += [row[0] for row in self.env.cr.fetchall()]
            self.invalidate_model(["stage_id"])
        # A move is a stay in the new stage: the history of every moved lead,
        # opportunities and leads alike (the demo history rewrites only the
        # opportunities' own).
        self.browse(moved_ids)._pilot_record_stage_history()

    @api.model
    def _pilot_demo_history(self):
        """Six months of history for the demo teams: closed deals (won, and
        lost with a reason), the stage history of every opportunity of these
        teams with dated moves, weekly pipeline snapshots for the last twelve
        weeks, monthly targets and the weekly reviews of the last twelve
        weeks. Run once: a second run (module update)
        leaves everything as it is."""
        if self._pilot_demo_ref("crm_pipeline_pilot.lead_pilot_history_1_1"):
            return
        now = self._pilot_demo_now()
        teams = self._pilot_demo_teams()
        closed_dates = self._pilot_demo_closed_deals(teams, now)
        leads = self.with_context(active_test=False).search(
            [("team_id", "in", teams.ids), ("type", "=", "opportunity")], order="id"
        )
        self._pilot_demo_stage_history(leads, closed_dates, now)
        self._pilot_demo_agreements(leads)
        self._pilot_demo_close_dates(leads.filtered("active"), now)
        self._pilot_demo_follow_ups(leads.filtered("active"), now)
        self.env["crm.pipeline.snapshot"]._pilot_demo_snapshots(teams, now, SNAPSHOT_WEEKS)
        self.env["crm.pipeline.target"]._pilot_demo_targets(teams, now, HISTORY_MONTHS)
        self.env["crm.stage.exit.criterion.stat"]._pilot_refresh()
        self.env["crm.pipeline.review"]._pilot_demo_reviews(teams, now, SNAPSHOT_WEEKS)

    @api.model
    def _pilot_demo_closed_deals(self, teams, now):
        """Create the closed deals of each team; returns {lead id: date closed}."""
        Lead = self.sudo().with_context(
            pilot_skip_exit_criteria=TRUSTED, tracking_disable=True, mail_create_nolog=True
        )
        partners = [p for p in map(self._pilot_demo_ref, PARTNERS) if p]
        reasons = [r for r in map(self._pilot_demo_ref, LOST_REASONS) if r]
        salespeople = [
            u for u in map(self._pilot_demo_ref, ("base.user_admin", "base.user_demo")) if u
        ]
        demo_team = self._pilot_demo_ref("sales_team.crm_team_1")
        admin = self._pilot_demo_ref("base.user_admin")
        closed_dates, xmlids = {}, []
        for team_index, team in enumerate(teams, start=1):
            # The demo salesperson works in one team only (so that their
            # pipeline shows that team's stages); the other teams' deals are
            # their leader's, or the administrator's.
            if team == demo_team:
                people = salespeople[1:] or salespeople
            else:
                people = [team.user_id or admin] if (team.user_id or admin) else salespeople
            stages = self.env["crm.stage"].search(team._pilot_stage_domain(), order="sequence, id")
            open_stages = stages.filtered(lambda stage: not stage.is_won)
            won_stage = stages.filtered("is_won")[:1]
            for index, (name, revenue, cost, days_ago, _cycle, won, last) in enumerate(
                CLOSED_DEALS, start=1
            ):
                position = team_index + index
                stage = won_stage if won else open_stages[min(last, len(open_stages) - 1)]
                partner = partners[position % len(partners)] if partners else None
                lead = Lead.create(
                    {
                        # Named after its customer, not its team (a team's
                        # name is English in the deal's name whatever the
                        # reader's language).
                        "name": f"{name} - {partner.name}" if partner else name,
                        "type": "opportunity",
                        "team_id": team.id,
                        "user_id": people[position % len(people)].id if people else False,
                        "partner_id": partner.id if partner else False,
                        "expected_revenue": revenue * (1 + team_index / 10),
                        "estimated_cost": cost * (1 + team_index / 10),
                        "stage_id": stage.id,
                    }
                )
                if not won:
                    lead.write(
                        {
                            "lost_reason_id": reasons[position % len(reasons)].id,
                            "active": False,
                            "probability": 0,
                        }
                    )
                closed_dates[lead.id] = now - timedelta(days=days_ago)
                xmlids.append(
                    {
                        "xml_id": f"crm_pipeline_pilot.lead_pilot_history_{team_index}_{index}",
                        "record": lead,
                        "noupdate": True,
                    }
                )
        self.env["ir.model.data"]._update_xmlids(xmlids)
        criteria_team = self._pilot_demo_ref(CRITERIA_TEAM)
        if criteria_team in teams:
            closed_dates.update(self._pilot_demo_criteria_deals(criteria_team, now))
        return closed_dates

    @api.model
    def _pilot_demo_agreements(self, leads):
        """The deals of ``leads`` that went through Negotiation (the last
        open stage of their team) met its manual criterion, the decision
        maker's agreement: every won deal, and those lost in Negotiation."""
        by_criterion = {}
        for lead in leads:
            stages = self.env["crm.stage"].search(
                lead.team_id._pilot_stage_domain(), order="sequence, id"
            )
            negotiation = stages.filtered(lambda stage: not stage.is_won)[-1:]
            if lead.stage_id.is_won or (not lead.active and lead.stage_id == negotiation):
                for criterion in negotiation.exit_criterion_ids:
                    if criterion.criterion_type == "manual":
                        by_criterion.setdefault(criterion, self.browse())
                        by_criterion[criterion] |= lead
        for criterion, deals in by_criterion.items():
            deals.sudo().with_context(
                pilot_skip_exit_criteria=TRUSTED, tracking_disable=True
            ).write({"confirmed_criterion_ids": [(4, criterion.id)]})

    @api.model
    def _pilot_demo_criteria_deals(self, team, now):
        """The closed deals of CRITERIA_DEALS in ``team``, with the manual
        criteria "Need identified" (first stage) and "Decision maker
        identified" (second stage) ticked as listed; {lead id: date closed}."""
        Lead = self.sudo().with_context(
            pilot_skip_exit_criteria=TRUSTED, tracking_disable=True, mail_create_nolog=True
        )
        stages = self.env["crm.stage"].search(team._pilot_stage_domain(), order="sequence, id")
        open_stages = stages.filtered(lambda stage: not stage.is_won)
        won_stage = stages.filtered("is_won")[:1]
        if len(open_stages) < 2 or not won_stage:
            return {}

        def manual(stage):
            return stage.exit_criterion_ids.filtered(lambda c: c.criterion_type == "manual")[:1]

        need, decision = manual(open_stages[0]), manual(open_stages[1])
        partners = [p for p in map(self._pilot_demo_ref, PARTNERS) if p]
        reasons = [r for r in map(self._pilot_demo_ref, LOST_REASONS) if r]
        closed_dates, xmlids = {}, []
        for index, deal in enumerate(CRITERIA_DEALS, start=1):
            name, revenue, cost, days_ago, _cycle, won, last, need_met, decision_met = deal
            confirmed = (need if need_met else need.browse()) | (
                decision if decision_met else decision.browse()
            )
            partner = partners[index % len(partners)] if partners else None
            lead = Lead.create(
                {
                    "name": f"{name} - {partner.name}" if partner else name,
                    "type": "opportunity",
                    "team_id": team.id,
                    "user_id": team.user_id.id,
                    "partner_id": partner.id if partner else False,
                    "expected_revenue": revenue,
                    "estimated_cost": cost,
                    "stage_id": (won_stage if won else open_stages[last]).id,
                    "confirmed_criterion_ids": [(6, 0, confirmed.ids)],
                }
            )
            if not won:
                lead.write(
                    {
                        "lost_reason_id": reasons[index % len(reasons)].id if reasons else False,
                        "active": False,
                        "probability": 0,
                    }
                )
            closed_dates[lead.id] = now - timedelta(days=days_ago)
            xmlids.append(
                {
                    "xml_id": f"crm_pipeline_pilot.lead_pilot_criteria_history_{index}",
                    "record": lead,
                    "noupdate": True,
                }
            )
        self.env["ir.model.data"]._update_xmlids(xmlids)
        return closed_dates
