# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The stage gate holds for changes made around it: an opportunity moves
only among the stages of its team's pipeline (a stage outside it would be
ranked "before" the one it leaves, a move the gate lets pass), and a change
of stages (a stage turned into a won stage, a new order of the stages) never
turns their opportunities into won or forward ones without the exit criteria
they would need to get there by a move."""

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..crm_lead import bounded_lines, format_record_names
from .base import INT_MAX


class CrmLead(models.Model):
    _inherit = "crm.lead"

    def _merge_opportunity(self, user_id=False, team_id=False, auto_unlink=True, max_length=5):
        # Odoo keeps the merged stage only when it is the team's own or shared
        # by every team, else takes the first shared stage: outside the
        # pipeline of a team working with another team's stages (or with
        # stages shared by several teams). The merged opportunity keeps a
        # stage of its team's pipeline instead (see _pilot_merge_stage).
        return super(CrmLead, self.with_context(pilot_merge_stage=True))._merge_opportunity(
            user_id=user_id, team_id=team_id, auto_unlink=auto_unlink, max_length=max_length
        )

    def _pilot_merge_stage(self, vals):
        """The values a merge writes on its head opportunity, with a stage of
        its team's pipeline: the head's own when it is one, else the first of
        the pipeline."""
        if len(self) != 1 or not vals.get("stage_id"):
            return vals
        team = self.env["crm.team"].browse(vals["team_id"]) if "team_id" in vals else self.team_id
        stage = self.env["crm.stage"].browse(vals["stage_id"])
        if not team or stage._pilot_in_pipeline_of(team):
            return vals
        if self.stage_id and self.stage_id._pilot_in_pipeline_of(team):
            return dict(vals, stage_id=self.stage_id.id)
        first = self.env["crm.stage"].search(
            team._pilot_stage_domain(), order="sequence, id", limit=1
        )
        return dict(vals, stage_id=first.id) if first else vals

    def _pilot_write_vals(self, vals, state):
        if self.env.context.get("pilot_merge_stage"):
            vals = self._pilot_merge_stage(vals)
        vals = super()._pilot_write_vals(vals, state)
        if self._pilot_exit_criteria_skipped():
            return vals
        if vals.get("stage_id"):
            stage = self.env["crm.stage"].browse(vals["stage_id"])
            self.filtered(lambda lead: lead.stage_id != stage)._pilot_check_in_pipeline(
                stage, vals, leaving=True
            )
        elif vals.get("type") == "opportunity":
            # A lead becoming an opportunity enters the pipeline in its stage.
            leads = self.filtered(lambda lead: lead.type != "opportunity")
            for stage in leads.stage_id:
                in_stage = leads.filtered(lambda lead, stage=stage: lead.stage_id == stage)
                in_stage._pilot_check_in_pipeline(stage, vals)
        return vals

    def _pilot_after_create(self, vals_list):
        result = super()._pilot_after_create(vals_list)
        if not self._pilot_exit_criteria_skipped():
            for stage in self.stage_id:
                leads = self.filtered(lambda lead, stage=stage: lead.stage_id == stage)
                leads._pilot_check_in_pipeline(stage)
        return result

    def _pilot_check_in_pipeline(self, stage, vals=None, leaving=False):
        """Refuse to put the opportunities of self in ``stage`` when it is not
        in the pipeline of their sales team (given in ``vals``, or theirs): a
        team working with its own stages only, or with another team's, does
        not work with the stages shared by all teams nor with other teams'.
        ``leaving``: a stage move, refused for the opportunities that leave a
        stage of that pipeline (one already outside it, after a change of
        team, moves as the gate ranks it)."""
        vals = vals or {}
        Team = self.env["crm.team"]
        outside = self.browse()
        in_pipeline = {}

        def is_in(stage, team):
            if (stage, team) not in in_pipeline:
                in_pipeline[stage, team] = stage._pilot_in_pipeline_of(team)
            return in_pipeline[stage, team]

        for lead in self:
            if vals.get("type", lead.type) != "opportunity":
                continue
            team = Team.browse(vals["team_id"]) if "team_id" in vals else lead.team_id
            if not team or is_in(stage, team):
                continue
            if leaving and lead.stage_id and not is_in(lead.stage_id, team):
                continue
            outside |= lead
        if outside:
            team = Team.browse(vals["team_id"]) if "team_id" in vals else outside[0].team_id
            raise UserError(
                self.env._(
                    'The stage "%(stage)s" is not in the pipeline of the sales team %(team)s: '
                    "its opportunities move among the stages of their pipeline only "
                    "(%(leads)s).",
                    stage=stage.sudo().display_name,
                    team=team.sudo().display_name,
                    leads=format_record_names(outside),
                )
            )


class CrmStage(models.Model):
    _inherit = "crm.stage"

    def _pilot_in_pipeline_of(self, team):
        """Whether the stage self is one of the stages of ``team``'s pipeline."""
        self.ensure_one()
        stage = self.sudo()
        if "team_ids" in stage._fields and team in stage.team_ids:
            return True
        return bool(stage.filtered_domain(team._pilot_stage_domain()))

    def _pilot_check_team_readable(self, vals_list):
        """A stage goes into the pipeline of a sales team its author may
        read and change: not into another company's, nor into a team without
        a company holding deals of companies its author does not work in
        (whose deals it would gate, or win when put first)."""
        team_ids = {vals["team_id"] for vals in vals_list if vals.get("team_id")}
        if team_ids and not self.env.su:
            teams = self.env["crm.team"].browse(team_ids)
            teams.check_access("read")
            # nor into a team without a company holding other companies' deals
            teams._pilot_check_pipeline_settings_access()

    @api.model_create_multi
    def create(self, vals_list):
        self._pilot_check_team_readable(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._pilot_check_team_readable([vals])
        Lead = self.env["crm.lead"]
        if not Lead._pilot_exit_criteria_skipped() and vals.keys() & {"is_won", "sequence"}:
            # Who may not change the stages learns nothing of their deals.
            self.check_access("write")
            if vals.get("is_won"):
                self._pilot_check_criteria_of_deals_to_win()
            if "sequence" in vals:
                self._pilot_check_new_order(vals["sequence"])
        return super().write(vals)

    def _pilot_open_deals(self, stage_ids):
        """The open opportunities (all users') in the stages ``stage_ids``."""
        return (
            self.env["crm.lead"]
            .sudo()
            .with_context(active_test=True)
            .search([("stage_id", "in", list(stage_ids)), ("type", "=", "opportunity")], order="id")
        )

    def _pilot_check_criteria_of_deals_to_win(self):
        """Turning stages into won stages makes their open opportunities won:
        refused while one of them misses an exit criterion of its stage, as
        the move to a won stage would be."""
        Criterion = self.env["crm.stage.exit.criterion"].sudo()
        with_criteria = Criterion._pilot_ids_by_stage().keys()
        stages = self.filtered(lambda stage: not stage.is_won and stage.id in with_criteria)
        deals = self._pilot_open_deals(stages.ids)
        if not deals:
            return
        missing = deals._pilot_missing_exit_criteria({deal: [deal.stage_id.id] for deal in deals})
        if missing:
            raise UserError(
                self.env._(
                    "These stages cannot become won stages: their opportunities would be won "
                    "without the exit criteria of their stage. Meet the criteria or move them "
                    "to another stage first: %(leads)s.",
                    leads=format_record_names(
                        self.env["crm.lead"].browse([deal.id for deal in missing])
                    ),
                )
            )

    def _pilot_check_new_order(self, sequence):
        """A new order of the stages must not put open opportunities after a
        stage whose exit criteria they never met (they would then be "past"
        it for the gate): the stages whose criteria an opportunity of the
        pipeline would skip are checked as a move would check them."""
        if (
            not isinstance(sequence, int)
            or isinstance(sequence, bool)
            or not -INT_MAX <= sequence <= INT_MAX
        ):
            return  # refused as a value the column cannot hold
        Criterion = self.env["crm.stage.exit.criterion"].sudo()
        with_criteria = set(Criterion._pilot_ids_by_stage())
        moved = {stage.id for stage in self if stage.sequence != sequence}
        if not with_criteria or not moved:
            return
        ranks = self._pilot_ranks()
        self.flush_model(["sequence", "name"])
        self.env.cr.execute(SQL("SELECT id, sequence, name->>'en_US' FROM crm_stage"))
        rows = [
            (
                sequence if stage_id in moved else (2**31 if seq is None else seq),
                name or "",
                stage_id,
            )
            for stage_id, seq, name in self.env.cr.fetchall()
        ]
        new_rank = {row[2]: rank for rank, row in enumerate(sorted(rows))}
        holding = {
            stage_id
            for stage_id, (_rank, is_won, _teams) in ranks.items()
            if not is_won and stage_id in new_rank
        }
        # (stage of the deals, stage whose criteria they now follow)
        skipped = [
            (stage_id, criteria_stage_id)
            for stage_id in holding
            for criteria_stage_id in with_criteria
            if criteria_stage_id in ranks
            and criteria_stage_id != stage_id
            and (stage_id in moved or criteria_stage_id in moved)
            and not ranks[criteria_stage_id][1]
            and ranks[criteria_stage_id][0] > ranks[stage_id][0]
            and new_rank[criteria_stage_id] < new_rank[stage_id]
        ]
        if not skipped:
            return
        deals = self._pilot_open_deals({stage_id for stage_id, _c in skipped})
        stages_by_deal = {}
        for deal in deals:
            team_id = deal.team_id.id
            needed = [
                criteria_stage_id
                for stage_id, criteria_stage_id in skipped
                if stage_id == deal.stage_id.id
                and (not ranks[criteria_stage_id][2] or team_id in ranks[criteria_stage_id][2])
            ]
            if needed:
                stages_by_deal[deal] = needed
        missing = deals._pilot_missing_exit_criteria(stages_by_deal) if stages_by_deal else {}
        if missing:
            lines = [
                self.env._(
                    "- %(lead)s: %(criteria)s",
                    lead=deal.display_name,
                    criteria=", ".join(criteria.mapped("name")),
                )
                for deal, criteria in missing.items()
            ]
            raise UserError(
                self.env._(
                    "This order of the stages would put opportunities after stages whose "
                    "exit criteria they have not met. Meet the criteria or move them first:\n"
                    "%(lines)s",
                    lines="\n".join(bounded_lines(self.env, lines)),
                )
            )
