# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The preparation of the benchmark (benchmark/run.py): the pipeline
generated once into a template database, its copies for plain Odoo and for
the add-on, the add-on's configuration on them and the opportunities the
measures work on."""

import time

import generate
from budgets import INACTIVE_DAYS, MASS_CHANGE, MODULE, RECENT_DAYS
from measures import (
    Result,
    _copy,
    _drop,
    _odoo_bin,
    _out,
    _psql_command,
    _release,
    _user_context,
    _vacuum,
)

import odoo
from odoo.modules.registry import Registry
from odoo.tools import SQL


class BenchmarkPreparation:
    """The preparation of a Benchmark (mixed into it)."""

    def _generate(self, database, open_count, closed_count, messages, activities):
        registry = Registry(database)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            info = generate.generate(
                env, open_count, closed_count, messages, activities, teams=self.size.get("teams")
            )
        _release(database)
        return info

    def prepare(self):
        args, names = self.args, self.names
        for key, name in names.items():
            if not (key == "base" and self.base):
                _drop(args, name)
        if not self.base:
            _out(f"* {names['base']}: installing crm (no demo data)")
            _psql_command(args, "createdb", names["base"])
            _odoo_bin(args, names["base"], "-i", "crm", "--without-demo=all")
        _copy(args, names["base"], names["template"])
        started = time.perf_counter()
        self.facts["main"] = self._generate(
            names["template"],
            self.size["open"],
            self.size["closed"],
            self.size["messages"],
            True,
        )
        _out(
            f"* {names['template']}: {self.facts['main']['leads']:,} opportunities "
            f"({self.size['open']:,} open) generated in {time.perf_counter() - started:.0f} s"
        )
        _copy(args, names["template"], names["plain"])
        _copy(args, names["template"], names["addon"])
        _out("* installing: -u crm (plain) and -i crm_pipeline_pilot (add-on)")
        plain = _odoo_bin(args, names["plain"], "-u", "crm")
        addon = _odoo_bin(args, names["addon"], "-i", MODULE)
        self.results["install"] = (Result(plain), Result(addon))
        _vacuum(args, names["plain"])
        _vacuum(args, names["addon"])
        if not args.keep:
            _drop(args, names["template"])

    # -- what the measures work on -----------------------------------------

    def _prepare_addon(self, registry):
        """Configure what the add-on's capabilities need, when it has them:
        exit criteria on the first stage, last interactions for follow-ups."""
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            first, _second = self._stages(env)
            if "crm.stage.exit.criterion" in env:
                revenue = env["ir.model.fields"]._get("crm.lead", "expected_revenue")
                env["crm.stage.exit.criterion"].create(
                    [
                        {
                            "name": "Expected revenue set",
                            "stage_id": first.id,
                            "criterion_type": "field",
                            "field_id": revenue.id,
                        },
                        {
                            "name": "Revenue above zero",
                            "stage_id": first.id,
                            "criterion_type": "domain",
                            "domain": "[('expected_revenue', '>', 0)]",
                        },
                    ]
                )
                self.facts["criteria"] = 2
            if "date_last_interaction" in env["crm.lead"]._fields:
                # Open opportunities whose id is a multiple of 5 are inactive
                # (past the last follow-up step); the others had an
                # interaction more recently than the first step's delay.
                cr.execute(
                    SQL(
                        """
                        UPDATE crm_lead
                           SET date_last_interaction = (now() at time zone 'UTC')
                               - make_interval(days => CASE WHEN mod(id, 5) = 0
                                                            THEN %(days)s + 1 + mod(id, 30)
                                                            ELSE mod(id, %(recent)s) END,
                                               hours => 1)
                         WHERE active AND probability < 100
                        """,
                        days=INACTIVE_DAYS,
                        recent=RECENT_DAYS,
                    )
                )
                cr.execute(
                    "UPDATE crm_lead SET date_last_interaction = write_date WHERE NOT active"
                )
                cr.execute("ANALYZE crm_lead")
            if "crm.forecast.backtest" in env:
                self.facts["backtest_rows"] = generate.backtest_history(env)

    def _stages(self, env):
        stages = env["crm.stage"].search([("is_won", "=", False)], order="sequence, id", limit=2)
        return stages[0], stages[1]

    def _pick(self, registry, login):
        """Same records in both databases: a salesperson's open opportunity
        and 1,000 open opportunities in the first stage."""
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            first, second = self._stages(env)
            uid, _context = _user_context(env, login)
            lead = env["crm.lead"].search(
                [("user_id", "=", uid), ("stage_id", "=", first.id), ("type", "=", "opportunity")],
                order="id",
                limit=1,
            )
            mass = env["crm.lead"].search(
                [("stage_id", "=", first.id), ("type", "=", "opportunity")],
                order="id",
                limit=MASS_CHANGE,
            )
            return lead.id, mass.ids, second.id

    def _overdue(self, registry, lead_id):
        """Give the opportunity of ``lead_id`` an expected closing date three
        days ago (the same in both databases, by SQL): the close-date line
        pushes it to today, a push that stays in the current month (no slip
        reason needed). Returns today's date."""
        with registry.cursor() as cr:
            cr.execute(
                "UPDATE crm_lead SET date_deadline = CURRENT_DATE - 3 WHERE id = %s", (lead_id,)
            )
            cr.execute("SELECT CURRENT_DATE")
            return cr.fetchone()[0]
