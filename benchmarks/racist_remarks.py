"""Racist remarks without slurs: stereotypes and conspiracy myths about groups, against near misses.

    python benchmarks/racist_remarks.py

benchmarks/cases/racist_remarks.jsonl holds English comments in the voice of a news site's
readers, written for this benchmark: remarks that generalise about a people or a faith
("Jews control the media", "Sudanese are lazy by nature") with no slur, no animal word and no
call to act, and comments a site publishes that use the same groups and words ("Iran controls
militias in Iraq", "It is a lie that Africans bring crime"). Two sets:

- tuning: the incitement rule's stereotype patterns were tuned on it after a first measurement;
- held-out: written apart from the rule and not read while tuning it.

For each set it counts the comments that the rules alone (the classifier off) give
`identity_hate` or `incitement`, and that the whole service (rules and the pinned model) holds
or rejects. Writes benchmarks/results/racist_remarks.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation import Moderator  # noqa: E402

from benchmarks.served_data import service_and_rules  # noqa: E402

CASES = ROOT / "benchmarks" / "cases" / "racist_remarks.jsonl"
GROUP_CODES = {"identity_hate", "incitement"}


def count(rows: list[dict], service: Moderator, rules: Moderator) -> dict[str, int]:
    """How many rows the rules give a group reason, and the service holds or rejects."""
    by_rules = sum(bool(GROUP_CODES & set(rules.check(r["text"]).codes)) for r in rows)
    held = sum(service.check(r["text"]).decision != "accept" for r in rows)
    return {"rows": len(rows), "rules": by_rules, "held": held}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config.yaml")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "racist_remarks.md")
    args = parser.parse_args()

    service, rules = service_and_rules(args.config)
    cases = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]

    lines = ["# Racist remarks without slurs", "", "```sh", "python benchmarks/racist_remarks.py", "```", "",
             f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC} with model "
             f"`{service.classifier.model.id}`, policy version `{service.policy_version}`.", "",
             "`rules`: the rules alone give `identity_hate` or `incitement`. `held`: the whole service "
             "holds or rejects the comment.", "",
             "| set | racist remarks | found by the rules | held by the service "
             "| near misses | given a group reason by the rules | held by the service |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name in ("held-out", "tuning"):
        rows = [c for c in cases if c["set"] == name]
        bad = count([r for r in rows if r["label"] == "racist"], service, rules)
        fine = count([r for r in rows if r["label"] == "fine"], service, rules)
        lines.append(f"| {name} | {bad['rows']} | {bad['rules']} ({bad['rules'] / bad['rows']:.0%}) "
                     f"| {bad['held']} ({bad['held'] / bad['rows']:.0%}) | {fine['rows']} | {fine['rules']} "
                     f"| {fine['held']} |")
    text = "\n".join(lines) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(text + f"wrote {args.out}")


if __name__ == "__main__":
    main()
