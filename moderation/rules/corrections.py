"""The corrections policy: obvious misspellings with a likely fix, offered to the site, never decisive."""

from __future__ import annotations

import re
from typing import Iterable, Iterator

from ..decision import CommentContext, Suggestion, Verdict
from ..text_tables import INVISIBLE_CLASS
from .english import english_words

# Lower-case words only: a capital marks a name or a place, and digits or non-Latin letters
# mark Arabizi or another language, none of which are "errors". Words inside addresses,
# handles and hyphenated compounds are left alone too, and so are pieces of a disguised
# word: "cking" of "f*cking", "oron" of "m<zero-width space>oron".
_AROUND = rf"[\w@#/'’*$-]|{INVISIBLE_CLASS}"
CANDIDATE = rf"(?<![\w@#/.'’*$-])(?<!{INVISIBLE_CLASS})[a-z]{{%d,%d}}(?!{_AROUND}|\.\w)"
ALPHABET = "abcdefghijklmnopqrstuvwxyz"
# British endings and their American forms: the dictionary is American, the site's readers often are not.
BRITISH = tuple((re.compile(p), a) for p, a in (
    (r"our(s|ed|ing|ite|ites|able|ably)?$", r"or\1"), (r"(?<=[^aeiou])re(s|d)?$", r"er\1"),
    (r"is(e|es|ed|ing|ation|ations|er|ers)$", r"iz\1"), (r"ys(e|es|ed|ing)$", r"yz\1"),
    (r"mme(s)?$", r"m\1"), (r"ence(s)?$", r"ense\1"), (r"ogue(s)?$", r"og\1"),
    (r"ll(ed|ing|er|ers)$", r"l\1"), (r"yre(s)?$", r"ire\1"),
))
FUNCTION_WORDS = frozenset("""
    the of and to in is it that for on with as was are be this by at from or an not but have has had
    they we you he she his her their our its my your them us him me who which what when where why how
    will would should could can may might must do does did been being were am if so than then there
    these those all any some no more most very just about into over after before because while also
""".split())
LETTERS = re.compile(r"[^\W\d_]{2,}")
# Unknown words remembered per process with their fix (or None): misspellings recur from
# comment to comment ("dont", "goverment"), and finding a fix is most of this rule's time.
# Past the bound the memo starts again rather than tracking age.
MEMO_WORDS = 4096
_UNSEEN = object()


class Corrections:
    """Suggests the fix for lower-case words one edit away from a common English word."""

    name = "corrections"

    def __init__(self, *, min_length: int = 4, max_suggestions: int = 3, min_function_share: float = 0.15,
                 keep: Iterable[str] = ()) -> None:
        self.max_suggestions = max_suggestions
        self.min_function_share = min_function_share
        # English word frequencies from pyspellchecker; one edit away only: "obvious" errors,
        # two edits away is a guess.
        self.frequency = english_words()
        # No word longer than one edit past the longest dictionary word has a fix, and the
        # edits of a word cost the square of its length: a 60,000-letter "word" took minutes
        # and more memory than the machine has.
        longest = max(map(len, self.frequency)) + 1
        self.pattern = re.compile(CANDIDATE % (min_length, longest))
        self.keep = frozenset(w.lower() for w in keep)
        self._memo: dict[str, str | None] = {}

    def __call__(self, ctx: CommentContext) -> Iterator[Verdict]:
        # Most comments have no unknown word: the words alone (findall, no match objects) say so.
        frequency = self.frequency
        unknown = {w for w in set(self.pattern.findall(ctx.text))
                   if w not in frequency and w not in self.keep and not self._british(w)}
        if not unknown:
            return
        found = [(m.start(), m.end(), m.group()) for m in self.pattern.finditer(ctx.text)]
        # English prose is thick with function words; a comment without them is another
        # language (or not prose), and its "unknown" words are not errors.
        words = [w.lower() for w in LETTERS.findall(ctx.text)]
        if sum(w in FUNCTION_WORDS for w in words) < self.min_function_share * len(words):
            return
        suggestions = []
        memo = self._memo
        for start, end, word in found:
            if word not in unknown:
                continue
            fix = memo.get(word, _UNSEEN)
            if fix is _UNSEEN:
                fix = self._fix(word)
                if len(memo) >= MEMO_WORDS:
                    memo.clear()
                memo[word] = fix
            if fix:
                suggestions.append(Suggestion(start, end, word, fix))
                if len(suggestions) == self.max_suggestions:
                    break
        if suggestions:
            yield Verdict(suggestions=tuple(suggestions))

    def _british(self, word: str) -> bool:
        """A British spelling of a known word (colour, centre, programme, organisation) is no error."""
        return any(pattern.search(word) and pattern.sub(american, word) in self.frequency
                   for pattern, american in BRITISH)

    def _fix(self, word: str) -> str | None:
        """The most frequent dictionary word one edit away (delete, swap, replace, insert), if any."""
        n = len(word)
        edits = [word[:i] + word[i + 1:] for i in range(n)]
        edits += [word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(n - 1)]
        for i in range(n + 1):
            before, after = word[:i], word[i:]
            edits += [before + c + after for c in ALPHABET]
            if i < n:
                rest = word[i + 1:]
                edits += [before + c + rest for c in ALPHABET]
        frequency = self.frequency
        # The dictionary's keys intersected with the edits: a lookup per edit, in C.
        known = frequency.keys() & edits
        # Ties broken by the word itself, so the same comment always gets the same suggestion.
        return max(known, key=lambda w: (frequency[w], w)) if known else None
