# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Lifecycle check of the sales margins bridge (crm_pipeline_pilot_sale) on a
database full of sales data, installed before the bridge was available.

1. ``sale_margin`` and ``crm_pipeline_pilot`` (no demo data), with an addons
   path WITHOUT the bridge; ``odoo-bin shell`` then creates opportunities
   with estimated costs and, for most of them, quotations sent, confirmed
   orders, cancelled ones and lines without a cost (a known layout).
2. ``-i crm_pipeline_pilot_sale`` with the bridge on the path: no error; its
   stored figures filled for every existing opportunity as the layout says
   (quoted, ordered, unknown, erosion); orders untouched.
3. ``-u crm_pipeline_pilot_sale``: no error, the same figures.
4. Uninstall (``button_immediate_uninstall``): no error, the bridge's columns
   and report view gone, the add-on (with the views of its reports, which read
   the bridge's columns while it was installed) and the orders still there,
   unchanged.

    python scripts/lifecycle_sale.py --odoo-bin ODOO_BIN --database DB --log-dir DIR
        --main-addons PATH --all-addons PATH [--deals N] -- ODOO_ARGS...
"""

import argparse
import os
import subprocess
import sys

import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lifecycle import Check, _out, odoo_run

BRIDGE = "crm_pipeline_pilot_sale"
BRIDGE_COLUMNS = (
    "quoted_amount",
    "quoted_margin",
    "quoted_margin_rate",
    "quoted_margin_known",
    "ordered_amount",
    "ordered_margin",
    "ordered_margin_rate",
    "ordered_margin_known",
    "margin_erosion",
    "margin_erosion_points",
    "margin_erosion_known",
    "quotation_margin_ok",
    "pilot_reference_order_id",
    "real_margin_source",
    "proposal_estimated_margin",
    "proposal_estimated_margin_rate",
    "proposal_margin_known",
)

# Deal i (revenue 10,000, cost 6,500: 35 %) gets, by i % 5: 0 nothing;
# 1 a quotation sent at 20 %; 2 a quotation sent with a line without cost;
# 3 an order confirmed at 30 % and a cancelled quotation; 4 a draft only.
FILL = """
env = env(context=dict(env.context, tracking_disable=True, mail_notrack=True))
product = env["product.product"].create({"name": "Lifecycle service", "type": "service"})
partner = env["res.partner"].create({"name": "Lifecycle customer"})
leads = env["crm.lead"].create([
    {"name": f"Lifecycle deal {i}", "type": "opportunity", "partner_id": partner.id,
     "expected_revenue": 10000.0, "estimated_cost": 6500.0}
    for i in range(%(deals)d)
])
def order(lead, lines):
    return env["sale.order"].create({
        "partner_id": partner.id, "opportunity_id": lead.id,
        "order_line": [(0, 0, {"product_id": product.id, "price_unit": price,
                               "purchase_price": cost, "tax_id": [(5, 0, 0)]})
                       for price, cost in lines],
    })
for i, lead in enumerate(leads):
    kind = i %% 5
    if kind == 1:
        order(lead, [(10000.0, 8000.0)]).action_quotation_sent()
    elif kind == 2:
        order(lead, [(6000.0, 3000.0), (4000.0, 0.0)]).action_quotation_sent()
    elif kind == 3:
        confirmed = order(lead, [(10000.0, 7000.0)])
        confirmed.action_quotation_sent()
        confirmed.action_confirm()
        order(lead, [(10000.0, 1000.0)])._action_cancel()
    elif kind == 4:
        order(lead, [(10000.0, 5000.0)])
env.cr.commit()
"""

UNINSTALL = f"""
env["ir.module.module"].search([("name", "=", "{BRIDGE}")]).button_immediate_uninstall()
env.cr.commit()
"""

# What the layout gives, per kind (see FILL): (quoted known, quoted rate,
# ordered known, ordered rate, erosion known, erosion).
EXPECTED = {
    0: (False, 0.0, False, 0.0, False, 0.0),
    1: (True, 20.0, False, 0.0, True, 1500.0),
    2: (False, 0.0, False, 0.0, False, 0.0),
    3: (True, 30.0, True, 30.0, True, 500.0),
    4: (False, 0.0, False, 0.0, False, 0.0),
}

# The estimate at proposal kept at installation (today's estimate of the deals
# with a quotation sent or an order): (known, margin) per kind.
EXPECTED_PROPOSAL = {
    0: (False, 0.0),
    1: (True, 3500.0),
    2: (True, 3500.0),
    3: (True, 3500.0),
    4: (False, 0.0),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--odoo-bin", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--log-dir", required=True)
    parser.add_argument("--main-addons", required=True, help="addons path without the bridge")
    parser.add_argument("--all-addons", required=True, help="addons path with the bridge")
    parser.add_argument("--deals", type=int, default=300)
    parser.add_argument("odoo_args", nargs="*")
    args = parser.parse_args(argv)
    check = Check()
    base_args = list(args.odoo_args)

    def with_path(path):
        args.odoo_args = [*base_args, f"--addons-path={path}"]

    def query(sql_text, params=None):
        conn = psycopg2.connect(dbname=args.database)
        try:
            with conn.cursor() as cr:
                cr.execute(sql_text, params)
                return cr.fetchall()
        finally:
            conn.close()

    def figures():
        rows = query(
            """
            SELECT substring(name from 'Lifecycle deal ([0-9]+)')::int % 5,
                   quoted_margin_known, quoted_margin_rate::float, ordered_margin_known,
                   ordered_margin_rate::float, margin_erosion_known, margin_erosion::float
              FROM crm_lead WHERE name LIKE 'Lifecycle deal %'
            """
        )
        wrong = [row for row in rows if tuple(row[1:]) != EXPECTED[row[0]]]
        return len(rows), wrong

    def proposal_estimates():
        rows = query(
            """
            SELECT substring(name from 'Lifecycle deal ([0-9]+)')::int % 5,
                   COALESCE(proposal_margin_known, FALSE),
                   COALESCE(proposal_estimated_margin, 0)::float
              FROM crm_lead WHERE name LIKE 'Lifecycle deal %'
            """
        )
        return [row for row in rows if tuple(row[1:]) != EXPECTED_PROPOSAL[row[0]]]

    def orders():
        return query(
            "SELECT state, COUNT(*), ROUND(SUM(margin)::numeric, 2) FROM sale_order "
            "GROUP BY state ORDER BY state"
        )

    subprocess.run(["createdb", args.database], check=True)
    try:
        with_path(args.main_addons)
        _out("installing sale_margin and crm_pipeline_pilot without the bridge on the path")
        _seconds, errors, log = odoo_run(
            args, "sale", "-i", "sale_margin,crm_pipeline_pilot", "--without-demo=all"
        )
        if not check(not errors, "install sale_margin and the add-on", log if errors else ""):
            return 1
        _out(f"creating {args.deals} opportunities with quotations and orders")
        _seconds, errors, log = odoo_run(
            args, "fill", shell=True, stdin=FILL % {"deals": args.deals}
        )
        if not check(not errors, "sales data created", log if errors else ""):
            return 1
        before = orders()

        def check_orders(step):
            after = orders()
            check(
                after == before,
                f"{step}: orders unchanged",
                "" if after == before else f"{before} -> {after}",
            )

        with_path(args.all_addons)
        _seconds, errors, log = odoo_run(args, "install", "-i", BRIDGE, "--without-demo=all")
        check(not errors, f"install {BRIDGE}", log if errors else "")
        count, wrong = figures()
        check(
            count == args.deals and not wrong,
            "install: figures of every deal",
            f"{wrong[:3]}" if wrong else "",
        )
        wrong = proposal_estimates()
        check(
            not wrong,
            "install: the estimate at proposal of every deal",
            f"{wrong[:3]}" if wrong else "",
        )
        check_orders("install")
        _seconds, errors, log = odoo_run(args, "upgrade", "-u", BRIDGE)
        check(not errors, f"upgrade {BRIDGE}", log if errors else "")
        count, wrong = figures()
        check(
            count == args.deals and not wrong,
            "upgrade: figures unchanged",
            f"{wrong[:3]}" if wrong else "",
        )
        _seconds, errors, log = odoo_run(args, "uninstall", shell=True, stdin=UNINSTALL)
        check(not errors, f"uninstall {BRIDGE}", log if errors else "")
        left = query(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'crm_lead' AND column_name = ANY(%s)",
            (list(BRIDGE_COLUMNS),),
        )
        check(not left, "uninstall: the bridge's columns dropped", str(left))
        view = query("SELECT to_regclass('crm_margin_erosion_report')")
        check(view == [(None,)], "uninstall: the erosion report's view dropped", str(view))
        states = query(
            "SELECT name, state FROM ir_module_module WHERE name IN (%s, 'crm_pipeline_pilot') "
            "ORDER BY name",
            (BRIDGE,),
        )
        check(
            states == [("crm_pipeline_pilot", "installed"), (BRIDGE, "uninstalled")],
            "uninstall: the add-on stays, the bridge is gone",
            str(states),
        )
        check_orders("uninstall")
        views = query(
            "SELECT to_regclass('crm_pipeline_forecast')::text, "
            "to_regclass('crm_pipeline_report')::text"
        )
        check(
            views == [("crm_pipeline_forecast", "crm_pipeline_report")],
            "uninstall: the add-on's report views kept",
            str(views),
        )
        rows = query("SELECT COUNT(*) FROM crm_pipeline_report WHERE lead_id IS NOT NULL")
        check(rows[0][0] >= args.deals, "uninstall: the pipeline analysis still reads", str(rows))
    finally:
        subprocess.run(["dropdb", "--if-exists", args.database], check=False)
    print(f"\nBridge lifecycle: {len(check.lines)} checks, {check.failed} failed")
    if check.failed:
        print("BRIDGE LIFECYCLE FAILED")
        return 1
    print("bridge lifecycle passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
