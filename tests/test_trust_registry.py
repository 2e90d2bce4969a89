# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Rules that hold by construction, checked on the registry rather than on a
list kept by hand: a model or a method added later is covered the day it
lands (multi-company and access rules of every model of the add-on, access
checked first by every public method that works as superuser)."""

import inspect
import re
import textwrap

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

from .common import MODULE, new_pilot_user

PACKAGE = f"odoo.addons.{MODULE}."
# Fields through which a record holds the data of a company.
COMPANY_PATHS = {"company_id": "res.company", "team_id": "crm.team", "lead_id": "crm.lead"}
PRIVATE_CALL_RE = re.compile(r"\.(_\w+)\(")
# Methods that any user may call: their own access checks are the ORM's
# (they read nothing as superuser before it).
ORM_ARGUMENTS = {"create": ({},), "write": ({},), "copy": (), "unlink": ()}


def addon_models(env):
    """The models the add-on defines (not those it extends)."""
    return sorted(
        name
        for name, model in env.registry.items()
        if model._original_module == MODULE and not model._abstract
    )


def addon_functions(model_class, name):
    """The functions named ``name`` that the add-on defines for a model."""
    return [
        klass.__dict__[name]
        for klass in model_class.__mro__
        if klass.__module__.startswith(PACKAGE) and name in klass.__dict__
    ]


def function_source(function):
    function = inspect.unwrap(getattr(function, "__func__", function))
    return textwrap.dedent(inspect.getsource(function))


def uses_sudo(model_class, name, seen=None):
    """Whether the add-on's code of method ``name`` calls ``sudo()``, itself
    or through the private methods of the model it calls."""
    seen = set() if seen is None else seen
    if name in seen:
        return False
    seen.add(name)
    for function in addon_functions(model_class, name):
        if not callable(function) and not isinstance(function, (classmethod, staticmethod)):
            continue
        source = function_source(function)
        if "sudo(" in source:
            return True
        if any(uses_sudo(model_class, callee, seen) for callee in PRIVATE_CALL_RE.findall(source)):
            return True
    return False


def public_methods_using_sudo(env):
    """[(model, method)] of every public method (callable over RPC) whose
    add-on code runs as superuser."""
    found = []
    for model_name in sorted(env.registry):
        model_class = type(env[model_name])
        names = {
            name
            for klass in model_class.__mro__
            if klass.__module__.startswith(PACKAGE)
            for name, value in vars(klass).items()
            if not name.startswith("_") and callable(value)
        }
        found += [(model_name, name) for name in sorted(names) if uses_sudo(model_class, name)]
    return found


@tagged("post_install", "-at_install")
class TestTrustByRegistry(TransactionCase):
    def test_every_model_has_access_rights_and_company_rules(self):
        """Each model of the add-on has access rights; each one that holds
        the data of a company (a company, a sales team or an opportunity) has
        a multi-company record rule for everybody. Transient models (dialogs)
        are per user: access rights only."""
        models = addon_models(self.env)
        self.assertGreater(len(models), 25)
        Access = self.env["ir.model.access"].sudo()
        Rule = self.env["ir.rule"].sudo()
        without_access, without_rule = [], []
        for name in models:
            Model = self.env[name]
            if not Access.search_count([("model_id.model", "=", name)]):
                without_access.append(name)
            holds_company_data = any(
                fname in Model._fields and Model._fields[fname].comodel_name == comodel
                for fname, comodel in COMPANY_PATHS.items()
            )
            if Model._transient or not holds_company_data:
                continue
            rules = Rule.search([("model_id.model", "=", name), ("global", "=", True)])
            if not any("company_ids" in rule.domain_force for rule in rules):
                without_rule.append(name)
        self.assertEqual(without_access, [], "models without access rights")
        self.assertEqual(without_rule, [], "models with company data without a company rule")

    def test_public_methods_using_sudo_check_access_first(self):
        """Every public method of the add-on that works as superuser (itself
        or through its private helpers) refuses a user who may not write the
        records (an employee outside sales), before it changes anything."""
        found = public_methods_using_sudo(self.env)
        self.assertIn(("crm.forecast.submission", "action_refresh_amounts"), found)
        self.assertIn(("crm.forecast.backtest", "action_run"), found)
        outsider = new_pilot_user(
            self.env, "pilot_trust_outsider", groups="base.group_user", name="Otto Outsider"
        )
        records = self._records()
        not_refused = []
        for model_name, method in found:
            function = getattr(type(self.env[model_name]), method)
            api_kind = getattr(function, "_api", None)
            Model = self.env[model_name].with_user(outsider)
            if method in ORM_ARGUMENTS:
                target = Model if api_kind in ("model", "model_create") else None
                args = ORM_ARGUMENTS[method]
            else:
                target = Model if api_kind == "model" else None
                args = ()
            if target is None:
                record = records.get(model_name) or self.env[model_name].sudo().search([], limit=1)
                self.assertTrue(record, f"no record of {model_name} to call {method} on")
                target = record.with_user(outsider).sudo(False)
            try:
                with self.cr.savepoint():
                    getattr(target, method)(*args)
            except AccessError:
                continue
            not_refused.append(f"{model_name}.{method}")
        self.assertEqual(not_refused, [], "public methods running as superuser without a check")

    def _records(self):
        """A record of the models whose records the database may not have."""
        env = self.env
        team = env["crm.team"].create({"name": "Trust registry team"})
        stage = env["crm.stage"].create({"name": "Trust registry stage", "sequence": 900})
        lead = env["crm.lead"].create(
            {"name": "Trust registry deal", "type": "opportunity", "team_id": team.id}
        )
        submission = env["crm.forecast.submission"].create(
            {"team_id": team.id, "user_id": env.user.id}
        )
        records = {
            "crm.lead": lead,
            "crm.team": team,
            "crm.stage": stage,
            "crm.forecast.submission": submission,
            "crm.forecast.backtest": env["crm.forecast.backtest"].search([], limit=1)
            or env["crm.forecast.backtest"].create({}),
            "crm.stage.exit.bypass": env["crm.stage.exit.bypass"].create(
                {"lead_ids": [(6, 0, lead.ids)], "stage_id": stage.id, "justification": "x"}
            ),
            "res.config.settings": env["res.config.settings"].create({}),
        }
        return records
