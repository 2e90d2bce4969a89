# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Take the README's screenshots from a running demo server in headless Chromium.

    make run   # in another terminal, serves the demo database
    python scripts/screenshots.py [--url http://localhost:8069] [--db crm_pipeline_pilot]

Logs in as the demo administrator, opens each page, waits for what it must show
and saves a PNG under docs/screenshots/. Uses the Chrome DevTools protocol
through websocket-client (a test dependency of the add-on).
"""

import argparse
import base64
import datetime
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request

import websocket

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "docs", "screenshots")

# name, path ({opportunity}: a demo opportunity with a cost), selector to wait for
APPS_PAGE = ("pipeline_kanban", "exit_criteria_checklist", "weekly_review")
# Pages reached by a click on the page opened first: name, selector to click.
CLICKS = {
    "kpi_trend": "button[name='action_open_trend']",
    # The first salesperson's submissions, week by week.
    "forecast_submissions": ".o_list_view .o_group_header",
}
# Pages changed in the browser before their screenshot: name, JavaScript run
# once the page shows its selector ({slip_date}: the 15th of next month in the
# user's date format), then the selector to wait for.
SCRIPTS = {
    # The expected closing date pushed to next month and saved: the slip
    # reason dialog opens.
    "slip_reason_dialog": (
        """
        const input = document.querySelector(".o_form_view div[name='date_deadline'] input");
        input.focus();
        input.value = "{slip_date}";
        input.dispatchEvent(new Event("input", {{bubbles: true}}));
        input.dispatchEvent(new Event("change", {{bubbles: true}}));
        setTimeout(() => document.querySelector(".o_form_button_save").click(), 500);
        """,
        ".modal .o_form_view div[name='slip_reason_id']",
    ),
}
PAGES = [
    ("pipeline_kanban", "/odoo/crm", ".o_kanban_record .o_pilot_urgency"),
    ("opportunity_form", "/odoo/crm/{opportunity}", ".o_form_view div[name='estimated_margin']"),
    ("pipeline_pivot", "/odoo/action-crm.crm_opportunity_report_action", ".o_pivot"),
    ("exit_criteria_checklist", "/odoo/crm/{checklist}", ".o_form_view .o_pilot_exit_criteria"),
    (
        "weekly_review",
        "/odoo/action-crm_pipeline_pilot.crm_pipeline_review_action/{review}",
        ".o_form_view .o_field_one2many .o_data_row",
    ),
    # The latest review with KPIs off target: the actions wrap beside whole figures.
    (
        "weekly_review_off_target",
        "/odoo/action-crm_pipeline_pilot.crm_pipeline_review_action_list/{off_target_review}",
        ".o_form_view .o_field_one2many .o_data_row",
    ),
    # The trend of the first KPI (pipeline value) of last week's review.
    (
        "kpi_trend",
        "/odoo/action-crm_pipeline_pilot.crm_pipeline_review_action_list/{past_review}",
        ".o_graph_renderer canvas",
    ),
    # The forecast of the open pipeline: stage-probability and history-based
    # projections by expected closing month.
    (
        "pipeline_forecast",
        "/odoo/action-crm_pipeline_pilot.crm_pipeline_forecast_action",
        ".o_pivot .o_pivot_cell_value",
    ),
    # The forecast methods compared by the demo's back-test, per team.
    (
        "forecast_backtest",
        "/odoo/action-crm_pipeline_pilot.crm_forecast_backtest_result_action",
        ".o_pivot .o_pivot_cell_value",
    ),
    # Which exit criteria predict wins (the demo's closed deals).
    (
        "exit_criteria_win_rates",
        "/odoo/action-crm_pipeline_pilot.crm_stage_exit_criterion_stat_action",
        ".o_list_view .o_data_row",
    ),
    # The deal coach on an opportunity of the recommended pipeline: next
    # action, qualification score, checklist and what history says.
    (
        "deal_coach_form",
        "/odoo/crm/{checklist}",
        ".o_form_view .o_pilot_next_action",
    ),
    # The pipeline of a salesperson (--login demo): cards with the
    # qualification score and the next best action.
    ("deal_coach_kanban", "/odoo/crm", ".o_kanban_record .o_pilot_next_action_card"),
    # The deal briefing as printed (the PDF's page, in the browser).
    (
        "deal_briefing",
        "/report/html/crm_pipeline_pilot.report_deal_briefing/{checklist}",
        ".o_pilot_briefing_page .o_pilot_briefing_risks",
    ),
    # An open deal of this month pushed to next month (issue: slip reasons).
    ("slip_reason_dialog", "/odoo/crm/{slipping}", ".o_form_view div[name='date_deadline'] input"),
    (
        "pipeline_analysis_pivot",
        "/odoo/action-crm_pipeline_pilot.crm_pipeline_report_action",
        ".o_pivot .o_pivot_cell_value",
    ),
    # The weekly forecast submissions, by salesperson (a manager's Monday).
    (
        "forecast_submissions",
        "/odoo/action-crm_pipeline_pilot.crm_forecast_submission_action",
        ".o_list_view .o_data_row",
    ),
    # The back-test's months: each method's forecast against the revenue won.
    (
        "forecast_backtest_months",
        "/odoo/action-crm_pipeline_pilot.crm_forecast_backtest_month_action",
        ".o_graph_renderer canvas",
    ),
]


class Session:
    def __init__(self, url, db, login, password):
        self.url = url
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"db": db, "login": login, "password": password},
        }
        request = urllib.request.Request(
            f"{url}/web/session/authenticate",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request) as response:
            cookie = response.headers["Set-Cookie"]
            result = json.load(response)
        if "error" in result:
            raise SystemExit(f"login failed: {result['error']['data']['message']}")
        self.session_id = cookie.split("session_id=", 1)[1].split(";", 1)[0]

    def rpc(self, model, method, args, kwargs=None):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        }
        request = urllib.request.Request(
            f"{self.url}/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "Cookie": f"session_id={self.session_id}"},
        )
        with urllib.request.urlopen(request) as response:
            result = json.load(response)
        if "error" in result:
            raise SystemExit(f"RPC {model}.{method} failed: {result['error']['data']['message']}")
        return result["result"]


class Browser:
    def __init__(self, port=9333, width=1440, height=900):
        chrome = (
            shutil.which("chromium")
            or shutil.which("chromium-browser")
            or shutil.which("google-chrome")
        )
        if not chrome:
            raise SystemExit("Chromium is needed (apt-get install chromium)")
        self.profile = tempfile.mkdtemp(prefix="pilot-chrome-")
        self.process = subprocess.Popen(
            [
                chrome,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={self.profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _attempt in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as response:
                    targets = [t for t in json.load(response) if t["type"] == "page"]
                if targets:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        self.ws = websocket.create_connection(targets[0]["webSocketDebuggerUrl"], timeout=60)
        self.message_id = 0

    def send(self, method, **params):
        self.message_id += 1
        self.ws.send(json.dumps({"id": self.message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def wait_for(self, selector, timeout=30):
        deadline = time.time() + timeout
        expression = f"!!document.querySelector({json.dumps(selector)})"
        while time.time() < deadline:
            if self.send("Runtime.evaluate", expression=expression)["result"].get("value"):
                return
            time.sleep(0.25)
        raise SystemExit(f"timed out waiting for {selector}")

    def click(self, selector, timeout=30):
        """Click the first element matching ``selector`` once it is there."""
        self.wait_for(selector, timeout)
        expression = f"document.querySelector({json.dumps(selector)}).click()"
        self.send("Runtime.evaluate", expression=expression)

    def close(self):
        self.ws.close()
        self.process.terminate()
        self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def reviews(session, lang):
    """This week's and last week's reviews of the demo team with targets."""
    # This week's review of the demo sales team that has targets.
    team = session.rpc(
        "crm.pipeline.target",
        "search_read",
        [[("team_id", "!=", False)]],
        {"fields": ["team_id"], "limit": 1},
    )[0]["team_id"][0]
    # This week's review, computed in the user's language as the web client
    # does (the review's figures are written with their units): reopened
    # when it exists (one review per week and teams), else created.
    monday = datetime.date.today() - datetime.timedelta(days=datetime.date.today().weekday())
    key = [("team_ids", "in", [team]), ("review_key", "=", f"0:{team}")]
    # As the menu opens it: the teams the user leads or is a member of.
    review = session.rpc(
        "crm.pipeline.review", "action_open_current_week", [], {"context": {"lang": lang}}
    )["res_id"]
    # Last week's review of that team (the demo's history), recomputed in the
    # user's language.
    past_review = session.rpc(
        "crm.pipeline.review",
        "search",
        [[*key, ("week_start", "=", str(monday - datetime.timedelta(weeks=1)))]],
        {"limit": 1},
    )[0]
    session.rpc(
        "crm.pipeline.review", "action_refresh", [[past_review]], {"context": {"lang": lang}}
    )
    return review, past_review


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="crm_pipeline_pilot")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--lang", default="en_US", help="e.g. fr_FR for French screenshots")
    parser.add_argument(
        "--only", default="", help="comma-separated names of the pages to take (default: all)"
    )
    parser.add_argument(
        "--chrome-port", type=int, default=9333, help="Chromium's remote debugging port"
    )
    args = parser.parse_args()
    session = Session(args.url, args.db, args.login, args.password)
    if args.lang != "en_US":
        session.rpc(
            "res.users",
            "write",
            [
                [session.rpc("res.users", "search", [[("login", "=", args.login)]])[0]],
                {"lang": args.lang},
            ],
        )
    opportunity = session.rpc(
        "crm.lead",
        "search",
        [[("type", "=", "opportunity"), ("estimated_cost", ">", 0)]],
        {"limit": 1, "order": "expected_revenue desc"},
    )[0]
    # An opportunity of the demo team working with the recommended pipeline:
    # its form shows the exit criteria checklist of its stage.
    checklist = session.rpc(
        "crm.lead",
        "search",
        [[("type", "=", "opportunity"), ("stage_id.exit_criterion_ids", "!=", False)]],
        {"limit": 1, "order": "id"},
    )[0]
    only = set(filter(None, args.only.split(",")))
    today = datetime.date.today()
    # An open opportunity of the user expected this month (its push to next
    # month asks for a slip reason).
    month_start = today.replace(day=1)
    next_month = (month_start + datetime.timedelta(days=32)).replace(day=1)
    slipping = session.rpc(
        "crm.lead",
        "search",
        [
            [
                ("type", "=", "opportunity"),
                ("probability", "<", 100),
                ("date_deadline", ">=", str(month_start)),
                ("date_deadline", "<", str(next_month)),
            ]
        ],
        {"limit": 1, "order": "id"},
    )
    slipping = slipping[0] if slipping else 0
    slip_date = next_month.replace(day=15)
    slip_date = slip_date.strftime("%d/%m/%Y" if args.lang == "fr_FR" else "%m/%d/%Y")
    review = past_review = 0
    if not only or only & {"weekly_review", "kpi_trend"}:
        review, past_review = reviews(session, args.lang)
    off_target = session.rpc(
        "crm.pipeline.review.line",
        "search_read",
        [[("off_target", "=", True), ("review_id.week_start", "<", str(today))]],
        {"fields": ["review_id"], "limit": 1, "order": "id desc"},
    )
    off_target_review = off_target[0]["review_id"][0] if off_target else 0
    os.makedirs(OUT, exist_ok=True)
    browser = Browser(port=args.chrome_port)
    try:
        browser.send("Network.enable")
        host = args.url.split("//", 1)[1].split(":", 1)[0].split("/", 1)[0]
        browser.send(
            "Network.setCookie", name="session_id", value=session.session_id, domain=host, path="/"
        )
        for name, path, selector in PAGES:
            if only and name not in only:
                continue
            path = path.format(
                opportunity=opportunity,
                checklist=checklist,
                review=review,
                past_review=past_review,
                off_target_review=off_target_review,
                slipping=slipping,
            )
            browser.send("Page.navigate", url=args.url + path)
            if name in CLICKS:
                browser.click(CLICKS[name])
            if name in SCRIPTS:
                script, after = SCRIPTS[name]
                browser.wait_for(selector)
                time.sleep(1.5)
                browser.send("Runtime.evaluate", expression=script.format(slip_date=slip_date))
                selector = after
            browser.wait_for(selector)
            time.sleep(1.5)  # let animations and lazy parts settle
            data = browser.send("Page.captureScreenshot", format="png")["data"]
            suffix = "" if args.lang == "en_US" else f"_{args.lang.split('_')[0]}"
            target = os.path.join(OUT, f"{name}{suffix}.png")
            with open(target, "wb") as image:
                image.write(base64.b64decode(data))
            print(f"saved {os.path.relpath(target, ROOT)}")
            if name in APPS_PAGE and args.lang == "en_US":
                # The Apps page (static/description/index.html) shows these.
                copy = os.path.join(ROOT, "static", "description", f"{name}.png")
                shutil.copyfile(target, copy)
                print(f"saved {os.path.relpath(copy, ROOT)}")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
