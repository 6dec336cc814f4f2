"""Hostile comments: pieces of text whose repetition, to any length, each rule must read in linear time.

Shared by tests/test_hostile.py and benchmarks/hostile.py, so both try the very same pieces.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .rule_helpers import PROSE, repeat

ROOT = Path(__file__).resolve().parent.parent
__all__ = ["PROSE", "pieces", "repeat"]  # what benchmarks/hostile.py takes from here

SPECIAL = ['"', "'", "“", "«", "'a ", '"a ', "(", "[", "http://x.co/", "a@b.c ", "@user ", "#tag ", "!!!", "?",
           "...", "\u200b", "\u202e", "ع", "عرب ", "ااااا", "AAAA ", "f u c k ", "f.u.c.k ", "fuuuuuuuck ",
           "sh1t ", "$h!t ", "😀", "🖕 ", "you ", "you are ", "your ", "he is a ", "they are ", "all ", "not ",
           "no ", "kill ", "Mr. ", "Dr. ", "writer ", "author ", "the author is a liar ", "liar ", "idiot ",
           "\n", "\n\n", " ", "-", "_", "*", "1", "1234567890", "a", "ab", "I", "i ", "the ", "Jews ",
           "Muslims ", "Christians ", "Copts ", "Egyptians ", "should be ", "must be ", "deserve ", "go back ",
           "wrote ", 'said "', "quote: "]


def pieces() -> list[tuple[str, str]]:
    """(kind, piece) for every piece of text a hostile comment repeats, each once."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "tests" / "cases").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                text = json.loads(line)["text"]
                found.setdefault(text + " ", path.stem)
                found.setdefault(re.sub(r"[.!?]", " ", text) + " ", path.stem + ", no full stops")
    for path in sorted((ROOT / "moderation" / "wordlists").glob("*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                # A term's first spelling: "{sons,descendants} of {apes and pigs,...}" -> "sons of apes and pigs".
                term = re.sub(r"\{([^{},]*)[^{}]*\}", r"\1", line.split("\t")[0])
                found.setdefault(term + " ", "word list")
                found.setdefault(term, "word list, glued")
                found.setdefault(term[0] + "*" * (len(term) - 1) + " ", "word list, masked")
    for piece in SPECIAL:
        found.setdefault(piece, "special")
    # Quotation marks and brackets around what the rules look for: each insult or threat is
    # then checked against the comment's quotations.
    for mark in ('"', "'", "“", "«", "(", "‘"):
        for said in ("twit ", "you are an idiot ", "I will kill you ", "Syrians are rats ", "he stole "):
            found.setdefault(mark + said, "quoted")
    return [(kind, piece) for piece, kind in found.items()]
