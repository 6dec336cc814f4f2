"""Where a match's sentence ends, for the rules whose guards read the rest of its sentence."""

from __future__ import annotations

import re

SENTENCE_END = re.compile(r"[.!?\n]")
# How far a match's sentence reaches either side, for its guards. Real sentences are far
# shorter; without a bound, a long text with no full stop made every match read all of it,
# and a 60,000-character comment of repeated matches took seconds.
SENTENCE_REACH = 400


def sentence_end(text: str, end: int) -> int:
    """The end of the sentence that goes on at ``end``: its stop, or SENTENCE_REACH characters on."""
    after = min(len(text), end + SENTENCE_REACH)
    stop = SENTENCE_END.search(text, end, after)
    return stop.start() if stop else after
