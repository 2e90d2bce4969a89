# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The stages of a team working with its own stages only: kanban columns and
the first stage of its new opportunities."""

from collections import Counter

from odoo import api, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        """Kanban columns: Odoo shows the stages of the team in context and the
        shared ones; a team working with its own stages only shows its own
        (plus any stage that holds a card: what is there is always shown)."""
        team_id = self.env.context.get("default_team_id")
        own_team = self.env.user.sale_team_id
        leads = self
        if not team_id and (own_team.pilot_own_stages_only or own_team.pilot_stage_team_id):
            # "My Pipeline" has no team in its context: the user's own team,
            # when it works with its own stages only or another team's.
            team_id = own_team.id
            leads = self.with_context(default_team_id=team_id)
        result = super(CrmLead, leads)._read_group_stage_ids(stages, domain)
        if not isinstance(team_id, int) or not team_id:
            return result
        team_domain = self.env["crm.team"].browse(team_id).exists()._pilot_stage_domain()
        # The stages of the team's pipeline, another team's ones included.
        pipeline = stages.sudo()._search(
            ["|", ("id", "in", (result | stages).ids), *team_domain], order=stages._order
        )
        result = stages.browse(pipeline)
        shown = set(result.sudo().filtered_domain(team_domain).ids) | set(stages.ids)
        return result.filtered(lambda stage: stage.id in shown)

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        """Grouped by stage (the kanban's columns), never two groups with one
        name: the board of a manager of several teams shows each team's
        homonymous stages ("Won") with their team ("Won (North)")."""
        result = super().read_group(
            domain, fields, groupby, offset=offset, limit=limit, orderby=orderby, lazy=lazy
        )
        first = [groupby] if isinstance(groupby, str) else list(groupby or [])[:1]
        if first != ["stage_id"]:
            return result
        labels = [group.get("stage_id") for group in result]
        names = Counter(label[1] for label in labels if label)
        homonyms = [label[0] for label in labels if label and names[label[1]] > 1]
        if homonyms:
            stages = self.env["crm.stage"].browse(homonyms).with_context(pilot_stage_with_team=True)
            named = {stage.id: stage.display_name for stage in stages}
            for group in result:
                label = group.get("stage_id")
                if label and label[0] in named:
                    group["stage_id"] = (label[0], named[label[0]])
        return result

    def _stage_find(self, team_id=False, domain=None, order="sequence, id", limit=1):
        """The first stage of the leads' team: for a team working with its own
        stages only, among its own stages."""
        teams = self.env["crm.team"].browse(team_id or []) | self.team_id
        team_domain = teams._pilot_stage_domain()
        if not teams or team_domain[0] == "|":
            return super()._stage_find(team_id=team_id, domain=domain, order=order, limit=limit)
        stages = self.env["crm.stage"].search(
            team_domain + list(domain or []), order=order, limit=limit
        )
        return stages or super()._stage_find(
            team_id=team_id, domain=domain, order=order, limit=limit
        )
