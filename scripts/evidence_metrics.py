"""Per-kind precision and recall of the exchanges' reader on the labelled
corpus (tests/data/evidence_corpus.json): the part it was tuned on ("dev")
and the part written after tuning ("holdout").

    python scripts/evidence_metrics.py [--mistakes] [--split dev|holdout]
"""

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "models", "evidence"))

from reading.metrics import evaluate, load  # noqa: E402

TARGET_PRECISION = 0.9
TARGET_RECALL = 0.8


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "holdout"))
    parser.add_argument("--mistakes", action="store_true", help="list every mistake")
    args = parser.parse_args()
    corpus = load(os.path.join(ROOT, "tests", "data", "evidence_corpus.json"))
    splits = [args.split] if args.split else ["dev", "holdout", None]
    ok = True
    for split in splits:
        messages = [m for m in corpus["messages"] if split is None or m["split"] == split]
        counts, mistakes = evaluate(corpus, split)
        print(f"\n{split or 'all'}: {len(messages)} messages")
        print(f"{'kind':<12}{'expected':>9}{'read':>6}{'right':>7}{'precision':>11}{'recall':>8}")
        for kind, count in counts.items():
            print(
                f"{kind:<12}{count['tp'] + count['fn']:>9}{count['tp'] + count['fp']:>6}"
                f"{count['tp']:>7}{count['precision']:>11.2f}{count['recall']:>8.2f}"
            )
            if split is None:
                ok = (
                    ok
                    and count["precision"] >= TARGET_PRECISION
                    and count["recall"] >= TARGET_RECALL
                )
        if args.mistakes:
            for message_id, what, fact in mistakes:
                print(f"  {message_id}: {what} {fact}")
    if not args.split:
        print(
            f"\ntargets (whole corpus): precision >= {TARGET_PRECISION}, "
            f"recall >= {TARGET_RECALL}: " + ("met" if ok else "NOT met")
        )
    return 0 if ok or args.split else 1


if __name__ == "__main__":
    sys.exit(main())
