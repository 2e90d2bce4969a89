# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Hostile searches and calls, found by enumerating the registry: every
searchable field of the add-on (on its models and on the models it extends)
with every operator Odoo accepts and values of the wrong kind, and every
public method the add-on introduces with arguments it does not take. The
answer is a result or a translated refusal (UserError and its kinds), never
a database error or a traceback. Over JSON-RPC as a salesperson (each field
and method), and through the ORM for the whole matrix of operators and
values; each refusal named in the issue is paired with the allowed call."""

import contextlib
import json

from odoo.exceptions import UserError
from odoo.models import LOG_ACCESS_COLUMNS, MAGIC_COLUMNS
from odoo.osv import expression
from odoo.tests import HttpCase, tagged

from ..models.trust.base import MODULE
from ..models.trust.rpc import addon_public_methods
from .common import SALES_MANAGER, PilotRpcMixin, load_french, new_pilot_user

HOSTILE_VALUES = ["not a value", 2**63, float("nan"), [1, "x"], None]
REFUSALS = {
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.AccessError",
    "odoo.exceptions.MissingError",
}
SKIPPED_NAMES = {*MAGIC_COLUMNS, *LOG_ACCESS_COLUMNS, "display_name"}


def searchable_fields(env, module=MODULE):
    """[(model, field)] of the searchable fields the add-on (or its bridge
    add-on ``module``) defines, on its models and on the models it extends,
    found in the registry."""
    found = []
    for model_name in sorted(env.registry):
        Model = env[model_name]
        if Model._abstract or Model._transient:
            continue
        for name, field in sorted(Model._fields.items()):
            if field._module != module or name in SKIPPED_NAMES:
                continue
            if field.store or field.search or (field.related and field.store is not False):
                found.append((model_name, field))
    return found


@tagged("post_install", "-at_install")
class TestHostileCallsOverRpc(PilotRpcMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_pilot_user(
            cls.env, "pilot_hostile_sam", name="Hal Hostile", email="hal@example.com"
        )
        cls.manager = new_pilot_user(
            cls.env,
            "pilot_hostile_mia",
            name="Mira Hostile",
            email="mira@example.com",
            groups=SALES_MANAGER,
        )
        cls.team = cls.env["crm.team"].create(
            {"name": "Hostile Team", "member_ids": [(6, 0, cls.salesman.ids)]}
        )

    def _search_kw(self, model, domain):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {"model": model, "method": "search_count", "args": [domain], "kwargs": {}},
        }
        # NaN is sent as JSON-RPC clients send it (Python's json writes NaN)
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/search_count",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def _assert_answer(self, response, what):
        if "error" in response:
            data = response["error"]["data"]
            self.assertIn(data["name"], REFUSALS, f"{what}: {data['name']}: {data['message']}")

    def test_every_searchable_field_every_operator(self):
        """The whole matrix through the ORM (as a sales manager, who reads
        every model), one operator and value per field over JSON-RPC (as a
        salesperson), every operator and value being sent over JSON-RPC for
        some field."""
        found = searchable_fields(self.env)
        names = {(model, field.name) for model, field in found}
        # Found by enumeration: the fields named in the issue among them
        for expected in (
            ("crm.lead", "close_date_push_alert"),
            ("crm.lead", "amount_reviewed_in_stage"),
            ("crm.lead", "qualification_score"),
            ("crm.stage", "pilot_pipeline_team_id"),
            ("crm.pipeline.review", "on_target_count"),
        ):
            self.assertIn(expected, names)
        self._check_hostile_searches(found)

    def _check_hostile_searches(self, found):
        """Every operator and hostile value on each of ``found`` ([(model,
        field)]) through the ORM, and each over JSON-RPC for some field."""
        operators = list(expression.TERM_OPERATORS)
        for model, field in found:
            Model = self.env[model].with_user(self.manager)
            for operator in operators:
                for value in HOSTILE_VALUES:
                    # A result or a refusal; any other error fails the test
                    with contextlib.suppress(UserError):
                        Model.search_count([(field.name, operator, value)])
        self._login(self.salesman)
        combinations = [(op, value) for op in operators for value in HOSTILE_VALUES]
        sent = set()
        for index, (model, field) in enumerate(found):
            operator, value = combinations[index % len(combinations)]
            sent.add((operator, repr(value)))
            response = self._search_kw(model, [(field.name, operator, value)])
            self._assert_answer(response, f"{model}.{field.name} {operator} {value!r}")
        self.assertEqual(len(sent), min(len(found), len(combinations)))

    def test_searches_named_in_the_issue(self):
        self._login(self.salesman)
        lead_text = [("qualification_score", "=", "three")]
        message = self._refused("search_count", [lead_text])
        self.assertEqual(
            message,
            'The search on "Qualification Score" (Lead/Opportunity) cannot be done with this '
            "operator or value: compare it with a value of its type (operators: =, !=, <=, <, "
            ">, >=, =?, =like, =ilike, like, not like, ilike, not ilike, in, not in, child_of, "
            "parent_of, any, not any).",
        )
        for domain in (
            [("close_date_push_alert", "in", ["x"])],
            [("close_date_push_alert", ">", 2**63)],
            [("amount_reviewed_in_stage", "like", [1, "x"])],
            [("amount_reviewed_in_stage", "child_of", "x")],
            [("stage_id.sequence", ">", 2**31)],
        ):
            self._refused("search_count", [domain])
        # Allowed: the same fields with values of their kind
        self.assertIsInstance(self._ok("search_count", [[("qualification_score", "=", 3)]]), int)
        self.assertIsInstance(
            self._ok("search_count", [[("close_date_push_alert", "=", True)]]), int
        )
        self.assertIsInstance(
            self._ok("search_count", [[("amount_reviewed_in_stage", "!=", False)]]), int
        )
        self.assertIsInstance(self._ok("search_count", [[("stage_id.sequence", ">", 5)]]), int)
        # In French
        load_french(self.env)
        message = self._refused("search_count", [lead_text], {"context": {"lang": "fr_FR"}})
        self.assertEqual(
            message,
            "La recherche sur « Score de qualification » (Lead/Opportunity) est impossible avec "
            "cet opérateur ou cette valeur : comparez-le à une valeur de son type (opérateurs : "
            "=, !=, <=, <, >, >=, =?, =like, =ilike, like, not like, ilike, not ilike, in, not in, "
            "child_of, parent_of, any, not any).",
        )

    def test_integers_of_the_extended_models(self):
        stage = self.env["crm.stage"].create({"name": "Hostile stage", "sequence": 3})
        self._login(self.manager)
        message = self._refused(
            "write",
            [stage.ids, {"sequence": 2**31}],
            model="crm.stage",
            error="ValidationError",
        )
        self.assertEqual(message, 'The value of "Sequence" (CRM Stages) is not a valid number.')
        self._refused(
            "create",
            [{"name": "Hostile too", "sequence": 2**31}],
            model="crm.stage",
            error="ValidationError",
        )
        # Allowed: a sequence the column holds
        self._ok("write", [stage.ids, {"sequence": 2**31 - 1}], model="crm.stage")
        self.assertEqual(stage.sequence, 2**31 - 1)

    def test_every_public_method_with_hostile_arguments(self):
        """Each public method the add-on introduces, called as a salesperson
        and as a sales manager on an id that does not exist, with an unknown
        keyword, and with an argument too many of each hostile kind."""
        methods = {}
        for model_name in sorted(self.env.registry):
            Model = self.env[model_name]
            if Model._abstract:
                continue
            names = addon_public_methods(type(Model))
            if names:
                methods[model_name] = names
        self.assertIn("action_apply_recommended_pipeline", methods["crm.stage"])
        self.assertIn("action_refresh", methods["crm.pipeline.review"])
        calls = 0
        for user in (self.salesman, self.manager):
            self._login(user)
            for model_name, names in methods.items():
                record = self.env[model_name].search([], limit=1, order="id desc")
                for name in names:
                    method = getattr(type(self.env[model_name]), name)
                    model_api = getattr(method, "_api", None)

                    def args_of(ids, *rest, model_api=model_api):
                        return list(rest) if model_api else [ids, *rest]

                    attempts = [
                        (args_of([2**31 - 1]), {}),
                        (args_of(record.ids), {"pilot_hostile": 1}),
                    ]
                    for value in HOSTILE_VALUES:
                        attempts.append((args_of(record.ids, value), {}))
                        attempts.append((args_of(record.ids, value, value), {}))
                    for args, kwargs in attempts:
                        response = self._call_kw(model_name, name, args, kwargs)
                        self._assert_answer(response, f"{user.login}: {model_name}.{name}")
                        calls += 1
        self.assertGreaterEqual(calls, 2 * 12 * 17)

    def test_recommended_pipeline_team_from_rpc(self):
        self._login(self.manager)
        for team_id in ("abc", [1, "x"], 1.5):
            message = self._refused(
                "action_apply_recommended_pipeline",
                [],
                {"team_id": team_id},
                model="crm.stage",
            )
            self.assertEqual(
                message, "The sales team of the recommended pipeline is given by its id."
            )
        message = self._refused("action_refresh", [[1], "extra"], model="crm.pipeline.review")
        self.assertEqual(message, "action_refresh of Weekly Review does not take these arguments.")
        # Allowed: the team by its id
        self.team.pilot_own_stages_only = True
        self._ok(
            "action_apply_recommended_pipeline", [], {"team_id": self.team.id}, model="crm.stage"
        )
        self.assertEqual(self.env["crm.stage"].search_count([("team_id", "=", self.team.id)]), 5)
