"""What the model reads: the skeleton view of a comment, and what becomes of the names of groups.

Hate corpora name some groups far more often in hate than anywhere else ("moslems", "Jews",
"refugees"), so a model that reads the names learns that naming those groups is abuse: it
held "Muslim communities celebrated the holiday" for review, and explained the hold by
pointing at "Muslim". The served model reads comments *without* the names of groups.yaml
(input "skeleton-groups-removed"): it judges what is said ("vermin", "deport them all"),
and which group is named is left to the rules (moderation/rules/incitement.py), which know
the groups and whether a sentence attacks, reports or condemns.

Other inputs, measured side by side in benchmarks/results/model_input.md:

- "skeleton": the names as written;
- "skeleton-groups-unified": every form of a group's name as one word ("moslems" reads
  "muslim"), which fixes the spelling but not the group;
- "skeleton-groups-masked": every group as one placeholder word, which gives "Egyptians"
  and "Americans", named all the time in news comments, the weight that hate corpora give
  to the groups they attack.

This works on the words the features read (features.WORD): training rewrites whole texts
(``group_text``) and serving rewrites a comment's words (``group_words``, in scorer.py),
and both give the features the same words. A manifest records the input its model was
trained on ("input"), and serving gives the model that same input.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any, Iterator, Mapping

import numpy as np

from ..errors import ModelError
from ..rules.incitement import load_data
from ..text import Normalized
from .features import WORD

SKELETON = "skeleton"
UNIFIED = "skeleton-groups-unified"
MASKED = "skeleton-groups-masked"
REMOVED = "skeleton-groups-removed"
INPUTS = (SKELETON, UNIFIED, MASKED, REMOVED)

POSSESSIVE = "'s"
# The masked input's one word for every group: a letter the skeleton view never contains
# (it folds look-alike letters such as this one to plain ASCII).
PLACEHOLDER = "ᴳ"

# A name's first word -> (the words that must follow it, the group's one word), longest first.
Names = dict[str, tuple[tuple[tuple[str, ...], str], ...]]


def check_input(kind: str) -> str:
    if kind not in INPUTS:
        raise ModelError(f"model input {kind!r} is unknown; known: {', '.join(INPUTS)}")
    return kind


def input_of(manifest: Mapping[str, Any]) -> str:
    """What a model reads, checked; models from before the choice read the skeleton."""
    return check_input(str(manifest.get("input", SKELETON)))


def model_text(text: str, kind: str) -> str:
    """What a model trained on input ``kind`` reads of a comment."""
    skeleton = Normalized.of(text).skeleton.text
    return skeleton if check_input(kind) == SKELETON else group_text(skeleton, kind)


def names_digest(kind: str) -> str | None:
    """The sha256 of the group names input ``kind`` rewrites (None for the plain skeleton): a
    manifest records it, so a list edited after training shows as a model reading other text."""
    if check_input(kind) == SKELETON:
        return None
    # Sorted all through: the order of names of one length follows set iteration, which differs
    # from process to process.
    canonical = {first: sorted([list(rest), word] for rest, word in rests) for first, rests in _names(kind).items()}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode("utf-8")).hexdigest()


@lru_cache(maxsize=2)
def _names(kind: str) -> Names:
    """Every name of groups.yaml by its first word. A one-word name is also found as a possessive."""
    index: dict[str, dict[tuple[str, ...], str]] = {}
    for group in load_data("groups.yaml")["groups"]:
        if kind == MASKED:
            word = PLACEHOLDER
        elif kind == REMOVED:
            word = ""  # no word at all
        else:
            word = "".join(WORD.findall(group["term"].lower()))  # "asylum seeker" -> "asylumseeker"
        for key in ("singular", "plural", "adjective"):
            # Forms with an everyday sense ("black", "foreign") only inside a longer name
            # ("black people"): in "a black car" the word says nothing about a group.
            for form in set(group[key]) - set(group.get("everyday", ())):
                first, *rest = WORD.findall(form)
                index.setdefault(first, {}).setdefault(tuple(rest), word)
                if not rest:
                    index.setdefault(first + POSSESSIVE, {}).setdefault((), word and word + POSSESSIVE)
    return {first: tuple(sorted(rests.items(), key=lambda r: len(r[0]), reverse=True))
            for first, rests in index.items()}


def group_words(words: list[str], spans: np.ndarray, kind: str) -> tuple[list[str], np.ndarray]:
    """The words with each group name written as input ``kind`` writes it, and each word's [start, end).

    A name of several words becomes one word spanning them all, or none when names are
    removed. Returns the arguments themselves when no name is there (most comments: one
    set operation).
    """
    names = _names(kind)
    if names.keys().isdisjoint(words):
        return words, spans
    # "Upper Egypt" opens no name as "Upper Egyptians" does: most comments whose words begin a
    # name hold none whole, and are told so without a loop in Python over every word.
    if not _holds_name(words, names, names.keys() & words):
        return words, spans
    found = list(_rewritten(words, names))
    return ([word for _, _, word in found],
            np.array([(spans[first][0], spans[end - 1][1]) for first, end, _ in found],
                     dtype=np.int64).reshape(-1, 2))


def group_text(text: str, kind: str) -> str:
    """The text's words with its group names written as ``group_words`` writes them."""
    words = WORD.findall(text)
    names = _names(kind)
    if names.keys().isdisjoint(words):
        return text
    # Every word as the features read it, one space apart: a name rewritten or removed leaves
    # the words around it as they were.
    return " ".join(word for _, _, word in _rewritten(words, names))


def _holds_name(words: list[str], names: Names, present: set[str]) -> bool:
    """Whether a whole name stands in words, given the words that begin one (``present``)."""
    for first in present:
        rests = names[first]
        if any(not rest for rest, _ in rests):
            return True  # the word is a name by itself
        i = -1
        try:
            while True:
                i = words.index(first, i + 1)
                if any(tuple(words[i + 1:i + 1 + len(rest)]) == rest for rest, _ in rests):
                    return True
        except ValueError:
            pass
    return False


def _rewritten(words: list[str], names: Names) -> Iterator[tuple[int, int, str]]:
    """(first, end, word): the words ``words[first:end]`` written as ``word``, for each word kept."""
    i = 0
    while i < len(words):
        end, word = i + 1, words[i]
        for rest, unified in names.get(words[i], ()):
            if tuple(words[i + 1:i + 1 + len(rest)]) == rest:
                end, word = i + 1 + len(rest), unified
                break
        if word:
            yield i, end, word
        i = end
