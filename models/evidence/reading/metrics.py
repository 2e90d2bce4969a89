# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Precision and recall of the reader on a labelled corpus (see
``tests/data/evidence_corpus.json`` and ``scripts/evidence_metrics.py``).

A fact read matches an expected one of the same message when their kinds
agree and: the amounts are equal (budget); the dates are equal (timing; next
step when a date is expected); one name contains the other, case and accents
aside (authority, competitor); the topics are equal (objection). Each
expected fact is matched once."""

import datetime
import json

from . import KINDS, read_message
from .text import fold


def _matches(read, expected):
    if read["kind"] != expected["kind"]:
        return False
    kind = expected["kind"]
    if kind == "budget":
        return read.get("amount") is not None and abs(read["amount"] - expected["amount"]) < 0.5
    if kind in ("timing", "next_step"):
        if "date" not in expected:
            return True
        return read.get("date") is not None and read["date"].isoformat() == expected["date"]
    if kind == "objection":
        return read.get("topic") == expected["topic"]
    read_name, expected_name = fold(read.get("name") or ""), fold(expected["name"])
    return bool(read_name) and (read_name in expected_name or expected_name in read_name)


def load(path):
    with open(path, encoding="utf-8") as corpus_file:
        return json.load(corpus_file)


def evaluate(corpus, split=None):
    """``{kind: {"tp", "fp", "fn", "precision", "recall"}}`` and the list of
    mistakes ``(message id, "missed" or "wrong", fact)``."""
    counts = {kind: {"tp": 0, "fp": 0, "fn": 0} for kind in KINDS}
    mistakes = []
    for message in corpus["messages"]:
        if split and message["split"] != split:
            continue
        read = read_message(
            message["body"],
            datetime.date.fromisoformat(message["date"]),
            author_role=message["author"],
            message_type=message["type"],
            competitors=corpus["competitors"],
        )
        left = list(message["expected"])
        for fact in read:
            match = next((expected for expected in left if _matches(fact, expected)), None)
            if match is None:
                counts[fact["kind"]]["fp"] += 1
                mistakes.append((message["id"], "wrong", fact))
            else:
                left.remove(match)
                counts[fact["kind"]]["tp"] += 1
        for expected in left:
            counts[expected["kind"]]["fn"] += 1
            mistakes.append((message["id"], "missed", expected))
    for count in counts.values():
        read_total = count["tp"] + count["fp"]
        expected_total = count["tp"] + count["fn"]
        count["precision"] = count["tp"] / read_total if read_total else 1.0
        count["recall"] = count["tp"] / expected_total if expected_total else 1.0
    return counts, mistakes
