# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json
from contextlib import contextmanager

from odoo.tests import TransactionCase
from odoo.tools.translate import PoFileReader, TranslationModuleReader

from odoo.addons.mail.tests.common import mail_new_test_user

MODULE = "crm_pipeline_pilot"
SALESPERSON = "sales_team.group_sale_salesman"
SALES_MANAGER = "sales_team.group_sale_manager"


def new_pilot_user(env, login, groups=SALESPERSON, **values):
    """A user of the tests (a salesperson unless ``groups`` says otherwise),
    whose password is its login (see PilotRpcMixin._login); ``values``: its
    name, email, language..."""
    return mail_new_test_user(env, login=login, groups=groups, **values)


def load_french(env, modules=(MODULE,)):
    """Activate French and load the French terms of ``modules`` (overwriting
    those already loaded)."""
    env["res.lang"]._activate_lang("fr_FR")
    env["ir.module.module"]._load_module_terms(list(modules), ["fr_FR"], overwrite=True)


def untranslated_terms(cr, module, po_path):
    """(terms, missing): every translatable term of ``module`` as exported
    from the running code and data, and those of them without a French
    translation in the file ``po_path``."""
    with open(po_path, "rb") as po_file:
        french = {entry["src"]: entry["value"] for entry in PoFileReader(po_file) if entry["value"]}
    terms = {
        source
        for term_module, _type, _name, _res_id, source, *_rest in TranslationModuleReader(
            cr, [module]
        )
        if term_module == module
    }
    return terms, sorted(term for term in terms if term not in french)


class PilotCommon(TransactionCase):
    """Users, a sales team and opportunities shared by the add-on's tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        cls.company = cls.env.company
        cls.salesman = new_pilot_user(
            cls.env, "pilot_salesman", name="Sam Salesman", email="sam@example.com"
        )
        cls.manager = new_pilot_user(
            cls.env,
            "pilot_manager",
            name="Mia Manager",
            email="mia@example.com",
            groups=SALES_MANAGER,
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Pilot Team",
                "user_id": cls.manager.id,
                "member_ids": [(6, 0, [cls.salesman.id])],
                "pilot_min_margin_rate": 30.0,
            }
        )
        cls.stage_new = cls.env["crm.stage"].create({"name": "Pilot New", "sequence": 1})
        cls.reason = cls.env["crm.lost.reason"].create({"name": "Too expensive (pilot)"})
        cls.reason_note = cls.env["crm.lost.reason"].create(
            {"name": "Competitor (pilot)", "require_feedback": True}
        )

    @contextmanager
    def assertRaisesMessage(self, exception, text):
        """assertRaises (which rolls back to a savepoint, so that we can check
        that nothing changed) that also checks the error message."""
        with self.assertRaises(exception) as catcher:
            yield catcher
        self.assertIn(text, str(catcher.exception))

    @classmethod
    def _opportunity(cls, name, **values):
        vals = {
            "name": name,
            "type": "opportunity",
            "user_id": cls.salesman.id,
            "team_id": cls.team.id,
            "stage_id": cls.stage_new.id,
        }
        vals.update(values)
        return cls.env["crm.lead"].create(vals)


class PilotRpcMixin:
    """For HttpCase tests: JSON-RPC calls as the web client (or an external
    script) makes them, as the user of the current session."""

    def _call_kw(self, model, method, args, kwargs=None):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        }
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def _login(self, user):
        """Open a session of the web client as ``user`` (see new_pilot_user)."""
        self.authenticate(user.login, user.login)

    def _ok(self, method, args, kwargs=None, model="crm.lead"):
        """Call ``method``, which must succeed: its result."""
        response = self._call_kw(model, method, args, kwargs)
        self.assertNotIn("error", response, response.get("error"))
        return response.get("result")

    def _refused(self, method, args, kwargs=None, model="crm.lead", error="UserError"):
        """Call ``method``, which must be refused with ``error``: its message."""
        response = self._call_kw(model, method, args, kwargs)
        self.assertIn("error", response, f"{method} must be refused")
        self.assertEqual(response["error"]["data"]["name"], f"odoo.exceptions.{error}")
        return response["error"]["data"]["message"]

    def _error(self, response):
        """The error of a response that must be one (name, message...)."""
        self.assertIn("error", response)
        return response["error"]["data"]

    def _error_name(self, response):
        """The name of the exception of a response that must be an error."""
        return self._error(response)["name"]

    def _automation_on_rename(self, name, prefix, action_name, stage):
        """An automation rule (run as superuser, with the caller's context)
        whose action ``action_name`` moves the opportunities whose name starts
        with ``prefix`` to ``stage`` when they are renamed."""
        Model = self.env["ir.model"]
        return self.env["base.automation"].create(
            {
                "name": name,
                "model_id": Model._get_id("crm.lead"),
                "trigger": "on_write",
                "trigger_field_ids": [
                    (6, 0, [self.env["ir.model.fields"]._get("crm.lead", "name").id])
                ],
                "filter_domain": f"[('name', '=like', '{prefix}%')]",
                "action_server_ids": [
                    (
                        0,
                        0,
                        {
                            "name": action_name,
                            "model_id": Model._get_id("crm.lead"),
                            "state": "code",
                            "code": f"records.write({{'stage_id': {stage.id}}})",
                        },
                    )
                ],
            }
        )


class PilotQueryCountMixin:
    """Query counts of the tests that measure them."""

    def _count(self, func):
        """Queries of ``func``, its writes flushed, from a cold record cache."""
        self.env.invalidate_all()
        self.env.flush_all()
        self.env.cr.flush()
        count0 = self.env.cr.sql_log_count
        func()
        self.env.flush_all()
        self.env.cr.flush()
        return self.env.cr.sql_log_count - count0
