# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The outcome of each test of a pytest JUnit report (scripts/test_odoo.sh,
scripts/test_oca.sh)."""

import xml.etree.ElementTree as ET


def outcome(path, details=None):
    """{test id: "passed" | "failed" | "skipped"}; ``details`` (a dict) receives
    the message of each failed or skipped test."""
    results = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        test_id = f"{case.get('classname')}.{case.get('name')}"
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        skipped = case.find("skipped")
        results[test_id] = (
            "failed" if problem is not None else "skipped" if skipped is not None else "passed"
        )
        if details is not None and (problem is not None or skipped is not None):
            node = problem if problem is not None else skipped
            details[test_id] = (node.text or node.get("message") or "").strip()
    return results
