"""The incitement rule: every case of tests/cases/incitement.jsonl, disguises, spans, guards and settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.errors import ConfigError
from moderation.rules.incitement import Incitement
from moderation.rules.sentences import SENTENCE_REACH

from .rule_helpers import cost_over_prose, load_cases, run

CASES = Path(__file__).parent / "cases" / "incitement.jsonl"
ACTIONS = {"identity_hate": "reject", "incitement": "reject"}
POLICY = "No racist remarks or racial or religious incitement against any group of people."


def make_rule(actions=ACTIONS) -> Incitement:
    return Incitement(rule=POLICY, identity_hate_message="Racist remarks are not published.",
                      incitement_message="Incitement against a group is not published.", actions=actions)


@pytest.fixture(scope="module")
def rule() -> Incitement:
    return make_rule()


@pytest.mark.parametrize("case", load_cases(CASES))
def test_case(rule, case):
    verdicts = run(rule, case["text"])
    assert [(v.reason.code, v.reason.action) for v in verdicts] == (
        [(case["code"], case["action"])] if case["code"] else []), case["note"]


def test_case_file_has_enough_of_every_kind():
    cases = [p.values[0] for p in load_cases(CASES)]
    for code in ("identity_hate", "incitement"):
        positives = [c for c in cases if c["code"] == code]
        near = [c for c in cases if c["kind"] == "hard_negative" and code in c["note"]]
        assert len(positives) >= 40 and len(near) >= 40, code
    assert sum(c["kind"] == "criticism" for c in cases) >= 30
    assert all(c["kind"] in ("positive", "hard_negative", "criticism") for c in cases)
    assert all((c["code"] is None) == (c["kind"] != "positive") for c in cases)


def test_reason_names_the_policy_the_rule_and_its_message(rule):
    [verdict] = run(rule, "All Copts are traitors.")
    reason = verdict.reason
    assert (reason.code, reason.policy, reason.action, reason.source) == (
        "identity_hate", "incitement", "reject", "rule")
    assert reason.rule == POLICY
    assert reason.message == "Racist remarks are not published."
    assert reason.score is None
    [verdict] = run(rule, "Kick all the Syrians out!")
    assert verdict.reason.message == "Incitement against a group is not published."


@pytest.mark.parametrize("text, found", [
    ("Syrians are rats", "Syrians are rats"),
    ("S y r i a n s are rats", "S y r i a n s are rats"),                    # spaced letters
    ("Syr1ans are r@ts", "Syr1ans are r@ts"),                                # leetspeak
    ("Syri\u0430ns are rats", "Syri\u0430ns are rats"),                      # Cyrillic a
    ("Syr\u200bians are rats", "Syr\u200bians are rats"),                    # zero-width space
    ("\uff33\uff59\uff52\uff49\uff41\uff4e\uff53 are rats",                  # fullwidth
     "\uff33\uff59\uff52\uff49\uff41\uff4e\uff53 are rats"),
    ("Syriaaaans are raaaats", "Syriaaaans are raaaats"),                    # stretched letters
    ("SYRIANS   ARE   RATS", "SYRIANS   ARE   RATS"),                        # shouted, spaced out
    ("Syrians-are-rats", "Syrians-are-rats"),                                # hyphens for spaces
    ("\u202eSyrians are rats\u202c", "Syrians are rats"),                    # bidi controls around it
])
def test_disguises_are_seen_through_with_the_span_the_commenter_wrote(rule, text, found):
    [verdict] = run(rule, f"Honestly, {text}. That is all.")
    assert [s.text for s in verdict.reason.spans] == [found]


def test_one_verdict_per_code_with_every_span_in_order(rule):
    text = "Copts are snakes. Jews are pigs. Kill all the Jews, burn their churches!"
    verdicts = run(rule, text)
    assert [v.reason.code for v in verdicts] == ["identity_hate", "incitement"]
    assert [s.text for s in verdicts[0].reason.spans] == ["Copts are snakes", "Jews are pigs"]
    assert [s.text for s in verdicts[1].reason.spans] == ["Kill all the Jews", "burn their churches"]


@pytest.mark.parametrize("text", [
    "Israel's government are liars.", "The Iranian regime is a cancer.", "Expel the Israeli ambassador.",
    "The Sudanese army should be kicked out of Khartoum.", "Kick the Americans out of Iraq.",
    "Boycott Israeli products.", "Death to the occupation.", "The French government should be sacked.",
])
def test_a_state_its_army_and_its_products_are_not_a_people(rule, text):
    assert run(rule, text) == []


@pytest.mark.parametrize("text", [
    "Not all Syrians are thieves.", "Some Syrians are thieves, like some Egyptians.",
    "It is a myth that Syrians are thieves.", "Those who say Syrians are thieves are wrong.",
    "Chanting 'Syrians out' is shameful.", "'Kick the Syrians out,' the banner read.",
    "So Syrians are thieves now?", "We Egyptians are lazy, admit it.",
    "Extremists want to kill all Copts.", "The Nazis tried to exterminate the Jews.",
])
def test_distancing_reporting_and_condemning_are_excused(rule, text):
    assert run(rule, text) == []


@pytest.mark.parametrize("text, code", [
    ("I think all Syrians are thieves.", "identity_hate"),                 # the commenter's own view
    ("My uncle says all Syrians are thieves and he is right.", "identity_hate"),  # endorsed
    ("Syrians out! It is shameful how many they are.", "incitement"),      # condemnation without a quote
    ("I want to kick all the Syrians out.", "incitement"),
])
def test_owning_a_view_is_not_reporting_it(rule, text, code):
    assert [v.reason.code for v in run(rule, text)] == [code]


def test_actions_are_configurable_per_code():
    text = "All Copts are traitors and should be banned from the army."
    review = make_rule({"identity_hate": "review", "incitement": "reject"})
    assert [(v.reason.code, v.reason.action) for v in run(review, text)] == [
        ("identity_hate", "review"), ("incitement", "reject")]
    ignore = make_rule({"identity_hate": "ignore", "incitement": "review"})
    assert [(v.reason.code, v.reason.action) for v in run(ignore, text)] == [("incitement", "review")]


@pytest.mark.parametrize("actions", [
    {"identity_hate": "delete"}, {"incitment": "reject"}, {"identity_hate": "accept"},
])
def test_bad_settings_fail_at_start_up(actions):
    with pytest.raises(ConfigError):
        make_rule(actions)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([
    "all", "Copts", "Syrians", "are", "r@ts", "traitors", "kick", "out", "the", "not", "'", "\"", "!",
    "?", ",", ".", "shameful", "said", "should", "be", "banned", "S y r", "\u200b", "\u0430", "-", "  ",
]), max_size=40).map(" ".join))
def test_any_mix_gives_at_most_one_verdict_per_code_with_spans_into_the_text(rule, text):
    verdicts = run(rule, text)
    assert len({v.reason.code for v in verdicts}) == len(verdicts) <= 2
    for verdict in verdicts:
        spans = verdict.reason.spans
        assert all(a.end < b.start for a, b in zip(spans, spans[1:]))


def test_a_sentence_reaches_a_bounded_distance_from_the_match(rule):
    # A "sentence" with no full stop in thousands of characters is no sentence: what follows a
    # match is read for SENTENCE_REACH characters, so each match reads a bounded window.
    near = "They say Syrians are rats and " + "really " * 3 + "I agree"
    far = "They say Syrians are rats and " + "really " * (SENTENCE_REACH // 7 + 1) + "I agree"
    assert [v.reason.code for v in run(rule, near)] == ["identity_hate"]
    assert run(rule, far) == []


@pytest.mark.parametrize("text", [
    "Syrians are rats! " * 3600,
    # No sentence ends: when every match read the rest of the text, these took 1-2 s.
    "Every Copt is a traitor in his heart, believe me " * 1300,
    "They say Syrians are rats and I agree " * 1700,
    "jews r pigs and apes like the quran says " * 1500,
    "kick " * 13000,
    "a" * 65536,
    "Syrians " + "a" * 65000 + " are rats",
    " ".join(["the"] * 16000),
])
def test_hostile_64k_comments_are_scanned_in_linear_time(rule, text):
    """A match every few words, each checked against its guards, costs about ten times prose,
    the same at 16k and 64k characters; the texts without sentence ends cost 90-320 times
    prose when every match read the rest of the text."""
    assert cost_over_prose(lambda ctx: list(rule(ctx)), text) < 30
