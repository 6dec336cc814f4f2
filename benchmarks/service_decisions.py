"""What the whole service decides on held-out labeled comments: the review load and what slips through.

    python benchmarks/service_decisions.py [--data-root ../shared/data] [--spec training/spec.yaml]

quality.py scores the model alone; a site lives with the decisions of rules and model
together. This runs the served configuration (config.yaml: every rule and the pinned
model) and the same rules without the model over the test split of every source
(build_dataset with the spec's seed: the texts the model never trained on), as the
commenter wrote them, and counts accept / review / reject:

- abusive: any label is 1 (an insult, offensive tweet, hate, threat; in the site's comments
  also a libel);
- clean: abuse is 0 and no label is 1. A source that leaves abuse unknown (a hate corpus
  that does not say whether a tweet is offensive) gives no clean rows.

Each source's own definitions apply, so a "clean" tweet may still break the site's rules
(and the other way round); kaggle-insults, comments on news sites, is the closest to the
service's own traffic. The last column is the share the model's defamation label held (no
corpus has an accusation labeled, so on them it is the load that label adds to the review
queue, and the comments it holds in error). Writes benchmarks/results/service_decisions.md and
.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation import Moderator  # noqa: E402
from moderation.classifier.dataset import build_dataset, load_spec  # noqa: E402
from moderation.classifier.labels import LABELS  # noqa: E402

from benchmarks.served_data import service_and_rules  # noqa: E402

DECISIONS = ("accept", "review", "reject")
ABUSE = LABELS.index("abuse")


def classes(Y: np.ndarray) -> np.ndarray:
    """Per row: "abusive", "clean", or "" (neither can be said)."""
    abusive = (Y == 1).any(axis=1)
    clean = (Y[:, ABUSE] == 0) & ~abusive
    return np.where(abusive, "abusive", np.where(clean, "clean", ""))


def tally(decisions: list[str]) -> dict[str, float]:
    counts = Counter(decisions)
    return {d: counts[d] / len(decisions) for d in DECISIONS} if decisions else {}


def measure(moderators: dict[str, Moderator], texts: list[str], sources: np.ndarray,
            kinds: np.ndarray) -> list[dict]:
    found = {name: m.check_many(texts) for name, m in moderators.items()}
    decided = {name: [d.decision for d in ds] for name, ds in found.items()}
    defamation = [any(r.code == "defamation" and r.source == "model" for r in d.reasons)
                  for d in found["service"]]
    rows = []
    for source in [*sorted(set(sources)), "all sources"]:
        for kind in ("clean", "abusive"):
            mask = (kinds == kind) & ((sources == source) if source != "all sources" else True)
            at = np.flatnonzero(mask)
            if len(at) == 0:
                continue
            rows.append({"source": source, "kind": kind, "rows": int(len(at)),
                         **{name: tally([decided[name][i] for i in at]) for name in moderators},
                         "defamation_model": sum(defamation[i] for i in at) / len(at)})
    return rows


def report(rows: list[dict], meta: str) -> str:
    lines = ["# The whole service on held-out labeled comments", "", "```sh",
             "python benchmarks/service_decisions.py " + " ".join(sys.argv[1:]), "```", "", meta, "",
             "Shares of each source's test rows. `clean`: the site would want it published at once; "
             "`abusive`: rejected, or at least held. `review` is the moderators' load.", "",
             "| source | rows | kind | accept | review | reject | rules only: accept | review | reject "
             "| held by the model's defamation |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        full, rules = row["service"], row["rules only"]
        lines.append(f"| {row['source']} | {row['rows']:,} | {row['kind']} | "
                     + " | ".join(f"{full[d]:.1%}" for d in DECISIONS) + " | "
                     + " | ".join(f"{rules[d]:.1%}" for d in DECISIONS)
                     + f" | {row['defamation_model']:.1%} |")
    lines += ["", "Sources other than kaggle-insults are tweets and forum posts labeled by their own "
              "definitions (Davidson's offensive class, Gab's and HateXplain's annotators, MLMA's "
              "hate-speech collection): a row called clean there may break the site's rules, and one "
              "called abusive may be within them. Their figures are indications; `group-mentions` "
              "are the neutral template sentences about every group of groups.yaml.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config.yaml")
    parser.add_argument("--spec", type=Path, default=ROOT / "training" / "spec.yaml")
    parser.add_argument("--data-root", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "service_decisions.md")
    args = parser.parse_args()
    started = time.monotonic()

    service, rules = service_and_rules(args.config)
    moderators = {"service": service, "rules only": rules}
    spec, _ = load_spec(args.spec)
    data = build_dataset(spec, args.data_root, args.spec.parent)
    test = data.rows("test")
    kinds = classes(data.Y[test])
    keep = kinds != ""
    test, kinds = test[keep], kinds[keep]
    texts = [data.examples[i].text for i in test]
    rows = measure(moderators, texts, data.sources[test], kinds)

    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    meta = (f"Recorded {when}: python {platform.python_version()}, model `{service.classifier.model.id}` "
            f"(sha256 `{service.classifier.model.sha256[:12]}`), policy version `{service.policy_version}`, "
            f"{len(texts):,} test rows of {len(set(data.sources[test]))} sources (spec seed {spec.seed}), "
            f"{time.monotonic() - started:.0f} s in all.")
    args.out.write_text(report(rows, meta), encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n",
                                             encoding="utf-8")
    print(report(rows, meta))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
