"""The defamation rule: every case of tests/cases/defamation.jsonl, the two policies, disguises, spans and guards."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.errors import ConfigError
from moderation.rules import defamation
from moderation.rules.defamation import Defamation, load_lexicon

from .rule_helpers import cost_over_prose, load_cases, run

CASES = Path(__file__).parent / "cases" / "defamation.jsonl"
ABUSE = "We will not publish comments which contain ... libelous statements, slander and personal attacks."
WRITERS = "We will not publish personal attacks, slander or fabrications directed against our reporters."
MESSAGE = "Accusations of crimes or fabrication against a person are held for a moderator to check."


@pytest.fixture(scope="module")
def rule() -> Defamation:
    return Defamation(rule=ABUSE, writers_rule=WRITERS, message=MESSAGE)


def found(rule, text):
    """{policy: [span texts]} of the rule's verdicts."""
    return {v.reason.policy: [s.text for s in v.reason.spans] for v in run(rule, text)}


@pytest.mark.parametrize("case", load_cases(CASES))
def test_case(rule, case):
    verdicts = run(rule, case["text"])
    expected = [(case["code"], case["action"], case["policy"])] if case["code"] else []
    assert [(v.reason.code, v.reason.action, v.reason.policy) for v in verdicts] == expected, case["note"]


def test_case_file_has_enough_of_every_kind():
    cases = [p.values[0] for p in load_cases(CASES)]
    assert all(c["kind"] in ("positive", "hard_negative", "criticism") for c in cases)
    assert all((c["code"] is None) == (c["kind"] != "positive") for c in cases)
    assert all(c["action"] == "review" for c in cases if c["code"])  # never reject, never accept
    positives = Counter(c["policy"] for c in cases if c["kind"] == "positive")
    near = Counter(c["policy"] for c in cases if c["kind"] == "hard_negative")
    for policy in ("abuse", "writers"):
        assert positives[policy] >= 40 and near[policy] >= positives[policy], policy
    assert sum(c["kind"] == "criticism" for c in cases) >= 30


def test_reason_names_the_policy_the_rule_and_its_message(rule):
    [verdict] = run(rule, "Minister X stole the aid money.")
    reason = verdict.reason
    assert (reason.code, reason.policy, reason.action, reason.source) == ("defamation", "abuse", "review", "rule")
    assert (reason.rule, reason.message, reason.score) == (ABUSE, MESSAGE, None)
    [verdict] = run(rule, "The reporter took money from NATO to write this.")
    assert (verdict.reason.policy, verdict.reason.rule) == ("writers", WRITERS)


@pytest.mark.parametrize("text, spans", [
    ("Minister X stole the aid money.", ["Minister X", "stole the aid money"]),
    ("The governor of Giza took bribes.", ["governor of Giza", "took bribes"]),
    ("The judge was bribed.", ["judge", "bribed"]),
    ("My neighbour Ahmed is a thief.", ["neighbour Ahmed", "is a thief"]),
    ("He's a thief, everyone knows it.", ["He's a thief"]),
    ("The aid money was stolen by the governor of Giza.", ["stolen", "governor"]),
    ("The minister of supply Ali Moselhy pocketed the subsidy money.",
     ["minister of supply Ali Moselhy", "pocketed the subsidy money"]),
])
def test_spans_cover_the_accused_and_the_accusation(rule, text, spans):
    assert found(rule, text) == {"abuse": spans}


@pytest.mark.parametrize("text, spans", [
    ("The writer is paid by the Muslim Brotherhood.", ["writer", "paid by the Muslim Brotherhood"]),
    ("This journalist fabricated the interview.", ["journalist", "fabricated the interview"]),
    ("He invented the quotes.", ["He", "invented the quotes"]),
    ("Whoever wrote this is on Qatar's payroll.", ["Whoever wrote this", "on Qatar's payroll"]),
    ("The interview was fabricated by this reporter, shame.", ["fabricated", "reporter"]),
])
def test_accusations_against_the_sites_writers_fall_under_the_writers_policy(rule, text, spans):
    assert found(rule, text) == {"writers": spans}


@pytest.mark.parametrize("text, accusation", [
    ("Minister X st0le the aid m0ney.", "st0le the aid m0ney"),                       # leetspeak
    ("Minister Adel s t o l e the aid money.", "s t o l e the aid money"),            # spaced letters
    ("Minister Adel s.t.o.l.e the aid money.", "s.t.o.l.e the aid money"),            # dotted letters
    ("Minister X sto\u200ble the aid money.", "sto\u200ble the aid money"),          # zero-width space
    ("Minister X \u0455tole the aid money.", "\u0455tole the aid money"),             # Cyrillic dze
    ("Minister X \uff53\uff54\uff4f\uff4c\uff45 the aid money.", "\uff53\uff54\uff4f\uff4c\uff45 the aid money"),
    ("Minister X stoooooole the aid money.", "stoooooole the aid money"),             # stretched
    ("MINISTER X STOLE THE AID MONEY", "STOLE THE AID MONEY"),                        # capitals
])
def test_disguises_are_seen_through_and_spans_keep_what_was_written(rule, text, accusation):
    spans = found(rule, text)["abuse"]
    assert accusation in spans


def test_one_verdict_per_policy_with_every_span_merged(rule):
    text = ("The governor took bribes and the writer is paid by Qatar. "
            "The governor took bribes from contractors, and the writer fabricated the quotes.")
    result = found(rule, text)
    assert set(result) == {"abuse", "writers"}
    assert result["abuse"] == ["governor", "took bribes", "governor", "took bribes"]
    assert result["writers"] == ["writer", "paid by Qatar", "writer", "fabricated the quotes"]


@pytest.mark.parametrize("text", [
    "The court convicted the governor of taking bribes.",                   # a court
    "According to prosecutors, the governor took bribes.",                  # an official source
    "The governor allegedly took bribes.",                                  # reported
    "Did the governor take bribes?",                                        # a question
    "If the governor took bribes, he must go.",                             # a hypothesis
    "There is no evidence that the governor took bribes.",                  # a denial
    "The governor never took bribes.",                                      # negated
    "The governor would take bribes if he could.",                          # modal
    "A governor took bribes somewhere.",                                    # nobody in particular
    "The government took bribes.",                                          # an institution
    "The governor stole the show.",                                         # a metaphor
])
def test_what_is_published_stays_published(rule, text):
    assert run(rule, text) == []


def test_a_negated_court_does_not_excuse_the_accusation(rule):
    assert set(found(rule, "He was never convicted of anything, but he stole billions.")) == {"abuse"}


def test_a_presupposing_why_question_still_accuses(rule):
    assert set(found(rule, "Why did the minister steal the aid money?")) == {"abuse"}
    assert run(rule, "Why does nobody investigate how the minister stole the aid money?") == []


def test_lexicon_loads_and_every_list_holds_strings():
    lexicon = load_lexicon()
    assert {"families", "writer_nouns", "person_titles", "attributions"} <= set(lexicon)
    with pytest.raises(ConfigError):
        load_lexicon("no_such_list")


def test_a_yaml_boolean_in_a_list_is_refused(monkeypatch):
    class Fake:
        def joinpath(self, *parts):
            return self

        def read_text(self, encoding):
            return "gap_words: [is, no, was]\n"

    monkeypatch.setattr(defamation, "files", lambda package: Fake())
    with pytest.raises(ConfigError, match="gap_words"):
        load_lexicon()


PIECES = st.sampled_from([
    "the", "writer", "Minister", "X", "stole", "is", "a", "thief", "paid", "by", "he's", "s t o l e", "was", "bribed",
    "?", ".", ",", "if", "court", "made", "up", "quotes", "\u200b", "\u0130", "\ufb01", "Sawiris", "stoooole", "him",
    "on", "payroll", "'s", "\u2019", "-", "\n", "\u00df", "\u0301", "1", "$"])


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=30).map(" ".join) | st.text(max_size=200))
def test_spans_always_index_the_original_text(rule, text):
    run(rule, text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["is", "was", "he", "he's", "it's", "that's", "who", "'s", "’s", "a", "the",
                                 "very", "thief", "=", ",", "\n", "x"]), max_size=12).map(" ".join),
       st.sampled_from(["", " ", "  "]))
def test_the_last_copula_is_found_by_matching_as_by_searching(words, tail):
    left = words + tail
    found = [m and (m.span("copula"), m.span("between"))
             for m in (defamation._COPULA.search(left), defamation._COPULA.match(left))]
    assert found[0] == found[1]


@pytest.mark.parametrize("text", [
    "he stole " * 7000,
    "Minister X is a thief " * 3000,
    "the writer is paid by Qatar, " * 2200,
    "made " * 13000,
    "by " * 20000 + "stolen by",
    "a b " * 16384,
    "Syrians = thieves " * 3600,  # a predicate with no copula before it: each took 3 ms to rule out
])
def test_hostile_64k_comments_are_scanned_in_linear_time(rule, text):
    """Every trigger reads a bounded window and at most a few hundred are read."""
    assert cost_over_prose(lambda ctx: list(rule(ctx)), text) < 20
