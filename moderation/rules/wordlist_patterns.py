"""Compiles word-list terms into one regex per rule, plus the matcher for masked words ("f*ck").

Term syntax (one term per line of a word list, lower case):

    idiot                  the word, on word boundaries of the views: "idiotic" does not match
    idiot{,s,ic}           declared variants: idiot, idiots, idiotic (any number of brace groups)
    son of a bitch         a phrase: between words up to two spaces, hyphens or underscores, or none
    cunt*                  the word followed by any letters: cunts, cuntish (the stem must start a word)
    *fuck*                 the stem anywhere inside a word: clusterfuck, motherfucking

Letter counts are exact, except that a stretched run ("fuuuck", "asssss") may stand for one or two.
Only stems that no innocent word contains get a '*': "cunt*" but never "*cunt*" (Scunthorpe).
"""

from __future__ import annotations

import re
from itertools import groupby, product
from typing import Callable, NamedTuple, TypeVar

from ..errors import ConfigError
from ..text_tables import fold_string

WORD = r"[^\W_]"           # letters and digits; "_" separates words like a space
_START = rf"(?<!{WORD})"
_END = rf"(?!{WORD})"
_GAP = r"[ \-_]{0,2}"       # between the words of a phrase
_END_KEY, _REST_KEY = "", "*"  # trie keys for "a term ends here" and "any letters may follow"
_BRACES = re.compile(r"\{([^{}]*)\}")
# Stands for the second letter of a stretched run in the text the rule scans: "fuuuuck" -> "fu\0ck".
STRETCHED = "\x00"
# Masked words in the skeleton: letters, then runs of '*' or '#' each followed by more letters.
_LETTERS = r"[^\W\d_](?:[^\W\d_]|\x00)*"
MASKED_WORD = re.compile(rf"(?<![^\W_])(?<![*#]){_LETTERS}(?:[*#]+{_LETTERS})+(?![^\W_])(?![*#])")
# Words whose last letters are masked ("f***", "bull****"): which word is hidden is a guess.
TRAILING_MASK = re.compile(rf"(?<![^\W_])(?<![*#]){_LETTERS}[*#]{{2,}}(?![^\W_])(?![*#])")
_MASK_RUN = re.compile(r"([*#]+)")
# Both patterns try every word of a text, which costs more than the rest of the rule; a masked
# word lies in a run of word characters, NULs and masks that holds a mask (mask_window).
_MASK = re.compile(r"[*#]")
_RUN = re.compile(r"[\w\x00*#]*")
_MAX_MASKED = 40            # longer masked "words" are not words: skip them
T = TypeVar("T")


def mask_window(text: str) -> tuple[int, int] | None:
    """Where masked words can be: from the start of the first mask's run of word characters,
    NULs, '*' and '#', to the end of the last mask's run; None without a mask.

    Scanned with ``pattern.finditer(text, start, end)``, it gives the same MASKED_WORD and
    TRAILING_MASK matches as the whole text: a match holds a mask and lies inside such a run,
    the lookbehinds still see the text before ``start``, and the character at ``end`` (neither
    a word character nor a mask) lets a match end there just as the end of the text does.
    """
    first = _MASK.search(text)
    if first is None:
        return None
    # The run left of the first mask is the run right of it in the reversed text.
    before = _RUN.match(text[::-1], len(text) - first.start())
    last = max(text.rfind("*"), text.rfind("#"))
    return first.start() - (before.end() - before.start()), _RUN.match(text, last).end()


class Form(NamedTuple):
    """One concrete spelling of a term, with its wildcards."""

    text: str
    any_prefix: bool
    any_suffix: bool


def expand(term: str) -> list[Form]:
    """All spellings a term declares."""
    spelled = " ".join(fold_string(term).split())
    core = spelled.strip("*")
    if not core or "*" in core or "{" in _BRACES.sub("", core) or "}" in _BRACES.sub("", core):
        raise ConfigError("terms", f"cannot read term {term!r}")
    parts = _BRACES.split(core)
    choices = [part.split(",") if i % 2 else [part] for i, part in enumerate(parts)]
    return [Form("".join(combo).strip(), spelled.startswith("*"), spelled.endswith("*"))
            for combo in product(*choices) if "".join(combo).strip()]


def _units(text: str) -> list[str]:
    """The regex fragments of one spelling: letters counted exactly, spaces and hyphens are gaps."""
    units = []
    for char, run in groupby(text):
        count = len(list(run))
        if char in " -":
            units.append(_GAP)
        elif char.isalpha():
            # Letter counts are exact ("asses" must not match "assess") except where the commenter
            # stretched a letter: there the skeleton's second letter is marked STRETCHED, and the
            # run may stand for one letter or two. Bounded counts keep the scan linear.
            letter = re.escape(char)
            units.append(letter + STRETCHED + "?" if count == 1 else f"{letter}[{letter}{STRETCHED}]")
        else:
            units.extend([re.escape(char)] * count)
    return units


class _Trie:
    """Spellings with shared prefixes factored out, so a scan tries each letter once per word start.

    Where a spelling ends, an empty capturing group records its group: the match's lastindex
    then says which group matched, without trying one alternative per group.
    """

    def __init__(self) -> None:
        self.root: dict = {}
        self.group_of_capture: list[int] = []

    def add(self, form: Form, group: int) -> None:
        node = self.root
        for unit in _units(form.text):
            node = node.setdefault(unit, {})
        key = _REST_KEY if form.any_suffix else _END_KEY
        node[key] = min(node.get(key, group), group)  # a spelling in two groups: the most severe

    def render(self, node: dict | None = None) -> str:
        node = self.root if node is None else node
        alternatives = [unit + self.render(child) for unit, child in sorted(node.items())
                        if unit not in (_END_KEY, _REST_KEY)]
        for key, tail in ((_REST_KEY, WORD + "*" + _END), (_END_KEY, _END)):
            if key in node:
                self.group_of_capture.append(node[key])
                alternatives.append(tail + "()")
        return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"


def compile_groups(groups: list[list[Form]]) -> tuple[re.Pattern[str] | None, list[int]]:
    """One regex for all groups, and for each capturing group (from 1) the index of its group."""
    pattern, _, _, captures = compile_split(groups)
    return pattern, captures


def compile_split(groups: list[list[Form]]) -> tuple[
        re.Pattern[str] | None, re.Pattern[str] | None, re.Pattern[str] | None, list[int]]:
    """compile_groups' regex, that regex without its '*stem*' spellings, the stems alone, and the captures.

    A stem found anywhere in the text is tried from the start of every word: most of a scan's
    time. Where the stems regex finds nothing, the inside spellings cannot match, and the regex
    without them finds the same matches with the same capture numbers (theirs are numbered last).
    """
    whole, inside = _Trie(), _Trie()
    for index, forms in enumerate(groups):
        for form in forms:
            (inside if form.any_prefix else whole).add(form, index)
    whole_source = whole.render() if whole.root else None
    inside_source = inside.render() if inside.root else None
    alternatives = [source for source in (whole_source, inside_source and WORD + "*?" + inside_source) if source]
    if not alternatives:
        return None, None, None, []
    # Captures are numbered in the order they open, which is the order they were rendered.
    captures = [-1] + whole.group_of_capture + inside.group_of_capture
    pattern = re.compile(_START + "(?:" + "|".join(alternatives) + ")")
    if inside_source is None:
        return pattern, pattern, None, captures
    without = re.compile(_START + "(?:" + whole_source + ")") if whole_source else None
    return pattern, without, re.compile(inside_source), captures


class MaskedMatcher:
    """The group of a masked word, whose '*'/'#' runs hide letters between its first and last."""

    def __init__(self, groups: list[list[Form]]) -> None:
        # Spellings by first and last letter (both always visible), most severe group first, so the
        # first fit is the worst reading; and by first letter alone, for words masked to their end.
        self._by_ends: dict[tuple[str, str], list[tuple[str, int]]] = {}
        self._by_first: dict[str, list[tuple[str, int]]] = {}
        for index, forms in enumerate(groups):
            for form in forms:
                spelling = form.text.replace(" ", "").replace("-", "")
                self._by_ends.setdefault((spelling[:1], spelling[-1:]), []).append((spelling, index))
                if not form.any_prefix:
                    self._by_first.setdefault(spelling[:1], []).append((spelling, index))
        self._cache: dict[str, int | None] = {}
        self._trailing: dict[str, bool] = {}

    def group_of(self, word: str) -> int | None:
        return None if len(word) > _MAX_MASKED else _remembered(self._cache, word, self._search)

    def _search(self, word: str) -> int | None:
        masks = [len(piece) for piece in _MASK_RUN.split(word)[1::2]]
        best = None
        for reading in _readings(word):
            letters = _MASK_RUN.split(reading)[0::2]
            for spelling, group in self._by_ends.get((letters[0][0], letters[-1][-1]), ()):
                if (best is None or group < best) and _fits(spelling, letters, masks):
                    best = group
                    break
        return best

    def hides_a_term(self, word: str) -> bool:
        """Whether a word with its last letters masked ("f***", "bull****") may be a listed
        spelling: the letters shown begin it, and the mask hides one letter fewer to one more
        than it has characters (commenters count loosely)."""
        return len(word) <= _MAX_MASKED and _remembered(self._trailing, word, self._ending_fits)

    def _ending_fits(self, word: str) -> bool:
        shown, mask = _MASK_RUN.split(word)[:2]
        hidden = range(max(1, len(mask) - 1), len(mask) + 2)
        return any(spelling.startswith(reading) and len(spelling) - len(reading) in hidden
                   for reading in _readings(shown) for spelling, _ in self._by_first.get(reading[:1], ()))


def _remembered(cache: dict[str, T], word: str, compute: Callable[[str], T]) -> T:
    """compute(word), kept in cache; bounded, so a hostile comment cannot grow it forever."""
    try:
        return cache[word]
    except KeyError:
        pass
    if len(cache) > 4096:
        cache.clear()
    value = cache[word] = compute(word)
    return value


def _readings(word: str) -> list[str]:
    """Every way to read a marked word, a stretched letter standing for one letter or two."""
    parts = word.split(STRETCHED)
    if len(parts) > 4:  # more than three stretches in one word: read each as one letter
        return ["".join(parts)]
    readings = [parts[0]]
    for part in parts[1:]:
        readings = [reading + extra + part for reading in readings for extra in ("", reading[-1:])]
    return readings


def _fits(spelling: str, letters: list[str], masks: list[int]) -> bool:
    """Whether spelling is letters[0], 1 to mask+2 hidden letters, letters[1], ..., letters[-1]."""

    def place(i: int, pos: int) -> bool:
        if i == len(masks):
            return pos == len(spelling)
        piece = letters[i + 1]
        return any(spelling.startswith(piece, pos + hidden) and place(i + 1, pos + hidden + len(piece))
                   for hidden in range(1, masks[i] + 3))

    return spelling.startswith(letters[0]) and place(0, len(letters[0]))
