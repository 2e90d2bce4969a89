# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The figures of a sales team shared by several companies.

A sales team without a company may hold opportunities of several companies.
The figures of the whole team (weekly reviews, their KPI lines, the weekly
KPI values of the trends) count all of them, read as superuser: they are
computed and read only by users who work in every company of the team's
opportunities (the companies active in their session), and only such users
set the team's targets. The others are refused with a translated error (or
do not see the stored figures), as for the records of another company. The
reviews of a salesperson's own opportunities are computed with their own
visibility and are left out."""

from odoo import api, fields, models
from odoo.exceptions import AccessError

from .base import is_pilot_field


class CrmTeam(models.Model):
    _inherit = "crm.team"

    pilot_figures_restricted = fields.Boolean(
        string="Figures of Other Companies",
        compute="_compute_pilot_figures_restricted",
        search="_search_pilot_figures_restricted",
        help="A team without a company holding opportunities of companies you do not "
        "work in: its figures are computed, read and its targets set only by users "
        "of all those companies.",
    )

    @api.model
    def _pilot_restricted_team_ids(self):
        """Ids of the teams without a company holding opportunities (archived
        and lost included: the figures count them) of companies not active for
        the current user."""
        rows = (
            self.env["crm.lead"]
            .sudo()
            .with_context(active_test=False)
            ._read_group(
                [
                    ("team_id.company_id", "=", False),
                    ("company_id", "!=", False),
                    ("company_id", "not in", self.env.companies.ids),
                ],
                ["team_id"],
            )
        )
        return [team.id for [team] in rows]

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_pilot_figures_restricted(self):
        restricted = set(self._pilot_restricted_team_ids())
        for team in self:
            team.pilot_figures_restricted = team.id in restricted

    def _search_pilot_figures_restricted(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        restricted = self._pilot_restricted_team_ids()
        return [("id", "in" if (operator == "=") == value else "not in", restricted)]

    def _pilot_check_figures_access(self):
        """Refuse the figures of the teams of ``self`` shared with companies
        the current user does not work in (see the module's doc); code
        running as superuser (the scheduled actions) computes them all."""
        if self.env.su:
            return
        restricted = self.browse(self._pilot_restricted_team_ids()) & self
        if restricted:
            raise AccessError(
                self.env._(
                    "The sales team %(team)s belongs to no company and holds opportunities "
                    "of companies you do not work in: only users of all these companies "
                    "compute its figures and set its targets. Give the team a company to "
                    "review it in each company's figures.",
                    team=restricted[0].display_name,
                )
            )

    def write(self, vals):
        # The add-on's settings of a team without a company rule the
        # opportunities of every company in it: as its targets, changed only
        # by users of all those companies (who may write the teams first).
        if not self.env.su:
            self.check_access("write")
        if any(fname in self._fields and is_pilot_field(self._fields[fname]) for fname in vals):
            self._pilot_check_pipeline_settings_access()
        return super().write(vals)

    def _pilot_check_pipeline_settings_access(self):
        """Refuse to change the pipeline of the teams of self (their settings,
        the stages put in them) to a user who does not work in every company
        whose opportunities a team without a company holds."""
        if self.env.su:
            return
        restricted = self.browse(self._pilot_restricted_team_ids()) & self
        if restricted:
            raise AccessError(
                self.env._(
                    "The sales team %(team)s belongs to no company and holds opportunities "
                    "of companies you do not work in: only users of all these companies "
                    "change its pipeline settings.",
                    team=restricted[0].display_name,
                )
            )


class CrmPipelineReview(models.Model):
    _inherit = "crm.pipeline.review"

    def _compute_lines(self):
        # The whole teams' figures are read as superuser: by users of every
        # company of their opportunities only.
        whole_teams = self.filtered(lambda review: not review.scope_user_id)
        whole_teams.team_ids._pilot_check_figures_access()
        return super()._compute_lines()


class CrmPipelineTarget(models.Model):
    _inherit = "crm.pipeline.target"

    @api.model_create_multi
    def create(self, vals_list):
        teams = self.env["crm.team"].browse(
            {vals["team_id"] for vals in vals_list if isinstance(vals.get("team_id"), int)}
        )
        teams._pilot_check_figures_access()
        return super().create(vals_list)

    def write(self, vals):
        teams = self._pilot_target_teams(vals)
        teams._pilot_check_figures_access()
        return super().write(vals)

    def unlink(self):
        self.team_id._pilot_check_figures_access()
        return super().unlink()

    def _pilot_target_teams(self, vals):
        """The teams of the targets, and the team they move to."""
        teams = self.sudo().team_id
        if isinstance(vals.get("team_id"), int):
            teams |= self.env["crm.team"].sudo().browse(vals["team_id"])
        return teams.with_env(self.env)


class CrmStageExitCriterion(models.Model):
    _inherit = "crm.stage.exit.criterion"

    @api.model_create_multi
    def create(self, vals_list):
        stages = self.env["crm.stage"].browse(
            {vals["stage_id"] for vals in vals_list if isinstance(vals.get("stage_id"), int)}
        )
        self._pilot_check_shared_stages(stages)
        return super().create(vals_list)

    def write(self, vals):
        stages = self.sudo().stage_id
        if isinstance(vals.get("stage_id"), int):
            stages |= self.env["crm.stage"].sudo().browse(vals["stage_id"])
        self._pilot_check_shared_stages(stages)
        return super().write(vals)

    def unlink(self):
        self._pilot_check_shared_stages(self.sudo().stage_id)
        return super().unlink()

    @api.model
    def _pilot_check_shared_stages(self, stages):
        """The criteria of a stage shared by every team (no team) gate the
        opportunities of every company in it: changed only by users of every
        company of those opportunities."""
        if self.env.su:
            return
        stage = stages._pilot_shared_stage_of_other_companies()
        if stage:
            raise AccessError(
                self.env._(
                    "The stage %(stage)s is shared by every sales team and holds opportunities "
                    "of companies you do not work in: only users of all these companies change "
                    "its exit criteria.",
                    stage=stage.name,
                )
            )


class CrmStage(models.Model):
    _inherit = "crm.stage"

    # Odoo's settings of a stage that decide whether its opportunities are won
    # or past a gate: ruled as the add-on's own on a stage shared by every team.
    _pilot_shared_core_settings = ("is_won", "sequence")

    def write(self, vals):
        if not self.env.su and any(
            fname in self._pilot_shared_core_settings
            or (fname in self._fields and is_pilot_field(self._fields[fname]))
            for fname in vals
        ):
            self.check_access("write")
            stage = self._pilot_shared_stage_of_other_companies()
            if stage:
                raise AccessError(
                    self.env._(
                        "The stage %(stage)s is shared by every sales team and holds "
                        "opportunities of companies you do not work in: only users of all "
                        "these companies change its settings.",
                        stage=stage.name,
                    )
                )
        return super().write(vals)

    def _pilot_shared_stage_of_other_companies(self):
        """The first stage of self shared by every team (no team) holding
        opportunities of a company not active for the current user, or an
        empty recordset."""
        shared = self.sudo().filtered(lambda stage: not stage.team_id)
        if not shared:
            return self.browse()
        rows = (
            self.env["crm.lead"]
            .sudo()
            .with_context(active_test=False)
            ._read_group(
                [
                    ("stage_id", "in", shared.ids),
                    ("company_id", "!=", False),
                    ("company_id", "not in", self.env.companies.ids),
                ],
                ["stage_id"],
                limit=1,
            )
        )
        return rows[0][0] if rows else self.browse()
