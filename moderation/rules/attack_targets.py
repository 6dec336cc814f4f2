"""Who an insult in a comment is aimed at: another reader, a named person, the writer, or no one."""

from __future__ import annotations

import re
from bisect import bisect_left

from .attack_grammar import (
    ADJECTIVES, BLOCKING, CLAUSE, ITEM, NOT_VOCATIVE, NOUN_END, PEOPLE, REPORTING, STOP, THINGS, THREATS, WRITERS,
)
from .attack_line import Line

READER, PERSON, WRITER = "reader", "person", "writer"
_QUOTES = frozenset('"“”«»')
_QUOTED = re.compile('["“”«»]')
# After a lone "'", these are the rest of a contraction written apart ("I 'm", "it 's"), not a quotation.
_CONTRACTED = frozenset("s m re ve ll d t".split())
_SENTENCE = frozenset('.!?:;"“”«»(-—')
_PARTICLES = frozenset("el al abdel abd abu bin ibn de van".split())
_RIGHT = {"writer": WRITER, "writer_is": WRITER, "writer_who": WRITER, "role": PERSON,
          "like_you": READER, "you_are": READER}
_PLURAL = ("are", "were", "are like", "were like")
# What a subject that is a role in a work ends with: "the governor character is a fool".
_ROLES = frozenset(("character", "characters", "role", "roles"))
_OWNERS = frozenset("my your his her its our their 's".split())
_CLAUSE_END = re.compile(r"[.;!?]")


def aim(line: Line) -> list[tuple[str, tuple[int, int]]]:
    """Each insult that has a target, in order: (target, skeleton range of the insult)."""
    return _Targets(line).aim()


class _Targets:
    """Reads the words around each insult, the way a moderator would, for whom it names."""

    def __init__(self, line: Line) -> None:
        self.line, self.g, self.words, self.joined = line, line.g, line.words, line.joined
        self.aimed: dict[int, str] = {}
        self._to_writer: bool | None = None
        self._named: list[str] | None = None  # [j]: the kind of the nearest writer or person word before word j

    def aim(self) -> list[tuple[str, tuple[int, int]]]:
        words = self.words
        quotes = [k for k, w in enumerate(words) if w in _QUOTES] if _QUOTED.search(self.joined) else []
        # A lone "'" stands outside a word ("'you donkey'"; "don't" is one word): single quotes,
        # paired apart from double ones. An odd count (a plural possessive, "players'") pairs nothing.
        singles = [k for k, w in enumerate(words) if w == "'" and self.line.word(k + 1) not in _CONTRACTED] \
            if "'" in self.joined else []
        for k in sorted(self.line.kinds):
            if any(len(marks) % 2 == 0 and bisect_left(marks, k) % 2 for marks in (quotes, singles)):
                continue  # quoted words are someone else's
            target = self._target(k, self.line.kinds[k])
            if target == READER and self._writer_addressed():
                target = WRITER
            if target:
                self.aimed[k] = target
        return [(t, self.line.item_spans[k]) for k, t in self.aimed.items()]

    def _target(self, k: int, kind: int) -> str | None:
        g, line, after = self.g, self.line, self.line.word(k + 1)
        offsets = line.offsets
        if kind == THREATS:  # "the writer should be hanged"; threats at others are the threat rule's
            m = g.threat_lead.search(self.joined, offsets[max(0, k - 16)], offsets[k])
            return WRITER if m and self._subject(line.index(m.start()) - 1, "be", kind) == WRITER else None
        if kind == ADJECTIVES and after in ("of", "about", "on", "regarding", "when"):
            return None  # "ignorant of the facts" is about knowledge
        if k + 1 < len(self.words):
            for key, pattern in g.right:
                m = pattern.match(self.joined, offsets[k + 1])
                if m and (key not in ("writer", "role") or self._pointed(k, key, line.index(m.end() - 1) + 1, m)):
                    return _RIGHT[key]
            if (kind in (PEOPLE, WRITERS) or after in g.figures) and self._name_start(k + 1, 1) is not None:
                if g.fiction.search(self.joined, offsets[max(0, k - 8)], offsets[k]):
                    return None  # "in Mahfouz's novel the thief Saeed Mahran": a character
                return PERSON  # "the clown Erdogan", "traitor Sisi"
        if kind == PEOPLE and after in ("", ".", "!", "?") and self._called(k):
            return READER  # "Get a clue, moron.", "Loser!", "Pathetic loser."
        if kind == PEOPLE and not after[:1].isalnum() and self._exclaimed(k):
            return PERSON  # "What a clown!": whoever the comment is about
        if kind == WRITERS:
            return WRITER
        if kind != ADJECTIVES and not self._ends(k + 1, gerund=kind == PEOPLE) and not self._vocative(k + 1):
            return None  # "a dog lover", "this hack saves money"
        if g.denial.search(self.joined, offsets[max(0, k - 8)], offsets[k]):
            return None  # "I don't think you're an idiot", "not saying the writer is a hack"
        for key, pattern, reach, cue in g.leads:
            if cue is not None and cue.isdisjoint(self.words[max(0, k - reach):k]):
                continue  # none of the words the pattern needs is near: skip the regex
            m = pattern.search(self.joined, offsets[max(0, k - reach)], offsets[k])
            target = m and self._lead(key, m, kind, after, k)
            if target:
                return target
        return None

    def _lead(self, key: str, m: re.Match[str], kind: int, after: str, k: int) -> str | None:
        first = self.line.index(m.start())
        named = kind != ADJECTIVES or after in self.g.addressed_words  # "you stupid people"
        if key == "copula":
            return self._subject(first - 1, m.group("cop"), kind)
        if key in ("asked", "asked_writer"):
            return READER if key == "asked" else WRITER
        if key == "chain":
            return self.aimed.get(first)
        if key in ("vocative", "dismissal"):
            return READER if named and self.line.word(first - 1) not in NOT_VOCATIVE else None
        if key == "apposition":
            return self._subject(first - 1, "is", kind) if kind != ADJECTIVES else None
        # Pointing: "this clown", "these traitors"; "that" only opening a sentence.
        if self.words[first] == "that" and first and self.line.word(first - 1) not in _SENTENCE:
            return None
        if self.g.victim_cues.intersection(self.words[max(0, first - 6):first]) and \
                self.line.skeleton.text[slice(*self.line.item_spans[k])] in self.g.criminals:
            return None  # "my mother lost her savings to those thieves"
        return PERSON if (kind == PEOPLE or (kind == ADJECTIVES and named)) else None

    def _subject(self, j: int, copula: str, kind: int) -> str | None:
        """Who the words ending at word j are, if they are a target the commenter speaks of."""
        found = self._who(j, copula, kind) if j >= 0 else None
        if found is None:
            return None
        target, first = found
        if target == PERSON and self._character(first, j):
            return None  # "in the play, the governor character is a greedy fool": a role
        before = self.line.word(first - 1)
        at = first - 2 if before == "that" else first - 1
        if self.line.word(at) in REPORTING and self.line.word(at - 1) not in ("i", "we"):
            return None  # "the crowd chanted that the minister is a thief": someone else's words
        return target

    def _character(self, first: int, j: int) -> bool:
        """Whether the subject words[first..j] is a role in a work: called a character, or
        named soon after "in the play", "in the film", "in Mahfouz's novel"."""
        if self.words[j] in _ROLES:
            # "the minister's character", "his character": his nature, not a role
            before = self.line.word(j - 1)
            return not (before in _OWNERS or before.endswith(("'s", "’s")))
        offsets = self.line.offsets
        start, end = offsets[max(0, first - 12)], offsets[first]
        # Within the subject's own sentence: "perfect as the sidekick in a cheap play; as a
        # lawmaker he is a disgrace" names the play in another clause.
        start = max([start] + [m.end() for m in _CLAUSE_END.finditer(self.joined, start, end)])
        m = self.g.fiction.search(self.joined, start, end)
        # "the woman in this story": on a news site, a story is most often the report itself
        return m is not None and not m.group().endswith(("story", "tale"))

    def _who(self, j: int, copula: str, kind: int) -> tuple[str, int] | None:
        g, line, word = self.g, self.line, self.words[j]
        lo, end = line.offsets[max(0, j - 8)], line.offsets[j + 1]
        # The last word decides which subject patterns are worth running.
        m = g.reader_subject.search(self.joined, lo, end) if word in g.reader_last or word[0] == "@" else None
        if m:
            return READER, line.index(m.start())
        m = g.writer_subject.search(self.joined, lo, end) if word in g.writer_last else None
        if m and self._opens(line.index(m.start()), bare=not (m["det"] or m["who"])):
            return WRITER, line.index(m.start())
        person = word in g.person_last or "of" in self.words[max(0, j - 3):j]
        m = g.person_subject.search(self.joined, lo, end) if person else None
        if m and (m["pronoun"] or self._opens(line.index(m.start()), bare=False)):
            return (self._antecedent(j) if m["pronoun"] else PERSON), line.index(m.start())
        first = self._name_start(j, -1, kind == THINGS) if copula not in _PLURAL else None  # "Zamalek are clowns"
        return None if first is None else (PERSON, first)

    def _name_start(self, j: int, step: int, known: bool = False) -> int | None:
        """Where the person's name through word j starts (read backwards if step < 0, else forwards).

        With known, one capitalised word is not enough: "Carrefour is a joke" is no person.
        """
        g, line, names, k = self.g, self.line, [], j
        while 0 <= k < len(self.words) and len(names) < 4:
            word = self.words[k]
            capital = k not in line.kinds and line.capital(k)
            if not (word in g.figures or capital or (names and word in _PARTICLES)):
                break
            names.append(self.words[k])
            k += 1 if step > 0 else -1
        if not names or any(n in g.not_persons or n in STOP for n in names):
            return None
        first = j if step > 0 else k + 1
        before = line.word(first - 1)
        if before in g.honorifics or (before == "." and line.word(first - 2) in g.honorifics):
            return first
        if before in BLOCKING or before in g.determiners or before in ("a", "an") or before.endswith("'s"):
            return None
        if any(n in g.figures for n in names):
            return first
        if any(line.shouted(n) for n in range(first, first + len(names))):
            return None  # an acronym or shouting: no sign of a name
        # A capital opening a sentence proves nothing: "Democracy is a joke".
        return first if len(names) > 1 or (before and before not in _SENTENCE and not known) else None

    def _antecedent(self, j: int) -> str:
        """Whom "he" or "she" at word j stands for: the writer if the nearest writer or person
        word before it is a writer word."""
        if self._named is None:
            # One pass for the whole comment: read back from each pronoun, a comment of pronouns
            # and no person words took seconds.
            g, kind, self._named = self.g, PERSON, [PERSON]
            for word in self.words:
                if word in g.writer_nouns:
                    kind = WRITER
                elif word in g.roles or word in g.figures or word in g.person_words:
                    kind = PERSON
                self._named.append(kind)
        return self._named[j]

    def _opens(self, k: int, bare: bool) -> bool:
        """Whether a subject may start at word k: not the object of a preposition or possessive."""
        before = self.line.word(k - 1)
        if not before or before in _SENTENCE or not before[0].isalnum():
            return True
        return before in CLAUSE if bare else before not in BLOCKING and not before.endswith("'s")

    def _pointed(self, k: int, key: str, next_word: int, m: re.Match[str]) -> bool:
        """Whether "idiot writer", "clown president" at word k point at someone: "that idiot writer",
        "an idiot of a writer", "Stupid journalist!"; "stupid politicians" in general are no one."""
        if m.group().startswith("of ") or not self._ends(next_word):
            return m.group().startswith("of ")
        if self.g.determiner_before.search(self.joined, self.line.offsets[max(0, k - 16)], self.line.offsets[k]):
            return True
        opening = self.line.word(k - 1) in ("", *_SENTENCE)
        return key == "writer" and opening and self.line.word(next_word) in ("", ".", "!", "?")

    def _called(self, k: int) -> bool:
        """Whether the insult at word k is a name called: after a comma that ends a sentence,
        or a sentence of its own, perhaps after another insult ("Pathetic loser.")."""
        before = self.line.word(k - 1)
        if before == ",":
            return True
        if before == ITEM:
            before = self.line.word(k - 2)
        return before == "" or before in _SENTENCE

    def _exclaimed(self, k: int) -> bool:
        """Whether the insult at word k closes an exclamation of its own: "What a clown!"."""
        line = self.line
        return line.word(k - 1) in ("a", "an") and line.word(k - 2) == "what" and line.word(k - 3) in ("", *_SENTENCE)

    def _vocative(self, k: int) -> bool:
        """Whether word k, closing its sentence, is the name of the one spoken to: "you are an idiot
        Neil.", "you're a clown pbgallag!" (a user name, no English word), but not "a dog lover."
        """
        after = self.line.word(k + 1)
        if after and (after[0].isalnum() or after == ITEM or after in ":/"):
            return False  # a sentence goes on, or a link starts ("this bitch http://...")
        word = self.words[k]
        if not word[0].isalpha() or word in NOUN_END:
            return False
        return self.line.capital(k) or word not in self.g.vocabulary

    def _ends(self, k: int, gerund: bool = False) -> bool:
        """Whether a noun phrase may end before word k ("a coward hiding" if gerund)."""
        word = self.line.word(k)
        return (not word or not word[0].isalnum() or word in NOUN_END or word == ITEM
                or (gerund and word.endswith("ing")))

    def _writer_addressed(self) -> bool:
        """Whether the comment speaks to the writer ("Dear writer", "your article"): then "you" is the writer."""
        if self._to_writer is None:
            cue = not self.g.writer_cues.isdisjoint(self.words) or "@" in self.joined
            self._to_writer = cue and self.g.writer_address.search(self.joined) is not None
        return self._to_writer
