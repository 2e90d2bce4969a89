# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The sales margins bridge in the benchmark (``--sale``): the kanban and one
stage move with crm_pipeline_pilot and its bridge crm_pipeline_pilot_sale
installed, against plain Odoo CRM with Odoo's sale_margin (and sale_crm) on
the same data, in the same run: ratios, not seconds.

The pipeline generated on plain CRM (benchmark/generate.py) gets the sales
apps, then quotations with costs:
the salesperson's first opportunities of the first stage (the one the stage
move moves among them) and others, a third of them drafts, a third sent and a
third confirmed, so that the bridge's figures are computed from documents.
Measured like the main run's lines 1 and 2, with the same budgets.
"""

import time

from budgets import (
    KANBAN_EXTRA_QUERIES,
    KANBAN_RUNS,
    KANBAN_TIME_RATIO,
    MODULE,
    MOVE_EXTRA_QUERIES,
    SIZES,
)
from measures import Result, _copy, _odoo_bin, _out, _psql_command, _release, _vacuum

import odoo
from odoo.modules.registry import Registry

BRIDGE = "crm_pipeline_pilot_sale"
# Plain Odoo's side: CRM with the sales margins
PLAIN_MODULES = "sale_crm,sale_margin"
# Opportunities given a quotation: the salesperson's first ones, then others
QUOTED_OWN = 40
QUOTED_OTHERS = 260


def add_quotations(env, login):
    """Quotations of one line with a cost on open opportunities (see the
    module's doc); returns their number."""
    Lead = env["crm.lead"]
    first = env["crm.stage"].search([("is_won", "=", False)], order="sequence, id", limit=1)
    user = env["res.users"].search([("login", "=", login)])
    open_domain = [("type", "=", "opportunity"), ("stage_id", "=", first.id)]
    leads = Lead.search([*open_domain, ("user_id", "=", user.id)], order="id", limit=QUOTED_OWN)
    leads |= Lead.search(
        [*open_domain, ("id", "not in", leads.ids), ("partner_id", "!=", False)],
        order="id",
        limit=QUOTED_OTHERS,
    )
    product = env["product.product"].create(
        {"name": "Benchmark service", "type": "service", "list_price": 100.0}
    )
    partner = env["res.partner"].create({"name": "Benchmark customer"})
    orders = env["sale.order"].create(
        [
            {
                "partner_id": (lead.partner_id or partner).id,
                "opportunity_id": lead.id,
                "user_id": lead.user_id.id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "product_uom_qty": 1.0 + index % 7,
                            "price_unit": 1000.0,
                            "purchase_price": 550.0 + 50 * (index % 7),
                            "tax_id": [(5, 0, 0)],
                        },
                    )
                ],
            }
            for index, lead in enumerate(leads)
        ]
    )
    sent = orders.filtered(lambda order: order.id % 3 != 0)
    sent.action_quotation_sent()
    sent.filtered(lambda order: order.id % 3 == 2).action_confirm()
    env.flush_all()
    env.cr.execute("ANALYZE")
    return len(orders)


def sale_benchmark(mod):
    """The Benchmark class of ``mod`` (benchmark/run.py) for the bridge."""

    class SaleBenchmark(mod.Benchmark):
        def __init__(self, args):
            super().__init__(args, size=SIZES["small"], prefix=f"{args.prefix}sale_")
            self.main_measures = ("kanban", "move")
            self.addon_measures = False
            self.measure_uncompacted = False

        def prepare(self):
            args, names = self.args, self.names
            for name in names.values():
                mod._drop(args, name)
            # The pipeline is generated on plain CRM (the generator writes CRM's
            # tables in SQL), then the sales apps are installed on it, as on a
            # customer's database that adds them.
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
            _out(f"* {names['template']}: installing {PLAIN_MODULES}")
            _odoo_bin(args, names["template"], "-i", PLAIN_MODULES, "--without-demo=all")
            registry = Registry(names["template"])
            with registry.cursor() as cr:
                env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
                self.facts["quotations"] = add_quotations(env, self.facts["main"]["salesperson"])
            _release(names["template"])
            _out(
                f"* {names['template']}: {self.facts['main']['leads']:,} opportunities, "
                f"{self.facts['quotations']} quotations, generated in "
                f"{time.perf_counter() - started:.0f} s"
            )
            _copy(args, names["template"], names["plain"])
            _copy(args, names["template"], names["addon"])
            _out(f"* installing: -i {MODULE} (its bridge {BRIDGE} installs itself)")
            addon = _odoo_bin(args, names["addon"], "-i", MODULE)
            self.results["install"] = (None, Result(addon))
            registry = Registry(names["addon"])
            with registry.cursor() as cr:
                cr.execute("SELECT state FROM ir_module_module WHERE name = %s", (BRIDGE,))
                state = cr.fetchone()
                if not state or state[0] != "installed":
                    raise RuntimeError(f"{BRIDGE} was not installed with {MODULE}")
                cr.execute("SELECT COUNT(*) FROM crm_lead WHERE quoted_margin_known")
                self.facts["quoted_known"] = cr.fetchone()[0]
            _release(names["addon"])
            _vacuum(args, names["plain"])
            _vacuum(args, names["addon"])
            if not args.keep:
                mod._drop(args, names["template"])
                mod._drop(args, names["base"])

        def measure_pivot(self):
            """Not part of this run."""

        def report(self):
            reps = self.args.reps
            _out()
            _out(
                f"crm_pipeline_pilot with {BRIDGE} against plain Odoo CRM with sale_margin, "
                f"{self.facts['main']['leads']:,} opportunities ({self.size['open']:,} open), "
                f"{self.facts['quotations']} quotations ({self.facts['quoted_known']} deals with "
                f"a known quoted margin), median of {reps * KANBAN_RUNS} runs (kanban) and "
                f"{reps * 3} runs (stage move)"
            )
            missed = []
            rows = (
                ("kanban", "1. Kanban open (salesperson)", KANBAN_EXTRA_QUERIES),
                ("move", "2. Stage move, 1 opportunity (web_save)", MOVE_EXTRA_QUERIES),
            )
            _out(
                f"{'Measure':44} {'plain + sale_margin':>22} {'add-on + bridge':>22} "
                f"{'ratio':>7}  budget"
            )
            for key, label, extra in rows:
                plain, addon = self.results[key]
                ratio = addon.seconds / plain.seconds
                budget_ratio = KANBAN_TIME_RATIO if key == "kanban" else None
                ok = addon.queries <= plain.queries + extra and (
                    budget_ratio is None or ratio <= budget_ratio
                )
                budget = (f"<= {budget_ratio}x, " if budget_ratio else "") + f"<= +{extra} q"
                _out(
                    f"{label:44} {plain.seconds * 1000:>10,.0f} ms / {plain.queries:>4} q "
                    f"{addon.seconds * 1000:>10,.0f} ms / {addon.queries:>4} q "
                    f"{ratio:>6.2f}x  {budget}: {'pass' if ok else 'MISS'}"
                )
                if not ok:
                    missed.append(label)
            return missed

    return SaleBenchmark


def run(args, mod):
    """``--sale``: prepare, measure, report; the exit status of the run."""
    bench = sale_benchmark(mod)(args)
    try:
        bench.prepare()
        bench.measure_main()
        missed = bench.report()
    finally:
        bench.cleanup()
    if missed and not args.no_fail:
        _out(f"{len(missed)} budget(s) missed.")
        return 1
    return 0
