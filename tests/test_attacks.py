"""The attacks rule: insults aimed at readers, named people and writers; criticism stays published."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderation.decision import CommentContext
from moderation.errors import ConfigError
from moderation.rules.attack_grammar import load_grammar
from moderation.rules.attack_line import spell
from moderation.rules.attacks import Attacks

from .rule_helpers import cost_over_prose

CASES = Path(__file__).parent / "cases" / "attacks.jsonl"
LINES = [(n, json.loads(line)) for n, line in enumerate(CASES.read_text(encoding="utf-8").splitlines(), 1)
         if line.strip()]


def make_rule(**actions: str) -> Attacks:
    return Attacks(abuse_rule="No personal attacks against any person.",
                   writers_rule="No personal attacks against our reporters and writers.",
                   personal_attack_message="Personal attacks on {target} are not published.",
                   attack_on_writer_message="Criticism is welcome; attacks on {target} are not published.",
                   actions=actions)


@pytest.fixture(scope="module")
def rule() -> Attacks:
    return make_rule()


def reasons(rule: Attacks, text: str):
    """The rule's reasons for a text, each span checked to index the original text."""
    found = [v.reason for v in rule(CommentContext.build(text))]
    for reason in found:
        assert all(text[s.start:s.end] == s.text and s.text for s in reason.spans), reason.spans
    return found


@pytest.mark.parametrize("case", [c for _, c in LINES], ids=[f"line{n}" for n, _ in LINES])
def test_case_file(rule, case):
    found = reasons(rule, case["text"])
    expected = [(case["code"], case["action"])] if case["code"] else []
    assert [(r.code, r.action) for r in found] == expected, case["note"]


def test_case_file_has_enough_positives_and_hard_negatives():
    kinds = [(c["code"], c["kind"]) for _, c in LINES]
    for code in ("personal_attack", "attack_on_writer"):
        assert kinds.count((code, "positive")) >= 40
    negatives = sum(1 for code, _ in kinds if code is None)
    assert negatives >= sum(1 for code, _ in kinds if code is not None)
    assert kinds.count((None, "criticism")) >= 40


@pytest.mark.parametrize("text, target", [
    ("You are a clown.", "another reader"),
    ("Sisi is a clown.", "a named person"),
    ("The minister is a clown.", "a named person"),
])
def test_personal_attack_message_names_the_target(rule, text, target):
    [reason] = reasons(rule, text)
    assert (reason.code, reason.policy, reason.source) == ("personal_attack", "abuse", "rule")
    assert reason.message == f"Personal attacks on {target} are not published."
    assert reason.rule == "No personal attacks against any person."
    assert reason.score is None


def test_attack_on_writer_names_the_writer_and_the_writers_policy(rule):
    [reason] = reasons(rule, "The columnist is a paid hack.")
    assert (reason.code, reason.policy, reason.action) == ("attack_on_writer", "writers", "reject")
    assert reason.message == "Criticism is welcome; attacks on the writer are not published."
    assert reason.rule == "No personal attacks against our reporters and writers."


def test_a_reader_and_a_named_person_give_one_reason_naming_both(rule):
    [reason] = reasons(rule, "You are a fool and Erdogan is a liar.")
    assert "another reader and a named person" in reason.message
    assert [s.text for s in reason.spans] == ["fool", "liar"]


def test_attacks_on_a_writer_and_a_reader_give_two_reasons(rule):
    found = reasons(rule, "The author is a hack. @Omar you are a donkey for agreeing.")
    assert [(r.code, [s.text for s in r.spans]) for r in found] == [
        ("personal_attack", ["donkey"]), ("attack_on_writer", ["hack"])]


@pytest.mark.parametrize("text, span", [
    ("the auth0r is an 1d10t", "1d10t"),
    ("y o u  m o r o n", "m o r o n"),
    ("You are a t r a i t o r", "t r a i t o r"),
    ("you are a cl\u043ewn", "cl\u043ewn"),                       # Cyrillic o
    ("you are a cl\u200bown", "cl\u200bown"),                      # zero-width space inside
    ("you are a \uff43\uff4c\uff4f\uff57\uff4e", "\uff43\uff4c\uff4f\uff57\uff4e"),  # fullwidth
    ("you are stuuuuupid", "stuuuuupid"),
    ("YOU ARE A LIAR", "LIAR"),
    ("you are a boot-licker", "boot-licker"),
    ("you are a b00tl1cker", "b00tl1cker"),
])
def test_disguises_are_seen_through_and_spans_point_at_what_was_written(rule, text, span):
    [reason] = reasons(rule, text)
    assert [s.text for s in reason.spans] == [span]


def test_spans_cover_every_insult_word_in_order(rule):
    text = "The minister is a shameless liar, a thief and a clown."
    [reason] = reasons(rule, text)
    assert [s.text for s in reason.spans] == ["shameless", "liar", "thief", "clown"]
    assert [s.start for s in reason.spans] == [18, 28, 36, 48]


@pytest.mark.parametrize("text, code", [
    ("The author claims the dam is fine. He is a liar.", "attack_on_writer"),
    ("The minister claims the dam is fine. He is a liar.", "personal_attack"),
    ("Dear editor, you are a coward.", "attack_on_writer"),
    ("Your article is lazy and you are a coward.", "attack_on_writer"),
    ("@Hany you are a coward.", "personal_attack"),
])
def test_he_and_you_are_resolved_to_the_writer_when_the_comment_points_at_one(rule, text, code):
    assert [r.code for r in reasons(rule, text)] == [code]


def test_actions_are_configurable_and_ignore_silences_a_code():
    rule = make_rule(personal_attack="review", attack_on_writer="ignore")
    [reason] = reasons(rule, "You are a liar and the writer is a hack.")
    assert (reason.code, reason.action) == ("personal_attack", "review")


def test_an_unknown_action_or_code_is_a_config_error():
    with pytest.raises(ConfigError):
        make_rule(personal_attack="delete")
    with pytest.raises(ConfigError):
        make_rule(insult="reject")


def test_a_missing_word_list_is_a_config_error():
    with pytest.raises(ConfigError):
        load_grammar("no_such_list")


@pytest.mark.parametrize("word, spelled", [
    ("you're", ["you", "are"]), ("ur", ["you", "are"]), ("isn't", ["is", "not"]), ("can't", ["can", "not"]),
    ("won't", ["will", "not"]), ("he's", ["he", "is"]), ("writer's", ["writer's"]), ("idiot", ["idiot"]),
])
def test_contractions_are_spelled_out(word, spelled):
    assert spell(word) == spelled


def test_a_comment_without_insult_words_yields_nothing(rule):
    assert reasons(rule, "The writer is wrong about the Nile, and the minister is wrong too.") == []
    assert reasons(rule, "") == []


@pytest.mark.parametrize("text", [
    "you are an idiot " * 3800,
    "ur a clown " * 5900,
    "idiot " * 10900,
    "the writer is a liar and " * 2600,
    "you " * 16000,
    "He is a traitor who sold Tiran and Sanafir. " * 1450,  # pronouns and no person word before them
    "\u201ctwit " * 10900,  # quotation marks: is each insult inside a quotation?
])
def test_hostile_64k_comments_are_scanned_in_linear_time(rule, text):
    """An insult every few words, each read against the words around it, costs a few tens of
    times prose of the same length; a scan that reread the text for each would cost thousands."""
    assert cost_over_prose(lambda ctx: list(rule(ctx)), text) < 60
