"""Builds moderation/rules/data/arabic_abuse.yaml from the training portions of three Arabic corpora.

    python training/arabic_lexicon.py --data-root ../shared/data [--out moderation/rules/data/arabic_abuse.yaml]

Corpora (read from <data-root>/arabic/, never copied into the repository):

- osact4: OSACT 2020 train (OFF/NOT_OFF, HS/NOT_HS); its dev file is held out.
- osact5-2022: OSACT 2022 train (OFF, HS1-HS6); its dev file is held out. The CSV has a
  conversion defect (a block of tab-separated rows inside an unterminated quote): read
  line by line as its PROVENANCE.md documents, which recovers every row.
- l-hsab: Levantine tweets (normal, abusive, hate), no official split: a fixed seed sends
  each distinct text to train or test (20%), duplicates together.

Texts of any held-out portion are dropped from every training portion (the OSACT releases
may share tweets, and L-HSAB repeats some), so benchmarks/arabic_abuse.py measures unseen text.

For every candidate entry (a normalized Arabic word, the same word with the clitics the
rule strips taken off, or two such words in a row: exactly what moderation/rules/arabic.py
can match) the script counts the training texts it occurs in, and how many of them are
abusive (OFF, abusive or hate) and hateful (HS, HS1-HS6 or hate). An entry is proposed when
it occurs in at least --min-support texts and the lower bound of the Wilson 90% interval of
its share of abusive texts reaches --min-precision.

Only proposals that a person also listed in REVIEWED below are written: words that are
insults, profanity or slurs in themselves. Most proposals are not: names, topics and groups
that abusive tweets happen to mention ("البنات", "اليهود", "الحوثي"), political words, mild
curses and words with an everyday sense the tweets rarely show but news comments do
("كلاب" stray dogs, "زباله" garbage, "وسخ" dirty streets, "رخيص" cheap prices, "خرفان" Eid
sheep). Those animal and dirt words are kept only addressed to someone ("يا كلب", "ابن الكلب").
--sheet FILE writes every proposal with its figures and most frequent forms, for the next
reading (it holds words only, never a tweet).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import math
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.rules.arabic import normalize, readings, words  # noqa: E402
from moderation.text import Normalized  # noqa: E402

SEED = 13
TEST_SHARE = 20  # per cent of l-hsab's distinct texts held out


# Read by a person: every entry is an insult, profanity or slur in itself. The data decides
# which of them are written (support and precision on the training portions); an entry below
# the bar is printed and left out. Groups become the comments of the YAML file.
REVIEWED: dict[str, dict[str, list[str]]] = {
    "abuse": {
        "profanity and sexual insults": [
            "كس", "كسم", "زب", "زبي", "طيز", "انيك", "ينيك", "منيوك", "متناك", "معرص", "عرص",
            "شرموط", "شراميط", "قحب", "عاهر", "ديوث", "دياثه", "خنيث", "خرا", "خره", "احا",
            "مشفوح",
        ],
        "curses aimed at the reader": [
            # "يلعن ابوك", never "يلعن ابو": "يلعن ابو الغلا" (damn the prices) curses no one.
            "يلعنك", "يلعنكم", "يلعن ابوك", "يلعن امك", "يلعن روحك", "تفو عليك", "تفو عليكم", "انقبر",
        ],
        "son of ...": [
            "ابن كلب", "بن كلب", "ولاد كلب", "بنت كلب", "ابن وسخه", "ولاد وسخه", "بنت وسخه",
            "ابن حرام",
        ],
        # The bare words are often literal in news comments: stray dogs, garbage, dirty streets.
        "insults addressed to someone": [
            "يا كلب", "يا كلاب", "يا حمار", "يا حمير", "يا حيوان", "يا بهيم", "يا بهايم", "يا جحش",
            "يا خنزير", "يا خنازير", "يا بغل", "يا بقر", "يا جزمه", "يا صرمايه", "يا زباله", "يا وسخ",
            "يا وصخ", "يا واطي", "يا حقير", "يا قذر", "يا منحط", "يا وضيع", "يا تافه", "يا غبي",
            "يا متخلف", "يا معفن", "يا عره", "يا حشره", "يا وقح", "يا هبيل", "يا جبان", "يا كذاب",
            "يا منافق", "يا خاين", "يا خونه", "يا عميل", "يا مرتزق", "يا نجس", "يا نكره", "يا عبيد",
            "يا خول", "يا ساقط", "يا قرد", "يا عديم", "انت حمار", "انت كلب",
        ],
        "insults in themselves": ["سافل", "حثاله"],
    },
    "slurs": {
        # Not "صفوي": the Safavid dynasty is history as well as a sneer at Iranians.
        "sectarian and racial slurs": ["مجوس", "مجوسي", "رافضي", "روافض", "نواصب", "زنجي"],
    },
}


@dataclass(frozen=True)
class Row:
    """One labelled text: abusive (any offence) and hateful (offence aimed at an identity)."""

    text: str
    abuse: bool
    hate: bool


def read_osact4(path: Path) -> list[Row]:
    """Tab-separated lines: text, OFF or NOT_OFF, HS or NOT_HS."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        text, off, hs = line.rsplit("\t", 2)
        rows.append(Row(text, off == "OFF", hs == "HS"))
    return rows


def read_osact5(path: Path) -> list[Row]:
    """The CSV read line by line, as PROVENANCE.md documents: every line is one row.

    Most lines are CSV (Id,Tweet,Offensive,Hate,Vulgar,Violence). A block was left tab-separated
    inside an unterminated quote: its lines ("<id>\\t<text>\\t<labels>") are split on tabs; the
    opening line ('<id>,"<text>\\t<labels>') too; the closing one ('<id>\\t<text>",<labels>') takes
    the labels after the last '",'. Ids must then run 1, 2, 3... with no gap.
    """
    rows, ids = [], []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if re.match(r"\d+\t", line) and line.count("\t") >= 5:
            row_id, *parts = line.split("\t")
            text, (off, hate) = "\t".join(parts[:-4]), parts[-4:-2]
        elif re.match(r"\d+\t", line):
            row_id, rest = line.split("\t", 1)
            text, _, labels = rest.rpartition('",')
            off, hate = labels.split(",")[:2]
        elif re.match(r'\d+,"', line) and line.count("\t") >= 4:
            head, *labels = line.split("\t")
            row_id, text = head.split(",", 1)
            text, (off, hate) = text[1:], labels[:2]
        else:
            [record] = list(csv.reader(io.StringIO(line)))
            row_id, text, off, hate = record[:4]
        ids.append(int(row_id))
        rows.append(Row(text, off == "OFF", hate.startswith("HS")))
    if ids != list(range(ids[0], ids[0] + len(ids))):
        raise ValueError(f"{path}: ids do not run without a gap; the recovery no longer fits the file")
    return rows


def read_lhsab(path: Path) -> list[Row]:
    """Tab-separated with a header (Tweet, Class) and CSV quoting: three tweets span two lines."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        return [Row(r["Tweet"], r["Class"] in ("abusive", "hate"), r["Class"] == "hate") for r in reader]


def in_test(text: str, seed: int = SEED) -> bool:
    """A fixed seed's coin for one distinct text: the same text always lands on the same side."""
    digest = hashlib.sha256(f"{seed}:{text.strip()}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100 < TEST_SHARE


def load_corpora(data_root: Path) -> dict[str, dict[str, list[Row]]]:
    """{corpus: {"train": rows, "test": rows}}; held-out texts are removed from every train portion."""
    base = Path(data_root) / "arabic"
    lhsab = read_lhsab(base / "l-hsab" / "L-HSAB")
    corpora = {
        "osact4": {"train": read_osact4(base / "osact4" / "OSACT2020-sharedTask-train.txt"),
                   "test": read_osact4(base / "osact4" / "OSACT2020-sharedTask-dev.txt")},
        "osact5": {"train": read_osact5(base / "osact5-2022" / "train_data2022.csv"),
                   "test": read_osact5(base / "osact5-2022" / "dev_data2022.csv")},
        "l-hsab": {"train": [r for r in lhsab if not in_test(r.text)],
                   "test": [r for r in lhsab if in_test(r.text)]},
    }
    held_out = {key(r.text) for parts in corpora.values() for r in parts["test"]} - {""}
    for parts in corpora.values():
        parts["train"] = [r for r in parts["train"] if key(r.text) not in held_out]
    return corpora


def key(text: str) -> str:
    """A text as compared across corpora: its normalized Arabic words (mentions, links, emoji aside)."""
    return " ".join(word for word, _, _ in words(text))


def entries_of(text: str) -> dict[str, str]:
    """Every lexicon entry the rule could match in a text, with the words that would match it.

    The same reading of the same view as moderation/rules/arabic.py: each word's readings, and
    two-word entries from the readings of two words separated by white space only.
    """
    view = Normalized.of(text).folded.text
    found: dict[str, str] = {}
    before: frozenset[str] = frozenset()
    before_word, before_end = "", 0
    for word, start, end in words(view):
        own = readings(word)
        for reading in own:
            found.setdefault(reading, word)
        if before and view[before_end:start].isspace():
            for first in before:
                for reading in own:
                    found.setdefault(f"{first} {reading}", f"{before_word} {word}")
        before, before_word, before_end = own, word, end
    return found


def wilson_lower(hits: int, n: int, z: float = 1.645) -> float:
    """Lower bound of the Wilson score interval (90% two-sided by default) of hits / n."""
    if n == 0:
        return 0.0
    p = hits / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - margin) / (1 + z * z / n)


@dataclass
class Tally:
    """How often an entry occurs in training texts, in abusive and in hateful ones, and as what."""

    texts: int = 0
    abusive: int = 0
    hateful: int = 0
    forms: Counter = field(default_factory=Counter)


def tally(rows: list[Row]) -> dict[str, Tally]:
    """Every candidate entry of the texts, counted once per text."""
    tallies: dict[str, Tally] = {}
    for row in rows:
        for entry, form in entries_of(row.text).items():
            t = tallies.get(entry)
            if t is None:
                t = tallies[entry] = Tally()
            t.texts += 1
            t.abusive += row.abuse
            t.hateful += row.hate
            t.forms[form] += 1
    return tallies


def proposals(tallies: dict[str, Tally], min_support: int, min_precision: float) -> dict[str, Tally]:
    """Entries frequent enough whose share of abusive texts is surely high enough."""
    return {entry: t for entry, t in tallies.items()
            if t.texts >= min_support and wilson_lower(t.abusive, t.texts) >= min_precision}


def render(lists: dict[str, dict[str, list[str]]], args: argparse.Namespace) -> str:
    """The YAML data file: a header saying how it was made, then each list by group, words only."""
    header = f"""\
# Arabic insults, profanity and slurs for the arabic_abuse rule (moderation/rules/arabic.py).
# GENERATED by training/arabic_lexicon.py; edit REVIEWED there and run it again:
#
#     python training/arabic_lexicon.py --data-root ../shared/data \\
#         --min-support {args.min_support} --min-precision {args.min_precision}
#
# From the training portions of OSACT 2020, OSACT 2022 and L-HSAB (80% of its texts, seed {SEED}),
# never their held-out portions: an entry is kept when it occurs in at least {args.min_support}
# training tweets, the lower bound of the Wilson 90% interval of its share of offensive tweets
# is at least {args.min_precision}, and a reader of Arabic judged it an insult, profanity or slur
# in itself. The corpora are not in this repository and nothing of them is here but these words.
# Entries are normalized as the rule reads comments (no harakat or tatweel, alef forms as ا,
# ى as ي, ة as ه, no doubled letters); clitics ("ال", "و", "يا", "ك", "ها"...) are never listed.
# Figures: benchmarks/results/arabic_abuse.md.
"""
    out = [header]
    for name, groups in lists.items():
        out.append(f"\n{name}:\n")
        for comment, entries in groups.items():
            out.append(f"  # {comment}\n")
            out.extend(f"  - {entry}\n" for entry in entries)
    return "".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, default=ROOT.parent / "shared" / "data",
                        help="the folder holding arabic/osact4, arabic/osact5-2022 and arabic/l-hsab")
    parser.add_argument("--out", type=Path, default=ROOT / "moderation" / "rules" / "data" / "arabic_abuse.yaml")
    parser.add_argument("--min-support", type=int, default=4, help="training texts an entry must occur in")
    parser.add_argument("--min-precision", type=float, default=0.6,
                        help="lowest Wilson 90%% lower bound of an entry's share of offensive texts")
    parser.add_argument("--sheet", type=Path, help="also write every proposal with its figures here (TSV)")
    args = parser.parse_args(argv)
    corpora = load_corpora(args.data_root)
    for name, parts in corpora.items():
        sizes = ", ".join(f"{split} {len(rows)} ({sum(r.abuse for r in rows)} offensive, "
                          f"{sum(r.hate for r in rows)} hateful)" for split, rows in parts.items())
        print(f"{name}: {sizes}")
    tallies = tally([row for parts in corpora.values() for row in parts["train"]])
    proposed = proposals(tallies, args.min_support, args.min_precision)
    lists: dict[str, dict[str, list[str]]] = {}
    print("\nlist\tentry\ttexts\toffensive\thateful\tlower bound")
    for name, groups in REVIEWED.items():
        lists[name] = {}
        for comment, entries in groups.items():
            kept = []
            for entry in entries:
                entry = " ".join(normalize(part) for part in entry.split())
                t = tallies.get(entry, Tally())
                mark = "" if entry in proposed else "\tbelow the bar: left out"
                print(f"{name}\t{entry}\t{t.texts}\t{t.abusive}\t{t.hateful}\t"
                      f"{wilson_lower(t.abusive, t.texts):.2f}{mark}")
                if entry in proposed and entry not in kept:
                    kept.append(entry)
            lists[name][comment] = kept
    reviewed = {e for groups in lists.values() for entries in groups.values() for e in entries}
    print(f"\n{len(proposed)} proposals, {len(reviewed)} written, {len(proposed) - len(reviewed)} not kept")
    if args.sheet:
        rows = sorted(proposed.items(), key=lambda item: (-wilson_lower(item[1].abusive, item[1].texts), item[0]))
        args.sheet.write_text("".join(
            f"{entry}\t{t.texts}\t{t.abusive}\t{t.hateful}\t{wilson_lower(t.abusive, t.texts):.2f}\t"
            f"{'kept' if entry in reviewed else ''}\t{', '.join(f'{f}:{c}' for f, c in t.forms.most_common(4))}\n"
            for entry, t in rows), encoding="utf-8")
    args.out.write_text(render(lists, args), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
