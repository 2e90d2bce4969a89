# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Rules that hold by construction, checked on the registry rather than on a
list kept by hand: a model or a method added later is covered the day it
lands (multi-company and access rules of every model of the add-on, access
checked first by every public method that works as superuser)."""

import inspect
import re
import textwrap

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

from .common import MODULE, new_pilot_user

PACKAGE = f"odoo.addons.{MODULE}."
# Fields through which a record holds the data of a company.
COMPANY_PATHS = {"company_id": "res.company", "team_id": "crm.team", "lead_id": "crm.lead"}
PRIVATE_CALL_RE = re.compile(r"\.(_\w+)\(")
# The ORM's own methods, with the arguments of a harmless call.
ORM_ARGUMENTS = {"create": ({},), "write": ({},), "copy": (), "unlink": ()}
# Public methods that only read for the caller: what they store as superuser
# is a cache of figures the caller may read (the weekly values of a trend).
READ_ACTIONS = {("crm.pipeline.review.line", "action_open_trend")}
# Models whose records users change only through the document they belong to:
# the write access checked is the document's (a suggestion read in the
# exchanges is decided by whoever may write its opportunity).
WRITTEN_THROUGH = {"crm.lead.evidence": "crm.lead"}


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


def private_functions_by_name(env):
    """{name: [functions]} of the private methods the add-on defines on any
    model: a call ``records._name(...)`` may reach any of them (another
    model's helper included)."""
    functions = {}
    for model_name in env.registry:
        for klass in type(env[model_name]).__mro__:
            if klass.__module__.startswith(PACKAGE):
                for name, value in vars(klass).items():
                    if name.startswith("_") and callable(value):
                        functions.setdefault(name, []).append(value)
    return functions


def uses_sudo(model_class, name, private, seen=None):
    """Whether the add-on's code of method ``name`` calls ``sudo()``, itself
    or through the private methods it calls (of its model or of another one:
    any private method of the add-on with that name)."""
    seen = set() if seen is None else seen
    if name in seen:
        return False
    seen.add(name)
    functions = addon_functions(model_class, name) or private.get(name, [])
    for function in functions:
        if not callable(function) and not isinstance(function, (classmethod, staticmethod)):
            continue
        source = function_source(function)
        if "sudo(" in source:
            return True
        if any(
            uses_sudo(model_class, callee, private, seen)
            for callee in PRIVATE_CALL_RE.findall(source)
        ):
            return True
    return False


def public_methods_using_sudo(env):
    """[(model, method)] of every public method (callable over RPC) whose
    add-on code runs as superuser."""
    found = []
    private = private_functions_by_name(env)
    for model_name in sorted(env.registry):
        model_class = type(env[model_name])
        names = {
            name
            for klass in model_class.__mro__
            if klass.__module__.startswith(PACKAGE)
            for name, value in vars(klass).items()
            if not name.startswith("_") and callable(value)
        }
        found += [
            (model_name, name) for name in sorted(names) if uses_sudo(model_class, name, private)
        ]
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
        # Through another model's helper (the weekly values of the trend)
        self.assertIn(("crm.pipeline.review.line", "action_open_trend"), found)
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

    def test_public_methods_using_sudo_refuse_readers(self):
        """The same methods (but the ORM's own and the read actions), called
        by a salesperson who reads the records but may not write them (a
        global rule forbids writing, creating and deleting any record of the
        model): each is refused."""
        found = [
            (model_name, method)
            for model_name, method in public_methods_using_sudo(self.env)
            if method not in ORM_ARGUMENTS and (model_name, method) not in READ_ACTIONS
        ]
        self.assertIn(("crm.forecast.submission", "action_refresh_amounts"), found)
        reader = new_pilot_user(
            self.env,
            "pilot_trust_reader",
            groups="sales_team.group_sale_salesman_all_leads",
            name="Rita Reader",
        )
        records = self._records(reader)
        not_refused = []
        for model_name, method in found:
            function = getattr(type(self.env[model_name]), method)
            if getattr(function, "_api", None) == "model":
                target = self.env[model_name].with_user(reader)
            else:
                record = records.get(model_name) or self.env[model_name].sudo().search([], limit=1)
                self.assertTrue(record, f"no record of {model_name} to call {method} on")
                target = record.with_user(reader).sudo(False)
            no_write = self.env["ir.rule"].create(
                {
                    "name": f"Trust test: no write on {model_name}",
                    "model_id": self.env["ir.model"]._get_id(
                        WRITTEN_THROUGH.get(model_name, model_name)
                    ),
                    "domain_force": "[(0, '=', 1)]",
                    "perm_read": False,
                }
            )
            refused = False
            try:
                with self.cr.savepoint():
                    getattr(target, method)()
            except AccessError:
                refused = True
            finally:
                no_write.unlink()
            if not refused:
                not_refused.append(f"{model_name}.{method}")
        self.assertEqual(not_refused, [], "public methods running as superuser for readers")

    def _records(self, owner=None):
        """A record of the models whose records the database may not have."""
        env = self.env
        team = env["crm.team"].create({"name": "Trust registry team"})
        stage = env["crm.stage"].create({"name": "Trust registry stage", "sequence": 900})
        lead = env["crm.lead"].create(
            {"name": "Trust registry deal", "type": "opportunity", "team_id": team.id}
        )
        owner = owner or env.user
        lead.user_id = owner
        submission = env["crm.forecast.submission"].create(
            {"team_id": team.id, "user_id": owner.id}
        )
        review = env["crm.pipeline.review"].create(
            {"date": fields.Date.context_today(lead), "team_ids": [(6, 0, team.ids)]}
        )
        records = {
            "crm.pipeline.review": review,
            "crm.pipeline.review.line": review.line_ids[:1],
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
            # A suggestion read in a customer's email (as the analysis does)
            "crm.lead.evidence": env["crm.lead.evidence"]
            .sudo()
            .create(
                {
                    "lead_id": lead.id,
                    "message_id": lead.message_post(
                        body="Our budget is 40 k€", message_type="comment"
                    ).id,
                    "kind": "budget",
                    "quote": "Our budget is 40 k€",
                    "amount": 40000.0,
                }
            ),
        }
        return records
