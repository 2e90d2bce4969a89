# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Rules and settings skipped because of a bad value, shown to managers.

A value stored out of its declared bounds (before the bounds existed, or in
SQL) never breaks a view: the rule, stage, target or setting holding it is
skipped (see base.py). Here the skipped records say so: a computed problem
on each record that declares bounded fields (shown as a warning in its list
and form), and a notice on the sales team and in the settings naming the
records skipped. The bounded fields are read from the declarations of the
fields, so that a field added later is covered the day it lands."""

import math

from odoo import api, fields, models
from odoo.osv import expression

from .base import field_bounds, format_bound, value_in_bounds

# Records named in a notice, at most (the rest is counted)
NOTICE_LIMIT = 5


def _format_value(env, value):
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return format_bound(env, value or 0)


class CrmPipelineRuleHealthMixin(models.AbstractModel):
    _name = "crm.pipeline.rule.health.mixin"
    _description = "Bounded Values of a Rule or Setting"

    pilot_problem = fields.Text(
        string="Problem",
        compute="_compute_pilot_problem",
        help="Values out of their bounds (stored before the bounds existed, or in SQL): "
        "what holds them is skipped until a sales manager fixes them.",
    )

    @api.model
    def _pilot_bounded_fields(self):
        """The fields of the model whose typed values have bounds."""
        return [
            field
            for field in self._fields.values()
            if field_bounds(field) and field.store and not field.compute
        ]

    @api.depends(lambda self: [field.name for field in self._pilot_bounded_fields()])
    @api.depends_context("lang")
    def _compute_pilot_problem(self):
        bounded = self._pilot_bounded_fields()
        for record in self:
            lines = []
            for field in bounded:
                value = record[field.name]
                low, high = field_bounds(field)
                if not value_in_bounds(value, (low, high)):
                    lines.append(
                        self.env._(
                            '"%(field)s" is %(value)s, outside %(low)s to %(high)s: '
                            "skipped until it is fixed.",
                            field=field._description_string(self.env),
                            value=_format_value(self.env, value),
                            low=format_bound(self.env, low),
                            high=format_bound(self.env, high),
                        )
                    )
            record.pilot_problem = "\n".join(lines) or False

    @api.model
    def _pilot_problem_domain(self):
        """A domain of the records that may have a problem (their values
        are then checked one by one)."""
        domains = []
        for field in self._pilot_bounded_fields():
            low, high = field_bounds(field)
            if field.type != "integer":
                # (the tolerance of value_in_bounds)
                low, high = low - 1e-6 * max(abs(low), 1), high + 1e-6 * max(abs(high), 1)
            domains.append([(field.name, "<", low)])
            # NaN and the infinities are above every number in PostgreSQL
            domains.append([(field.name, ">", high)])
            if not value_in_bounds(0, (low, high)):
                domains.append([(field.name, "=", False)])
        return expression.OR(domains) if domains else expression.FALSE_DOMAIN

    @api.model
    def _pilot_problem_records(self, domain=()):
        """The records of ``domain`` the current user reads whose values are
        out of bounds."""
        candidates = self.search(expression.AND([list(domain), self._pilot_problem_domain()]))
        return candidates.filtered("pilot_problem")


def health_models(env):
    """Names of the models whose records report their bounded values."""
    return [
        name
        for name in sorted(env.registry)
        if name != CrmPipelineRuleHealthMixin._name
        and not env[name]._abstract
        and callable(getattr(env[name], "_pilot_problem_records", None))
    ]


def problem_notice(env, records_by_model):
    """The notice naming the records skipped (``{model: records}``), or
    False when none is."""
    names = []
    for model_name, records in records_by_model.items():
        label = env["ir.model"]._get(model_name).name
        names += [
            env._("%(model)s “%(name)s”", model=label, name=record.display_name)
            for record in records
        ]
    if not names:
        return False
    shown = ", ".join(names[:NOTICE_LIMIT])
    if len(names) > NOTICE_LIMIT:
        shown = env._("%(names)s and %(count)s more", names=shown, count=len(names) - NOTICE_LIMIT)
    if len(names) == 1:
        return env._("1 rule is skipped until a sales manager fixes it: %(names)s.", names=shown)
    return env._(
        "%(count)s rules are skipped until a sales manager fixes them: %(names)s.",
        count=len(names),
        names=shown,
    )


class CrmNextActionRule(models.Model):
    _name = "crm.next.action.rule"
    _inherit = ["crm.next.action.rule", "crm.pipeline.rule.health.mixin"]


class CrmQualificationRule(models.Model):
    _name = "crm.qualification.rule"
    _inherit = ["crm.qualification.rule", "crm.pipeline.rule.health.mixin"]


class CrmStageExitCriterion(models.Model):
    _name = "crm.stage.exit.criterion"
    _inherit = ["crm.stage.exit.criterion", "crm.pipeline.rule.health.mixin"]


class CrmStage(models.Model):
    _name = "crm.stage"
    _inherit = ["crm.stage", "crm.pipeline.rule.health.mixin"]


class CrmPipelineTarget(models.Model):
    _name = "crm.pipeline.target"
    _inherit = ["crm.pipeline.target", "crm.pipeline.rule.health.mixin"]


class CrmPipelineKpi(models.Model):
    _name = "crm.pipeline.kpi"
    _inherit = ["crm.pipeline.kpi", "crm.pipeline.rule.health.mixin"]


class CrmSlipReason(models.Model):
    _name = "crm.slip.reason"
    _inherit = ["crm.slip.reason", "crm.pipeline.rule.health.mixin"]


class CrmWonReason(models.Model):
    _name = "crm.won.reason"
    _inherit = ["crm.won.reason", "crm.pipeline.rule.health.mixin"]


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = ["res.company", "crm.pipeline.rule.health.mixin"]


class CrmTeam(models.Model):
    _name = "crm.team"
    _inherit = ["crm.team", "crm.pipeline.rule.health.mixin"]

    pilot_problem_notice = fields.Text(
        string="Skipped Rules",
        compute="_compute_pilot_problem_notice",
        help="The rules, stages and targets of the team skipped because of a value out "
        "of its bounds.",
    )

    @api.depends_context("uid", "lang", "allowed_company_ids")
    def _compute_pilot_problem_notice(self):
        for team in self:
            found = {}
            for model_name in health_models(self.env):
                Model = self.env[model_name]
                if model_name == self._name:
                    domain = [("id", "=", team.id)]
                elif model_name == "crm.stage":
                    domain = [("pilot_pipeline_team_id", "=", team.id)]
                elif "team_id" in Model._fields:
                    domain = [("team_id", "=", team.id)]
                else:
                    continue
                records = Model._pilot_problem_records(domain) if team.id else Model.browse()
                if records:
                    found[model_name] = records
            team.pilot_problem_notice = problem_notice(self.env, found)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    pilot_problem_notice = fields.Text(
        string="Skipped Rules",
        compute="_compute_pilot_problem_notice",
        help="The rules, stages, targets and settings of the companies you work in "
        "skipped because of a value out of its bounds.",
    )

    @api.depends_context("uid", "lang", "allowed_company_ids")
    def _compute_pilot_problem_notice(self):
        found = {}
        for model_name in health_models(self.env):
            Model = self.env[model_name]
            domain = [("id", "in", self.env.companies.ids)] if model_name == "res.company" else []
            records = Model._pilot_problem_records(domain)
            if records:
                found[model_name] = records
        notice = problem_notice(self.env, found)
        for settings in self:
            settings.pilot_problem_notice = notice
