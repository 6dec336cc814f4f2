"""The rules' exact shortcuts, each held equal to the slower way it replaces, on every case file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from moderation.decision import CommentContext
from moderation.rules import build_rules
from moderation.rules import language, threats, wordlists
from moderation.rules.wordlists import WordList, load_terms
from moderation.settings import load_settings
from moderation.text import _LEET_HINT, _deleet, _fold, _unconfuse

ROOT = Path(__file__).resolve().parent.parent
CASE_TEXTS = [json.loads(line)["text"] for path in sorted((ROOT / "tests" / "cases").glob("*.jsonl"))
              for line in path.read_text("utf-8").splitlines() if line.strip()]
# Disguises, links, marks and leetspeak the case files may hold too few of.
EXTRA = ["fuuuuck you", "what a clusterfuck", "f*cking m\u200boron", "sh1t and a$$hole", "c++ and A55 and B52",
         "motherf.u.c.k.e.r", "l'auteur a écrit", "visit http://x.eg/a or @user", "ya 7aga 3ayez",
         "مَرْحَبًا بِكُمْ", "cafe\u0301 crème", "it’s the writer’s fault", "a_fuck_b", "fu\x00ck", "1d10t!!"]
TEXTS = CASE_TEXTS + EXTRA


@pytest.fixture(scope="module")
def word_lists() -> list[WordList]:
    rules = build_rules(load_settings(ROOT / "config.yaml"))
    return [rule for rule in rules if isinstance(rule, WordList)]


def test_case_files_are_read():
    assert len(CASE_TEXTS) > 500


def test_word_lists_without_inside_spellings_find_the_same_where_no_stem_is(word_lists):
    tried = 0
    for rule in word_lists:
        for text in TEXTS:
            views = CommentContext.build(text).views
            for scanned in (wordlists.mark_stretched(views.skeleton), views.folded.text):
                if rule._inside is not None and rule._inside.search(scanned) is None:
                    tried += 1
                    full = [(m.span(), m.lastindex) for m in rule._pattern.finditer(scanned)]
                    assert [(m.span(), m.lastindex) for m in rule._without_inside.finditer(scanned)] == full, text
    assert tried > len(TEXTS)


def test_word_lists_still_find_inside_spellings():
    rule = WordList(code="abusive_language", policy="abuse", rule="", message="", terms=load_terms("abusive_language"),
                    actions={"severe": "reject", "mild": "review"})
    verdicts = list(rule(CommentContext.build("what a clusterfuck, and a motherfuuucking mess")))
    assert [s.text for s in verdicts[0].reason.spans] == ["clusterfuck", "motherfuuucking"]


def test_marked_skeleton_is_reused_only_for_the_same_view():
    for text in TEXTS:
        skeleton = CommentContext.build(text).views.skeleton
        assert wordlists.mark_stretched(skeleton) == wordlists._mark_stretched(skeleton), text
        assert wordlists.mark_stretched(skeleton) == wordlists._mark_stretched(skeleton), text


def _language_words_slow(text: str, findall: bool) -> list:
    """The words the regexes for marked text find: they suit any text, only more slowly."""
    marked = language._PATTERNS[True]
    if findall:
        return (marked["findall"] if language._may_skip(text) else marked["words"]).findall(text)
    pattern = marked["skipping"] if language._may_skip(text) else marked["words"]
    return [(m.span(), m.lastgroup) for m in pattern.finditer(text)]


def test_language_words_are_those_of_the_full_regex():
    for text in TEXTS:
        folded = CommentContext.build(text).views.folded.text
        assert language._word_pattern(folded, findall=True).findall(folded) == _language_words_slow(folded, True)
        assert [(m.span(), m.lastgroup) for m in language._word_pattern(folded).finditer(folded)] == \
            _language_words_slow(folded, False), text


def _deleet_both(text: str) -> None:
    folded = _fold(text)
    parts = _unconfuse((folded[0], list(folded[1]), list(folded[2])))
    assert _deleet(parts)[0] == _deleet(parts, hints=_LEET_HINT)[0], text


def test_leetspeak_hints_found_from_the_digit_change_the_same_letters():
    for text in TEXTS:
        _deleet_both(text)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab10345$@!|+ .-", max_size=24))
def test_leetspeak_hints_on_any_mix_of_letters_digits_and_symbols(text):
    _deleet_both(text)


def test_threat_anchor_words_are_the_words_of_the_collapsed_text():
    for text in TEXTS:
        skeleton = CommentContext.build(text).views.skeleton.text
        slow = frozenset(threats._LETTERS.findall(threats._DOUBLE.sub(r"\1", skeleton)))
        assert threats.anchor_words(skeleton) == slow, text
