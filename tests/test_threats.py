"""The threats rule: explicit threats rejected, veiled ones reviewed, idioms and reporting left alone."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.decision import CommentContext
from moderation.errors import ConfigError
from moderation.rules.threats import SENTENCE_REACH, Threats, _single_quoted, load_patterns

from .rule_helpers import cost_over_prose, load_cases

CASES = Path(__file__).parent / "cases" / "threats.jsonl"
RULE_TEXT = "We will not publish comments which contain rude or abusive language ..."
MESSAGE = "Threats of violence are not published."


def make_rule(**actions: str) -> Threats:
    return Threats(rule=RULE_TEXT, message=MESSAGE, **actions)


@pytest.fixture(scope="module")
def threats() -> Threats:
    return make_rule()


def verdicts(rule: Threats, text: str) -> list:
    """The rule's verdicts, each span checked to index the original text."""
    found = list(rule(CommentContext.build(text)))
    for verdict in found:
        for span in verdict.reason.spans:
            assert text[span.start:span.end] == span.text
    return found


def action_and_spans(rule: Threats, text: str) -> tuple[str | None, list[str]]:
    found = verdicts(rule, text)
    assert len(found) <= 1
    return (found[0].reason.action, [s.text for s in found[0].reason.spans]) if found else (None, [])


@pytest.mark.parametrize("case", load_cases(CASES))
def test_case_file(threats, case):
    found = verdicts(threats, case["text"])
    assert [(v.reason.code, v.reason.action) for v in found] == (
        [(case["code"], case["action"])] if case["code"] else []), case["note"]


def test_case_file_has_enough_of_each_kind():
    cases = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]
    count = {kind: sum(c["kind"] == kind for c in cases) for kind in ("positive", "hard_negative", "criticism")}
    explicit = sum(c["action"] == "reject" for c in cases)
    veiled = sum(c["action"] == "review" for c in cases)
    assert explicit >= 40 and veiled >= 40
    assert count["hard_negative"] >= count["positive"]
    assert count["criticism"] >= 30


def test_the_reason_names_the_abuse_policy_and_the_rule(threats, make_ctx):
    [verdict] = threats(make_ctx("I will kill you, writer.", comment_id="c1"))
    reason = verdict.reason
    assert (reason.code, reason.policy, reason.action, reason.source) == ("threat", "abuse", "reject", "rule")
    assert (reason.rule, reason.message, reason.score) == (RULE_TEXT, MESSAGE, None)
    assert [s.text for s in reason.spans] == ["I will kill you"]
    assert threats.name == "threats"


@pytest.mark.parametrize("text, span", [
    ("I will k1ll y0u", "I will k1ll y0u"),                               # leetspeak
    ("I will k i l l you", "I will k i l l you"),                         # spaced letters
    ("I will k.i.l.l you", "I will k.i.l.l you"),                         # dotted letters
    ("I wiiill kiiiiill youuu", "I wiiill kiiiiill youuu"),               # stretched letters
    ("I will \u043aill you", "I will \u043aill you"),                     # Cyrillic ka
    ("I will ki\u200bll you", "I will ki\u200bll you"),                   # zero-width space inside
    ("I W\u0130LL KILL YOU", "I W\u0130LL KILL YOU"),                     # capitals, dotted I
    ("\uff29 will kill you", "\uff29 will kill you"),                     # fullwidth I
    ("We\u2019ll slaughter you", "We\u2019ll slaughter you"),             # curly apostrophe
    ("I'll  shoot   you", "I'll  shoot   you"),                           # extra spaces
])
def test_disguises_are_seen_through_and_spans_point_at_what_was_written(threats, text, span):
    assert action_and_spans(threats, f"Listen, {text}, traitor.") == ("reject", [span])


def test_explicit_and_veiled_in_one_comment_give_one_reject_with_both_spans(threats):
    text = "I know where you live. We will kill you."
    assert action_and_spans(threats, text) == ("reject", ["I know where you live", "We will kill you"])


@pytest.mark.parametrize("actions, text, expected", [
    ({"explicit": "review"}, "I will kill you", "review"),
    ({"explicit": "ignore"}, "I will kill you", None),
    ({"veiled": "reject"}, "Watch your back, writer.", "reject"),
    ({"veiled": "ignore"}, "Watch your back, writer.", None),
    ({"veiled": "ignore"}, "Watch your back. I will kill you.", "reject"),
])
def test_the_action_of_each_tier_is_configurable(actions, text, expected):
    assert action_and_spans(make_rule(**actions), text)[0] == expected


def test_an_unknown_action_is_a_config_error_naming_the_key():
    with pytest.raises(ConfigError, match="rules.threats.veiled"):
        make_rule(veiled="delete")


def test_a_name_must_be_capitalised_where_it_was_written(threats):
    assert action_and_spans(threats, "I will shoot Sisi")[0] == "reject"
    assert action_and_spans(threats, "Ahmed Moussa should be shot.")[0] == "review"
    assert action_and_spans(threats, "I will shoot the breeze")[0] is None
    assert action_and_spans(threats, "I will kill Time with a book")[0] is None  # a stop name


def test_a_mark_sent_by_the_commenter_makes_no_name(threats):
    assert action_and_spans(threats, "\x02sisi should be shot")[0] is None


def test_a_lower_case_word_is_never_read_as_a_name(threats):
    # Were "your" a name, "throw acid in your" would end the match before "face".
    assert action_and_spans(threats, "I am going to throw acid in your face.") == (
        "reject", ["I am going to throw acid in your face"])


@pytest.mark.parametrize("text, expected", [
    ('He wrote "we know where you live" to a journalist. Shameful.', None),   # quoted and condemned
    ('"We know where you live"', "review"),                                   # quoted, nothing more
    ("They said we will kill you all.", None),                                # reported, third person
    ("I said it and I say it again: I will kill you.", "reject"),             # the speaker's own words
    ("You said my column was weak, now I will kill you.", "reject"),          # no report of a threat
    ("We will kill you all, the militants wrote to the villagers.", None),    # attribution after
    ("We will kill you all, I promise.", "reject"),                           # the speaker's promise
])
def test_quotes_and_reports_excuse_only_what_someone_else_said(threats, text, expected):
    assert action_and_spans(threats, text)[0] == expected


@pytest.mark.parametrize("text, expected", [
    ("We will slaughter them in the derby.", None),
    ("We will slaughter them.", "reject"),
    ("Those traitors should be hanged after a fair trial.", None),
    ("Those traitors should be hanged.", "review"),
    ("We all know where the ministers live: in gated compounds.", None),
    ("We all know where the ministers live.", "review"),
])
def test_a_guard_excuses_only_within_its_context(threats, text, expected):
    assert action_and_spans(threats, text)[0] == expected


def test_a_guard_looks_only_at_the_sentence_of_the_match(threats):
    assert action_and_spans(threats, "What a derby! I will kill you.")[0] == "reject"


def test_a_sentence_reaches_a_bounded_distance_from_the_match(threats):
    # A "sentence" with no full stop in thousands of characters is no sentence: its guards are
    # looked for within SENTENCE_REACH characters of the match, so each match reads a bounded window.
    near = "We will slaughter them in the derby " + "and then " * 3
    far = "We will slaughter them " + "and then " * (SENTENCE_REACH // 9 + 1) + "in the derby"
    assert action_and_spans(threats, near)[0] is None
    assert action_and_spans(threats, far)[0] == "reject"


@pytest.mark.parametrize("text", [
    "I will kill you " * 4000,          # a threat every four words and no full stop
    "we know where you live " * 2800,
    "I will kill you 'a " * 3400,       # quotation marks that never close
    "shame " + "I will kill you 'a " * 3400,  # the same, with a cue: the quotations are looked for
    '"I will kill you" shame ' * 2700,  # quoted threats, with a cue that excuses them
    "kill " * 13000,
])
def test_hostile_64k_comments_are_scanned_in_linear_time(threats, text):
    """Each match reads a window of its sentence and the comment's quotations are found once.
    When every match read the whole text, the first of these took seconds, over a thousand times
    prose; a match every few words, each checked against its guards, costs a few tens."""
    assert cost_over_prose(lambda ctx: list(threats(ctx)), text) < 60


def test_every_pattern_has_a_name_anchors_and_a_known_tier():
    data = load_patterns()
    names = [entry["name"] for tier in ("explicit", "veiled") for entry in data[tier]]
    assert len(names) == len(set(names))
    assert all(entry.get("anchors") and entry.get("note") for tier in ("explicit", "veiled") for entry in data[tier])


def test_a_pattern_using_an_undefined_fragment_is_a_config_error():
    data = load_patterns()
    broken = {**data, "veiled": [{"name": "broken", "anchors": ["x"], "pattern": "{nowhere} you"}]}
    with pytest.raises(ConfigError, match="nowhere"):
        Threats(rule=RULE_TEXT, message=MESSAGE, patterns=broken)


def test_a_pattern_without_anchors_is_a_config_error():
    data = load_patterns()
    broken = {**data, "veiled": [{"name": "silent", "pattern": "you"}]}
    with pytest.raises(ConfigError, match="anchor"):
        Threats(rule=RULE_TEXT, message=MESSAGE, patterns=broken)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([
    "I will kill you", "we know where you live", "K\u0399LL", "k i l l", "\u200b", "\u202e", "’", "'",
    '"', " ", ".", ",", "!", "Sisi", "sh00t", "yoooou", "\u043a", "é", "\u0301", "traitor", "derby",
    "said", "people like you end up in the Nile", "ﬁ", "\n", "\x02", "Sisi should be shot",
]), max_size=12))
def test_spans_always_index_the_original_text(parts):
    verdicts(make_rule(), "".join(parts))  # asserts every span's text is the original's


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="'‘’ab_1é \n", max_size=40))
def test_single_quotations_are_what_the_lazy_regex_finds(text):
    lazy = re.compile(r"(?<!\w)['‘][^\n]*?['’](?!\w)")
    assert _single_quoted(text) == [m.span() for m in lazy.finditer(text)]
