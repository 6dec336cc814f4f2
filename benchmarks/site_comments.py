"""The site's own rules on comments written for this benchmark: what the whole service does with each kind.

    python benchmarks/site_comments.py

Files of English comments in the voice of a news site's readers, each written apart from
the rules, the model and their case files, from the site's published comment rules alone:
comments the site must not publish (`block`, in eight kinds: abusive language, attacks on a
reader, on the writer, on another person, libel, racism, incitement, threats) and comments it
publishes (`publish`: ordinary comments, sharp criticism of a report or of officials, and near
misses that only look like a violation).

- benchmarks/cases/site_comments.jsonl (240 comments), the first tuning set: measured once
  as written, then its misses were read and the rules changed;
- benchmarks/cases/site_comments_heldout.jsonl (160 comments), the first held-out set: written
  later, by another hand, and its misses never read while changing the rules;
- benchmarks/cases/site_comments_round2.jsonl (240 comments), the second tuning set, and
  benchmarks/cases/site_comments_heldout2.jsonl (160 comments), the second held-out set: written
  together by a third hand, asked for indirect and veiled violations as well as plain ones.
  Both were measured as written; then the second tuning set's misses were read;
- benchmarks/cases/site_comments_round3.jsonl (480 comments), the third tuning set, and
  benchmarks/cases/site_comments_heldout3.jsonl (160 comments), the third held-out set: each
  written by a hand of its own, measured as written; no misses of either were read;
- benchmarks/cases/site_comments_round4.jsonl and site_comments_round5.jsonl (480 comments
  each), the fourth and fifth tuning sets (domestic stories in Egyptian readers' English; world
  and regional stories, with rumours, veiled and conditional threats), and
  benchmarks/cases/site_comments_heldout4.jsonl (160 comments), the fourth held-out set: each
  written by a hand of its own and measured as written; no misses of any were read;
- benchmarks/cases/site_comments_round6.jsonl (480 comments), the sixth tuning set: only
  comments the site publishes, many of them about its writers and reporters (the earlier sets
  named the writer mostly to attack him, and a model trained on them held fair criticism of
  the writer). Measured as written;
- benchmarks/cases/site_comments_round7.jsonl (480 comments), the seventh tuning set: racism,
  incitement and threats, the kinds published most often, with comments about groups, faiths,
  migration and violence that the site publishes. Measured as written;
- benchmarks/cases/site_comments_round8.jsonl (480 comments), the eighth tuning set: threats
  against persons, with the demands ("the minister should resign"), idioms and sports talk
  that share their words. Measured as written;
- benchmarks/cases/site_comments_round9.jsonl (480 comments), the ninth tuning set: racism and
  incitement, with comments the site publishes that name the same groups in the same words
  ("Syrians should be allowed to work", migration policy argued civilly, a foreign government
  criticised, a stereotype quoted to refute it). Measured as written;
- benchmarks/cases/site_comments_round10.jsonl (480 comments), the tenth tuning set: incitement
  in polite, veiled or indirect words, racism without slurs and veiled threats against persons,
  with comments the site publishes on the same topics in the same words. Measured as written;
- benchmarks/cases/site_comments_round11.jsonl (480 comments), the eleventh tuning set: attacks
  on a person, a reader or the writer and abusive language in the forms a word list misses
  (comparisons, sarcasm, disguised spellings, Egyptian Arabic in Latin letters), libel, and
  comments the site publishes that use the same words innocently. Measured as written;
- benchmarks/cases/site_comments_round12.jsonl (480 comments), the twelfth tuning set: racism
  and incitement against peoples and faiths outside Egypt or less often named (Ethiopians,
  Israelis as a people, Rohingya, Kurds, West Africans ...), with sharp criticism of the
  states, governments and armies concerned, which the site publishes. Measured as written;
- benchmarks/cases/site_comments_round13.jsonl and site_comments_heldout5.jsonl (240 comments
  each): comments the site publishes that name or address people (common Egyptian first
  names, "the writer", "Mr.", "you"), written by one hand as one set of 480 and split
  alternately within each kind: the earlier sets had named people mostly to attack them, and
  a model trained on them held a fifth of these. The fifth held-out set is never trained on
  and its misses are not read.
- benchmarks/cases/site_comments_round14.jsonl (480 comments), the fourteenth tuning set, by
  two hands: incitement and racism in indirect forms (wishes, prayers, euphemisms, rhetorical
  questions, "typical X behaviour", "no wonder, he is X") with 120 publishable comments naming
  the same peoples; and libel in forms beyond "X stole Y" (passive and nominal forms, "everyone
  knows", sarcasm, relatives, the site's own writers as fabricators) with 120 publishable
  comments on the same people and crimes (verdicts, "alleged", calls for an inquiry, denials).
  Measured as written with comments-v18 and the rules of that commit: of 60 incitement
  comments 31 published, of 60 racist ones 22, of 120 libels 65; of 240 publishable comments
  10 held, none rejected; then its misses were read and the rules changed.
- benchmarks/cases/site_comments_round15.jsonl (960 comments), the fifteenth tuning set, by
  two hands: 480 libels, more than half of them indirect (passive and nominal forms, "everyone
  knows", rhetorical questions, sarcasm, relatives and cronies), against officials,
  businessmen, the site's writers, club presidents, referees, doctors, deans and neighbours;
  and 480 publishable comments on the same people and crimes (verdicts, charges, audits,
  hedged and attributed claims, denials, harsh criticism of their work, metaphors). Measured
  as written with comments-v18 and the rules of that commit: of 480 libels 320 published; of
  480 publishable comments 14 held, none rejected. It was written to train the model's
  defamation label, and its misses were not read.
- benchmarks/cases/site_comments_round16.jsonl (800 comments), the sixteenth tuning set, by
  two hands: only comments the site publishes, in the words the defamation label had learned
  (paid, sold, stolen, smuggled, forged, fixed, bribe, contract): everyday uses, verdicts and
  charges reported as such, denials and defences, questions and calls for an inquiry,
  criticism without an accusation, metaphors, jokes and fiction. Measured as written with
  comments-v20: 140 held (104 of them for the model's defamation label), 1 rejected.
- benchmarks/cases/site_comments_round17.jsonl (800 comments), the seventeenth tuning set, by
  two hands: 640 comments the site publishes in the words of racism, incitement and threats
  (refuted and negated stereotypes, racism quoted to condemn it, defences of a people's rights,
  criticism of states, armies and media rather than peoples, calls for justice, idioms such as
  "died laughing", warnings, sport, lawful pressure such as "we will vote them out"), and 160
  violations that borrow the same devices ("I'm not racist, but ...", a threat dressed as a
  warning or as "not at the ballot box"). Measured as written with comments-v22: of 160
  violations 32 published; of 640 publishable comments 56 held and 7 rejected, all 7 by a rule
  (6 by the incitement rule, quoting the claim it refutes: "People keep writing here that
  Africans are dirty. ..."); comments-v21 published 48 and held 32.
- benchmarks/cases/site_comments_round18.jsonl (1,039 comments), the eighteenth tuning set,
  by three hands: 400 attacks and abuse without a slur a word list knows (attacks on readers,
  on the writers and on people in the news by comparison, sarcasm, animal metaphors, family,
  transliterated Egyptian insults, disguised spellings; crude language aimed at no one), and
  400 comments the site publishes in the same words (sharp criticism of reports and
  officials, firm disagreement, insults quoted to condemn them, praise such as "a beast",
  animals and idioms). Measured as written with comments-v23: of 400 violations 169
  published; of 400 publishable comments 12 held and 3 rejected ("a clown on Instagram", a
  play's "greedy fool" character, a plan "dumb on paper and dumber in practice"). A model
  trained with those 800 (comments-v24, not served) rejected a criticism of the rules' case
  files, "Terrible piece. The columnist writes like a government spokesman.": the set's
  attacks compared writers to things and its publishable comments seldom did. So a third
  hand wrote 239 more publishable comments that judge a writer's or an official's work and
  stance by comparison and hyperbole ("reads like a press release", "talks like a
  salesman"), without name-calling; as written comments-v23 held 2 of them.
- benchmarks/cases/site_comments_round19.jsonl (1,243 comments), the nineteenth tuning set, by
  two hands: 758 comments the site publishes in the devices the model misread (a people
  defended by refuting a stereotype, "Syrians are not thieves"; officials promised the ballot
  box, the courts or history; characters of plays, films and cartoons called fools and
  liars; ordinary comments) and 238 violations that borrow them ("they are not Egyptians, they
  are parasites", "he will pay, and not at the ballot box", "our minister is the village idiot
  from an old film"). Measured as written with comments-v25: of 238 violations 55 published;
  of 758 publishable comments 81 held and 17 rejected (15 reviews of fiction, 14 of them by
  the attack rule, which now holds rather than rejects an insult of someone named in a
  comment about a film or a play; 2 defences of a people by the incitement rule). A model
  trained with them rejected a reader's "You are not a journalist, you are a commenter like
  me." from the rules' case files, so a second hand wrote 247 more publishable comments:
  harsh criticism of reports ("this is not journalism, it is a press release") and readers
  disputing a reader's authority without insults; as written comments-v25 held 1 of them.

The tuning sets also train the model (training/spec.yaml, `files`), labeled as moderators'
decisions would label them; the held-out sets never do. On the tuning sets the service
therefore meets comments its model learned from: their figures flatter it.

For each set and kind it counts what the whole service (rules and the pinned model) does:
reject, hold for a moderator, or publish; and what the rules alone (the classifier off) do.
Writes benchmarks/results/site_comments.md and site_comments.json beside it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation import Moderator  # noqa: E402

from benchmarks.served_data import service_and_rules  # noqa: E402

CASES = {"held-out": ROOT / "benchmarks" / "cases" / "site_comments_heldout.jsonl",
         "held-out 2": ROOT / "benchmarks" / "cases" / "site_comments_heldout2.jsonl",
         "held-out 3": ROOT / "benchmarks" / "cases" / "site_comments_heldout3.jsonl",
         "held-out 4": ROOT / "benchmarks" / "cases" / "site_comments_heldout4.jsonl",
         "held-out 5 (names)": ROOT / "benchmarks" / "cases" / "site_comments_heldout5.jsonl",
         "tuning": ROOT / "benchmarks" / "cases" / "site_comments.jsonl",
         "tuning 2": ROOT / "benchmarks" / "cases" / "site_comments_round2.jsonl",
         "tuning 3": ROOT / "benchmarks" / "cases" / "site_comments_round3.jsonl",
         "tuning 4": ROOT / "benchmarks" / "cases" / "site_comments_round4.jsonl",
         "tuning 5": ROOT / "benchmarks" / "cases" / "site_comments_round5.jsonl",
         "tuning 6": ROOT / "benchmarks" / "cases" / "site_comments_round6.jsonl",
         "tuning 7": ROOT / "benchmarks" / "cases" / "site_comments_round7.jsonl",
         "tuning 8": ROOT / "benchmarks" / "cases" / "site_comments_round8.jsonl",
         "tuning 9": ROOT / "benchmarks" / "cases" / "site_comments_round9.jsonl",
         "tuning 10": ROOT / "benchmarks" / "cases" / "site_comments_round10.jsonl",
         "tuning 11": ROOT / "benchmarks" / "cases" / "site_comments_round11.jsonl",
         "tuning 12": ROOT / "benchmarks" / "cases" / "site_comments_round12.jsonl",
         "tuning 13 (names)": ROOT / "benchmarks" / "cases" / "site_comments_round13.jsonl",
         "tuning 14": ROOT / "benchmarks" / "cases" / "site_comments_round14.jsonl",
         "tuning 15": ROOT / "benchmarks" / "cases" / "site_comments_round15.jsonl",
         "tuning 16": ROOT / "benchmarks" / "cases" / "site_comments_round16.jsonl",
         "tuning 17": ROOT / "benchmarks" / "cases" / "site_comments_round17.jsonl",
         "tuning 18": ROOT / "benchmarks" / "cases" / "site_comments_round18.jsonl",
         "tuning 19": ROOT / "benchmarks" / "cases" / "site_comments_round19.jsonl"}
DECISIONS = ("reject", "review", "accept")


def load(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        if row.get("expected") not in ("block", "publish") or not isinstance(row.get("text"), str):
            raise SystemExit(f"{path}: every line needs text and expected block or publish: {row!r}")
    return rows


def tally(rows: list[dict], service: Moderator, rules: Moderator) -> list[dict]:
    """One row per (expected, category): counts of the service's decisions and the rules' alone."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["expected"], row["category"]), []).append(row)
    out = []
    for (expected, category), members in sorted(groups.items()):
        service_says = Counter(service.check(r["text"]).decision for r in members)
        rules_say = Counter(rules.check(r["text"]).decision for r in members)
        out.append({"expected": expected, "category": category, "rows": len(members),
                    "service": {d: service_says[d] for d in DECISIONS},
                    "rules": {d: rules_say[d] for d in DECISIONS}})
    return out


def total(table: list[dict], expected: str, who: str) -> dict[str, int]:
    counts = Counter(dict.fromkeys((*DECISIONS, "rows"), 0))
    for row in table:
        if row["expected"] == expected:
            counts.update(row[who])
            counts["rows"] += row["rows"]
    return dict(counts)


def report(tables: dict[str, list[dict]], meta: str) -> str:
    def share(count: int, rows: int) -> str:
        return f"{count / rows:.0%}" if rows else "-"

    def cells(counts: dict[str, int], rows: int) -> str:
        return " | ".join(f"{counts[d]} ({share(counts[d], rows)})" for d in DECISIONS)

    lines = ["# The site's rules on comments written for them", "", "```sh",
             "python benchmarks/site_comments.py", "```", "", meta, "",
             "`block`: the site's rules say the comment must not be published; `publish`: the site "
             "publishes it. Each cell: comments (share of the kind). `rules alone`: the same "
             "rules with the classifier off. The misses of the first two tuning sets were read and "
             "the rules changed after their first measurement; the held-out sets' misses were not "
             "read. The tuning sets also train the model: on them it meets comments it learned from.", "",
             "| set | must not publish | published | rejected | held | site publishes | rejected | held |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, table in tables.items():
        block, publish = total(table, "block", "service"), total(table, "publish", "service")
        lines.append(f"| {name} | {block['rows']} | {block['accept']} ({share(block['accept'], block['rows'])}) | "
                     f"{block['reject']} | {block['review']} | {publish['rows']} | {publish['reject']} | "
                     f"{publish['review']} |")
    lines.append("")
    for name, table in tables.items():
        lines += [f"## {name}", "",
                  "| expected | kind | comments | service rejects | holds | publishes "
                  "| rules alone reject | hold | publish |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
        totals = {e: total(table, e, "service") for e in ("block", "publish")}
        kinds = [e for e in totals if totals[e]["rows"]]  # a set may hold one kind only
        for expected in kinds:
            for row in (r for r in table if r["expected"] == expected):
                lines.append(f"| {expected} | {row['category']} | {row['rows']} | "
                             f"{cells(row['service'], row['rows'])} | {cells(row['rules'], row['rows'])} |")
            service, rules = totals[expected], total(table, expected, "rules")
            lines.append(f"| {expected} | **all** | {service['rows']} | {cells(service, service['rows'])} | "
                         f"{cells(rules, rules['rows'])} |")
        block, publish = totals["block"], totals["publish"]
        lines.append("")
        if "block" in kinds:
            lines.append(f"- Of {block['rows']} comments the site must not publish, the service published "
                         f"{block['accept']} ({share(block['accept'], block['rows'])}) and rejected "
                         f"{block['reject']} ({share(block['reject'], block['rows'])}); the rest wait for a moderator.")
        if "publish" in kinds:
            lines.append(f"- Of {publish['rows']} comments the site publishes, the service rejected {publish['reject']} "
                         f"({share(publish['reject'], publish['rows'])}) and held {publish['review']} "
                         f"({share(publish['review'], publish['rows'])}) for a moderator.")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config.yaml")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "site_comments.md")
    args = parser.parse_args()

    service, rules = service_and_rules(args.config)
    tables = {name: tally(load(path), service, rules) for name, path in CASES.items()}
    meta = (f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC} with model "
            f"`{service.classifier.model.id}`, policy version `{service.policy_version}`.")
    text = report(tables, meta)
    args.out.write_text(text, encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps({"meta": meta, "sets": tables}, indent=1) + "\n",
                                             encoding="utf-8")
    print(text + f"wrote {args.out}")


if __name__ == "__main__":
    main()
