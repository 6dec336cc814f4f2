"""The corrections policy: suggestions for obvious misspellings, never applied and never decisive."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.rules import corrections as corrections_module
from moderation.rules.corrections import ALPHABET, Corrections

from .rule_helpers import cost_over_prose


@pytest.fixture(scope="module")
def corrections() -> Corrections:
    return Corrections(keep=["inshallah", "ahly"])


def suggest(rule, ctx):
    return [(s.text, s.suggestion) for v in rule(ctx) for s in v.suggestions]


@pytest.mark.parametrize("text, expected", [
    ("The goverment should publish the budget.", [("goverment", "government")]),
    ("Did the ministry recieve the funds?", [("recieve", "receive")]),
    ("Prices of bread went up agian this week.", [("agian", "again")]),
    ("The minister's speach was long and empty.", [("speach", "speech")]),
])
def test_obvious_misspellings_get_a_fix_pointing_at_the_original(corrections, make_ctx, text, expected):
    ctx = make_ctx(text)
    assert suggest(corrections, ctx) == expected
    [verdict] = corrections(ctx)
    for s in verdict.suggestions:
        assert text[s.start:s.end] == s.text
    assert verdict.reason is None


@pytest.mark.parametrize("text", [
    "Sisi met Netanyahu and Erdogan in Sharm El-Sheikh.",       # names and places
    "Al Ahly beat Zamalek at Borg El Arab stadium.",
    "ana 3ayez a2ool enta mesh fahem haga khales",             # Arabizi
    "Le gouvernement ne comprend pas les gens ordinaires",     # another language
    "Read it at www.ahramonline.org or write to info@ahram.org",
    "inshallah the ahly fans get tickets",                     # the site's own vocabulary
    "@mohamed_eg well said, #Egypt deserves better",
    "A balanced report on the water talks with Ethiopia.",
])
def test_names_places_and_other_languages_are_not_errors(corrections, make_ctx, text):
    assert suggest(corrections, make_ctx(text)) == []


def test_at_most_the_configured_number_of_suggestions(make_ctx):
    rule = Corrections(max_suggestions=2)
    text = "The goverment did not recieve the criticsm about the budjet and the inflaton in the country."
    assert len(suggest(rule, make_ctx(text))) == 2


def test_suggestions_never_change_the_decision(moderator):
    text = "The goverment should publish the budget."
    decision = moderator.check(text)
    assert decision.decision == "accept"
    assert [s.to_dict() for s in decision.suggestions] == [
        {"start": 4, "end": 13, "text": "goverment", "suggestion": "government"}]
    assert decision.to_dict()["suggestions"][0]["suggestion"] == "government"


@pytest.mark.parametrize("text", [
    "the cocksuck of my " * 3400,        # an unknown word without a fix, thousands of times
    "the qwertyuiopasd of my " * 2700,   # a longer one: its edits cost more
    "the goverment and " * 3600,         # one with a fix
])
def test_a_repeated_unknown_word_costs_no_more_than_prose(corrections, text):
    """Each distinct word's edits are looked up once (these cost 0.6-2 times prose); looked up
    at every occurrence, the first two cost 30 and 66 times prose."""
    assert cost_over_prose(lambda ctx: list(corrections(ctx)), text) < 10


def one_edit_away(word: str) -> set[str]:
    """Every string one delete, swap, replace or insert away from word, as the textbook writes it."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b}
            | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b[1:] for a, b in splits if b for c in ALPHABET}
            | {a + c + b for a, b in splits for c in ALPHABET})


_WORDS = ["government", "receive", "again", "speech", "minister", "budget", "the", "a", "parliament"]


def _misspell(word: str, i: int, c: str, how: int) -> str:
    before, after = word[:i], word[i:]
    return [before + after[1:], before + c + after, before + c + after[1:],
            before + after[1:2] + after[:1] + after[2:]][how]


# Dictionary words with a letter dropped, added or changed, or two letters swapped, and random
# letters: most have a fix.
misspelled = st.builds(_misspell, st.sampled_from(_WORDS), st.integers(0, 9), st.sampled_from(ALPHABET),
                       st.integers(0, 3)) | st.text(ALPHABET, min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(word=misspelled)
def test_the_fix_is_the_most_frequent_word_one_edit_away(corrections, word):
    frequency = corrections.frequency
    known = [w for w in one_edit_away(word) if w in frequency]
    expected = max(known, key=lambda w: (frequency[w], w)) if known else None
    assert corrections._fix(word) == expected


def test_fixes_are_remembered_across_comments_within_a_bound(monkeypatch, make_ctx):
    monkeypatch.setattr(corrections_module, "MEMO_WORDS", 2)
    rule = Corrections()
    looked_up = []
    fix = rule._fix
    monkeypatch.setattr(rule, "_fix", lambda word: looked_up.append(word) or fix(word))
    for _ in range(2):
        assert suggest(rule, make_ctx("The goverment should publish the budget.")) == [("goverment", "government")]
    assert looked_up == ["goverment"]  # the second comment's fix came from the memo
    for word, right in [("recieve", "receive"), ("agian", "again"), ("speach", "speech")]:
        assert suggest(rule, make_ctx(f"Did the ministry {word} the funds?")) == [(word, right)]
        assert len(rule._memo) <= 2
