# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Figures the application maintains, tried over JSON-RPC as a salesperson
and as a sales manager: every stored computed field without an inverse and
every field declared ``pilot_maintained`` of the add-on (found by
enumerating the registry) is refused on write, create, copy, ``load`` and
as a context default, each refusal paired with the same call without it,
which succeeds. A refusal is an AccessError (the application's message, or
no access to the model at all): never a value silently kept."""

import math
from datetime import date

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import SALES_MANAGER, PilotRpcMixin, new_pilot_user

# Models whose records a salesperson or a sales manager may write or create:
# how the tests create one (values over RPC) and a field they may write.
# A model added with maintained fields and such access must be listed here
# (test_every_model_is_covered).
WRITABLE_MODELS = {
    "crm.lead": "name",
    "crm.forecast.submission": "comment",
    "crm.pipeline.review": "date",
    "crm.pipeline.target": "revenue_target",
    "mail.activity": "summary",
    "calendar.event": "name",
}


def maintained_fields(env):
    """{model: [field]} of the fields the application maintains."""
    found = {}
    for model_name in sorted(env.registry):
        Model = env[model_name]
        if Model._abstract or not Model._auto:
            continue
        names = [Model._fields[fname] for fname in Model._pilot_maintained_fields()]
        if names:
            found[model_name] = names
    return found


@tagged("post_install", "-at_install")
class TestMaintainedFieldsOverRpc(PilotRpcMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_pilot_user(
            cls.env, "pilot_values_salesman", name="Vera Values", email="vera@example.com"
        )
        cls.manager = new_pilot_user(
            cls.env,
            "pilot_values_manager",
            name="Max Values",
            email="max@example.com",
            groups=SALES_MANAGER,
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Values Team",
                "user_id": cls.manager.id,
                "member_ids": [(6, 0, [cls.salesman.id])],
            }
        )
        cls.maintained = maintained_fields(cls.env)
        # The opportunity of the activities (follow-up markers)
        cls.activity_lead = cls.env["crm.lead"].create(
            {"name": "Values activities", "user_id": cls.salesman.id, "team_id": cls.team.id}
        )

    def _create_vals(self, model, user):
        today = fields.Date.today()
        return {
            "crm.lead": {"name": "Values deal", "type": "lead", "user_id": user.id},
            "crm.forecast.submission": {"user_id": user.id, "team_id": self.team.id},
            "crm.pipeline.review": {"date": str(today), "team_ids": [(6, 0, self.team.ids)]},
            "crm.pipeline.target": {
                "team_id": self.team.id,
                "month": str(today.replace(day=1, year=today.year + 1)),
            },
            "calendar.event": {
                "name": "Values meeting",
                "start": "2030-01-07 09:00:00",
                "stop": "2030-01-07 10:00:00",
                "user_id": user.id,
                "opportunity_id": self.activity_lead.id,
            },
            "mail.activity": {
                "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "res_id": self.activity_lead.id,
                "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                "user_id": user.id,
                "summary": "Values activity",
            },
        }[model]

    def _fixture(self, model, user):
        """A record ``user`` may write (created as them when they may)."""
        if model == "crm.pipeline.target":
            return self.env[model].create(self._create_vals(model, user))
        if model == "crm.forecast.submission":
            self.env[model].search([("user_id", "=", user.id)]).unlink()
            return self.env[model].create(self._create_vals(model, user))
        if model == "crm.pipeline.review":
            return self.env[model].with_user(user).create(self._create_vals(model, user)).sudo()
        return self.env[model].create(self._create_vals(model, user))

    def _value(self, field, user):
        """(RPC value, load column, load text) of a forged value of ``field``."""
        if field.type == "many2one":
            record = self.env[field.comodel_name].search([], limit=1, order="id desc")
            return record.id, f"{field.name}/.id", str(record.id)
        if field.type == "many2many":
            record = self.env[field.comodel_name].search([], limit=1, order="id desc")
            return [(6, 0, record.ids)], f"{field.name}/.id", str(record.id)
        values = {
            "boolean": (True, "1"),
            "integer": (7, "7"),
            "float": (7.5, "7.5"),
            "monetary": (7.5, "7.5"),
            "char": ("forged", "forged"),
            "text": ("forged", "forged"),
            "html": ("<p>forged</p>", "<p>forged</p>"),
            "date": ("2020-01-06", "2020-01-06"),
            "datetime": ("2020-01-06 10:00:00", "2020-01-06 10:00:00"),
            "binary": ("Zm9yZ2Vk", "Zm9yZ2Vk"),
        }
        if field.type == "selection":
            key = field.get_values(self.env)[0]
            return key, field.name, key
        self.assertIn(field.type, values, f"{field}: no forged value for its type")
        value, text = values[field.type]
        return value, field.name, text

    def _refused_access(self, model, method, args, kwargs=None):
        response = self._call_kw(model, method, args, kwargs)
        self.assertIn("error", response, f"{model}.{method} must be refused")
        self.assertEqual(response["error"]["data"]["name"], "odoo.exceptions.AccessError")

    def _may_write(self, model, user):
        Model = self.env[model].with_user(user)
        return Model.has_access("write") or Model.has_access("create")

    def test_every_model_is_covered(self):
        self.assertIn("crm.lead", self.maintained)
        self.assertIn("crm.pipeline.review", self.maintained)
        names = {f"{model}.{f.name}" for model, fs in self.maintained.items() for f in fs}
        for expected in (
            "crm.lead.qualification_score",
            "crm.lead.is_low_margin",
            "crm.lead.estimated_margin",
            "crm.lead.date_last_interaction",
            "crm.pipeline.review.on_target_count",
            "crm.pipeline.review.xlsx_file",
            "crm.forecast.submission.won_amount",
        ):
            self.assertIn(expected, names)
        for model in self.maintained:
            for user in (self.salesman, self.manager):
                if self._may_write(model, user):
                    self.assertIn(model, WRITABLE_MODELS, f"{model}: give it a fixture")

    def test_maintained_fields_refused_on_every_path(self):
        for model, fields_ in self.maintained.items():
            for user in (self.salesman, self.manager):
                self.authenticate(user.login, user.login)
                if model not in WRITABLE_MODELS or not self._may_write(model, user):
                    # No access to the model: every path refused by its ACL.
                    record = self.env[model].search([], limit=1)
                    for field in fields_:
                        value, _column, _text = self._value(field, user)
                        with self.subTest(model=model, user=user.login, field=field.name):
                            if record:
                                self._refused_access(
                                    model, "write", [record.ids, {field.name: value}]
                                )
                            self._refused_access(model, "create", [{field.name: value}])
                    continue
                with self.subTest(model=model, user=user.login):
                    self._check_model(model, user, fields_)

    def _check_model(self, model, user, fields_):
        record = self._fixture(model, user)
        allowed = WRITABLE_MODELS[model]
        for field in fields_:
            value, column, text = self._value(field, user)
            with self.subTest(field=field.name):
                # The allowed calls: a write and an import of a field they
                # may type (which may update the figures)
                current = record.read([allowed])[0][allowed]
                current = current[0] if isinstance(current, tuple) else current
                if isinstance(current, date):
                    current = fields.Date.to_string(current)
                self.assertTrue(self._ok("write", [record.ids, {allowed: current}], model=model))
                result = self._ok(
                    "load", [[".id", allowed], [[str(record.id), str(current)]]], model=model
                )
                self.assertEqual(result["ids"], record.ids, result["messages"])
                record.invalidate_recordset()
                before = record.read([field.name])[0][field.name]
                # The same calls with the maintained field, and copy, create
                # and a context default: all refused, nothing changes.
                self._refused_access(model, "write", [record.ids, {field.name: value}])
                self._refused_access(model, "copy", [record.ids], {"default": {field.name: value}})
                result = self._ok("load", [[".id", column], [[str(record.id), text]]], model=model)
                self.assertFalse(result["ids"], result)
                self.assertIn("error", [message["type"] for message in result["messages"]])
                vals = self._create_vals(model, user)
                self._refused_access(model, "create", [{**vals, field.name: value}])
                self._refused_access(
                    model, "create", [vals], {"context": {f"default_{field.name}": value}}
                )
                record.invalidate_recordset()
                self.assertEqual(record.read([field.name])[0][field.name], before)
        # The same create without the maintained fields succeeds (one
        # review or submission per week: the fixture makes way).
        record.sudo().unlink()
        new_id = self._ok("create", [self._create_vals(model, user)], model=model)
        self.assertTrue(new_id)

    def test_numbers_and_domains_over_rpc(self):
        """As a sales manager with only an RPC client: huge, negative, NaN,
        infinite and wrongly typed numbers, and domains that run code."""
        self.authenticate(self.manager.login, self.manager.login)
        # A rule of the manager's company (the shared defaults are the
        # administrators')
        rule = self.env["crm.next.action.rule"].create(
            {
                "name": "RPC rule",
                "condition": "no_activity",
                "summary": "Plan a call",
                "activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
                "company_id": self.manager.company_id.id,
            }
        )
        for value in (10**6, -1, 2**63, "many", [1], math.inf):
            with self.subTest(value=value):
                response = self._call_kw(
                    "crm.next.action.rule", "write", [rule.ids, {"deadline_days": value}]
                )
                self.assertIn("error", response)
        self.assertTrue(
            self._ok("write", [rule.ids, {"deadline_days": 3}], model="crm.next.action.rule")
        )
        stage = self.env["crm.stage"].search([], limit=1)
        for domain in ("[x for x in range(10**8)]", '[("id", "in", list(range(10**8)))]'):
            response = self._call_kw(
                "crm.stage.exit.criterion",
                "create",
                [
                    {
                        "name": "RPC domain",
                        "stage_id": stage.id,
                        "criterion_type": "domain",
                        "domain": domain,
                    }
                ],
            )
            self.assertEqual(response["error"]["data"]["name"], "odoo.exceptions.ValidationError")
        self.assertTrue(
            self._ok(
                "create",
                [
                    {
                        "name": "RPC domain",
                        "stage_id": stage.id,
                        "criterion_type": "domain",
                        "domain": '[("expected_revenue", ">", 1000)]',
                    }
                ],
                model="crm.stage.exit.criterion",
            )
        )
