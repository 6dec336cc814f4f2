"""The language rule: Arabic, Arabizi and other languages held; English with Arabic words left alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from moderation.decision import CommentContext
from moderation.errors import ConfigError
from moderation.rules.language import Language, load_words, parse_words

CASES = Path(__file__).parent / "cases" / "language.jsonl"
MESSAGE = "Comments are published in English; this one appears to be written mostly in {language}."
LINES = [(number, json.loads(line)) for number, line in enumerate(CASES.read_text("utf-8").splitlines(), 1)
         if line.strip()]


@pytest.fixture(scope="module")
def words():
    return load_words()


@pytest.fixture(scope="module")
def rule(words):
    return Language(rule="", message=MESSAGE, words=words)


def run(rule, text, **metadata):
    verdicts = list(rule(CommentContext.build(text, metadata)))
    for verdict in verdicts:
        for span in verdict.reason.spans:
            assert text[span.start:span.end] == span.text
    return verdicts


def spans(rule, text, **metadata):
    [verdict] = run(rule, text, **metadata)
    return [span.text for span in verdict.reason.spans]


@pytest.mark.parametrize("case", [case for _, case in LINES], ids=[f"line{number}" for number, _ in LINES])
def test_case_file(rule, case):
    verdicts = run(rule, case["text"])
    found = [(v.reason.code, v.reason.action) for v in verdicts]
    expected = [(case["code"], case["action"])] if case["code"] else []
    assert found == expected, case["note"]


def test_case_file_has_enough_of_each_kind():
    kinds = [case["kind"] for _, case in LINES]
    assert kinds.count("positive") >= 40
    assert kinds.count("hard_negative") >= 40
    assert kinds.count("criticism") >= 15


def test_reason_names_the_service_policy_and_what_was_found(rule):
    [verdict] = run(rule, "الحكومة دي فاشلة ومش عارفة تعمل أي حاجة")
    reason = verdict.reason
    assert (reason.code, reason.policy, reason.action, reason.source) == (
        "unsupported_language", "service", "review", "rule")
    assert reason.message == MESSAGE.format(language="Arabic")
    [arabizi] = run(rule, "ana mesh fahem leh el 7okooma bet3mel keda")
    assert arabizi.reason.message.endswith("Arabizi (Arabic in Latin letters).")
    [french] = run(rule, "Je suis d'accord avec l'auteur, c'est la vérité")
    assert french.reason.message.endswith("another language.")


@pytest.mark.parametrize("action", ["review", "reject"])
def test_action_is_configurable(words, action):
    rule = Language(rule="", message=MESSAGE, words=words, action=action)
    [verdict] = run(rule, "ya 3am enta 7mar w mesh fahem 7aga")
    assert verdict.reason.action == action


def test_accept_emits_nothing(words):
    rule = Language(rule="", message=MESSAGE, words=words, action="accept")
    assert run(rule, "ya 3am enta 7mar w mesh fahem 7aga") == []


def test_bad_settings_fail_at_start(words):
    with pytest.raises(ConfigError, match="rules.language.action"):
        Language(rule="", message=MESSAGE, words=words, action="ignore")
    with pytest.raises(ConfigError, match="unsupported_language"):
        Language(rule="", message="In {lang}.", words=words)


def test_a_word_in_two_lists_is_refused():
    text = "labels: {arabic: A, arabizi: B, other: C}\nenglish: the bas\nenglish_accented: café\n" \
           "neutral: eid\narabizi: {strong: bas, weak: ya}\nother: {strong: les, weak: la}\n"
    with pytest.raises(ConfigError, match="bas"):
        parse_words(text, "test.yaml")
    with pytest.raises(ConfigError, match="malformed"):
        parse_words("english: the\n", "test.yaml")


def test_shared_words_count_but_name_no_language(words):
    assert words.cues["el"] == (0.5, None)  # Arabizi and Spanish
    assert words.cues["keda"] == (1.0, "arabizi")


@pytest.mark.parametrize("text", [
    "ke\u200bda ke\u200bda el mashro3 da msh hayenga7",     # zero-width space inside a word
    "ｙａ ３ａｍ ｅｎｔａ ７ｍａｒ ｍｅｓｈ ｆａｈｅｍ",              # fullwidth letters and digits
    "ANA MESH FAHEM LEH EL 7OKOOMA BET3MEL KEDA",        # shouted
    "ana mesh fahem leeeeh el 7okooma bet3mel keda",     # stretched letters
    "ana \u202emesh\u202c fahem leh el 7okooma keda",    # bidi controls
])
def test_disguised_arabizi_is_seen_through(rule, text):
    [verdict] = run(rule, text)
    assert "Arabizi" in verdict.reason.message


def test_digits_stay_digits_so_arabizi_is_read_from_the_folded_view(rule):
    # The skeleton view turns "3ayez" into "eayez": reading it would lose every digit cue.
    ctx = CommentContext.build("3ayez a2ool 7aga")
    assert "3ayez" in ctx.views.folded.text
    assert "3ayez" not in ctx.views.skeleton.text
    assert run(rule, "ana 3ayez a2ool 7aga mohema")


@pytest.mark.parametrize("text", ["ok", "+1", "lol", "100%", "👍", "😂😂😂", "ya 3am", "شكرا", "Merci", "?!", ""])
def test_very_short_comments_are_left_alone(rule, text):
    assert run(rule, text) == []


def test_span_covers_the_whole_trimmed_comment_when_all_of_it_is_foreign(rule):
    text = "  \u00abالحكومة لازم تنزل الأسعار فورا\u00bb!  "
    assert spans(rule, text) == ["الحكومة لازم تنزل الأسعار فورا"]


def test_spans_point_at_the_non_english_stretches(rule):
    text = "ana mesh 3aref leh el 7okooma bet3mel keda. The prices are crazy. ya3ni eh el logic da?"
    assert spans(rule, text) == ["ana mesh 3aref leh el 7okooma bet3mel keda", "ya3ni eh el logic da"]


def test_spans_map_back_through_normalization(rule):
    text = "ke\u200bda ke\u200bda el ｍａｓｈｒｏ３ da"
    assert spans(rule, text) == [text]


def test_a_few_arabic_words_in_english_are_not_enough(rule):
    text = "I swear el 7okooma mesh fahma anything about the economy, prices keep going up"
    assert run(rule, text) == []


def test_english_hint_widens_the_margin_but_does_not_skip_the_check(rule):
    borderline = "ana mesh 3aref why el government bete3mel keda with the prices"
    assert run(rule, borderline)
    assert run(rule, borderline, language="en-GB") == []
    assert run(rule, "ana mesh 3aref leh el 7okooma bet3mel keda", language="en")
    assert run(rule, borderline, language="ar")  # only "en*" is a hint


@pytest.mark.parametrize("text", [
    "The F16 deal and the 2nd S300 contract were signed at 3pm",   # codes, ordinals, times
    "this 5tupid minister should resign before 2morrow",           # leetspeak and textspeak
    "the ministеr is lying about the wheat reserves again",        # a Cyrillic homoglyph
    "see https://ahram.org.eg/News/3ayez7aga.aspx and @ya3am_bas for the details",  # links, mentions
])
def test_digits_and_disguises_in_english_are_not_foreign(rule, text):
    assert run(rule, text) == []


def test_capitalized_cue_words_inside_a_sentence_are_names(rule):
    assert run(rule, "Grand Imam Ahmed El Tayeb met Pope Tawadros and Ana Bardo in Cairo") == []


def _scanned(rule, text: str, **metadata) -> list:
    """The rule's verdicts with its shortcut turned off: every word scanned."""
    full = Language(rule="", message=MESSAGE, words=rule.words)
    full._too_few_cues = lambda _text: False
    return list(full(CommentContext.build(text, metadata)))


ALL_CASE_TEXTS = [json.loads(line)["text"] for path in sorted(CASES.parent.glob("*.jsonl"))
                  for line in path.read_text("utf-8").splitlines() if line.strip()]


def test_the_shortcut_passes_only_what_the_full_scan_passes(rule):
    skipped = 0
    for text in ALL_CASE_TEXTS:
        for metadata in ({}, {"language": "en"}):
            if rule._too_few_cues(CommentContext.build(text, metadata).views.folded.text):
                skipped += 1
                assert _scanned(rule, text, **metadata) == [], text
    assert skipped > len(ALL_CASE_TEXTS)  # most comments never reach the scan


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["the", "minister", "3ayez", "7aga", "ya", "el", "la", "شكرا", "Cairo",
                                 "Bardo", "@user", "http://x.eg/a", "l'auteur", "2nd", "f16", "h3ll",
                                 "мир", "満", "🈵", "it’s", "wallahi", "  ", ",", "123"]), max_size=14))
def test_the_shortcut_never_passes_what_the_scan_would_hold(pieces):
    rule = Language(rule="", message=MESSAGE, words=load_words())
    text = " ".join(pieces)
    assert [v.reason.code for v in rule(CommentContext.build(text))] == \
        [v.reason.code for v in _scanned(rule, text)]
