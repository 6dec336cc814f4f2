"""Normalization views: each step with its offsets, and invariants over arbitrary Unicode."""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.text import Normalized, View
from moderation.text_tables import INVISIBLE_CLASS, fold_string


def folded(text: str) -> View:
    return Normalized.of(text).folded


def skeleton(text: str) -> View:
    return Normalized.of(text).skeleton


def original(text: str, view: View, start: int, end: int) -> str:
    s, e = view.to_original(start, end)
    return text[s:e]


# --- folded: NFKC + casefold + invisibles removed ---------------------------------------------

def test_ascii_is_lowercased_with_identity_offsets():
    view = folded("Hello, World")
    assert view.text == "hello, world"
    assert view.starts == tuple(range(12)) and view.ends == tuple(range(1, 13))


def test_fullwidth_and_math_letters_fold_to_ascii():
    assert folded("ＦＵＣＫ").text == "fuck"
    assert folded("\U0001d41f\U0001d42e\U0001d41c\U0001d424").text == "fuck"  # bold 𝐟𝐮𝐜𝐤


def test_expansions_map_every_output_char_to_their_source():
    """"ß" -> "ss", "ﬁ" -> "fi", "İ" -> "i̇": each output character points at the one that made it."""
    text = "aßﬁİ"
    view = folded(text)
    assert view.text == "assfii\u0307"
    assert view.starts == (0, 1, 1, 2, 2, 3, 3)
    assert view.ends == (1, 2, 2, 3, 3, 4, 4)
    assert original(text, view, 1, 2) == "ß"  # half of "ss" still covers the whole "ß"


def test_zero_width_and_bidi_controls_are_removed_but_covered_by_spans():
    text = "\u202ef\u200bu\u200dck\u202c!"
    view = folded(text)
    assert view.text == "fuck!"
    assert view.starts == (1, 3, 5, 6, 8)
    assert original(text, view, 0, 4) == "f\u200bu\u200dck"


def test_other_invisibles_are_removed():
    """Variation selectors, the combining grapheme joiner, soft hyphens, tags and Hangul fillers."""
    text = "i\ufe0fd\u034fi\u00ado\U000e0041t\u3164"
    assert folded(text).text == "idiot"


def test_base_and_mark_compose_and_cover_both_chars():
    text = "cafe\u0301 ok"
    view = folded(text)
    assert view.text == "café ok"
    assert view.to_original(3, 4) == (3, 5)


def test_composition_ignores_invisibles_between_base_and_mark():
    assert folded("e\u200b\u0301").text == "é"


def test_ellipsis_expands_to_three_dots_of_one_char():
    view = folded("wait…")
    assert view.text == "wait..."
    assert view.starts[4:] == (4, 4, 4)


# --- skeleton: homoglyphs, leetspeak, spaced letters, squeezed runs ----------------------------

@pytest.mark.parametrize("text, expected", [
    ("fu\u0441k", "fuck"),                  # Cyrillic es
    ("\u0456diot", "idiot"),                # Cyrillic i
    ("\u03bfk \u0440ig", "ok pig"),         # Greek omicron, Cyrillic er
    ("fück", "fuck"),                       # accent stripped
    ("ᴀss", "ass"),                         # small capital
])
def test_homoglyphs_and_accents_become_latin(text, expected):
    view = skeleton(text)
    assert view.text == expected
    assert view.starts == tuple(range(len(text)))  # one for one: offsets unchanged


def test_stacked_marks_are_dropped_and_covered():
    text = "z\u0338a\u0338p"
    view = skeleton(text)
    assert view.text == "zap"
    assert original(text, view, 0, 2) == "z\u0338a\u0338"


@pytest.mark.parametrize("text, expected", [
    ("sh1t", "shit"), ("1d10t", "idiot"), ("a$$hole", "asshole"), ("@ss", "ass"),
    ("b!tch", "bitch"), ("5h1t", "shit"), ("h3ll0 w0rld", "hello world"), ("!diot", "idiot"),
    ("s+upid", "stupid"), ("|oser", "loser"),
])
def test_leetspeak_inside_words_becomes_letters(text, expected):
    view = skeleton(text)
    assert view.text == expected
    assert original(text, view, 0, len(view.text)) == text


@pytest.mark.parametrize("text", [
    "2024", "$5", "pay $5 now", "the A55 road", "B52 bombers", "shit!", "what?!", "c++", "100%",
    "+20", "costs 5$ more", "wow!!!",
])
def test_plain_numbers_and_trailing_punctuation_stay(text):
    assert skeleton(text).text == text.lower()


@pytest.mark.parametrize("text, expected, span", [
    ("f.u.c.k off", "fuck off", "f.u.c.k"),
    ("f u c k", "fuck", "f u c k"),
    ("s-h-i-t happens", "shit happens", "s-h-i-t"),
    ("i d i o t", "idiot", "i d i o t"),
])
def test_spaced_out_letters_are_joined(text, expected, span):
    view = skeleton(text)
    assert view.text == expected
    word_end = view.text.find(" ") if " " in view.text else len(view.text)
    assert original(text, view, 0, word_end) == span


@pytest.mark.parametrize("text", ["a b", "plan a b", "I am a fan", "e.g. a cat", "U.S. policy", "a, b, c"])
def test_short_runs_and_ordinary_words_are_not_joined(text):
    assert skeleton(text).text == text.lower()


def test_long_letter_runs_are_squeezed_to_two_covering_the_run():
    text = "fuuuuck sooooo"
    view = skeleton(text)
    assert view.text == "fuuck soo"
    assert original(text, view, 0, 5) == "fuuuuck"
    assert original(text, view, 2, 3) == "uuu"  # the second kept "u" stands for the rest of the run
    assert skeleton("too good, 1000").text == "too good, 1000"  # doubles and digits untouched


def test_masks_are_kept_for_the_matcher():
    assert skeleton("f*ck f##k").text == "f*ck f##k"


def test_a_letter_touching_a_mask_is_not_joined_with_spaced_letters():
    assert skeleton("u r a f*cking idiot").text == "ura f*cking idiot"


def test_steps_compose_with_offsets_into_the_original():
    text = "Ｆ.\u0443.\u0441.k y\u200bou 1d10tttt"
    view = skeleton(text)
    assert view.text == "fyck you idiott"
    assert original(text, view, 0, 4) == "Ｆ.\u0443.\u0441.k"
    assert original(text, view, 9, 15) == "1d10tttt"


def test_to_original_rejects_empty_or_out_of_range():
    view = folded("abc")
    with pytest.raises(ValueError):
        view.to_original(1, 1)
    with pytest.raises(ValueError):
        view.to_original(0, 4)


def test_views_are_folded_then_skeleton():
    norm = Normalized.of("Sh1t")
    assert [v.name for v in norm.views()] == ["folded", "skeleton"]
    assert norm.original == "Sh1t"


def test_invisible_class_matches_every_format_control():
    """The class is built from planes 0, 1 and 14; format controls must not exist elsewhere."""
    pattern = re.compile(INVISIBLE_CLASS)
    missing = [hex(c) for c in range(sys.maxunicode + 1)
               if unicodedata.category(chr(c)) == "Cf" and not pattern.match(chr(c))]
    assert missing == []


# --- properties over arbitrary text ---------------------------------------------------------

TRICKY = ("\u200b\u200c\u200d\u202e\u2066\u00ad\ufe0f\u034f\u0301\u0308\u0338\u0345ßﬁİĳ…½"
          "\u1100\u1161\u11a8각\uff9eｶ\u0627\u064e\u05d0\u0591😀👍🏽\u0441\u0456\u03bf*#@$!|+0134578 .-_")
texts = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(TRICKY), st.sampled_from("aeiou fuck")),
                max_size=300)


def check_view(text: str, view: View) -> None:
    n = len(view.text)
    assert len(view.starts) == len(view.ends) == n
    assert all(0 <= s < e <= len(text) for s, e in zip(view.starts, view.ends))
    assert all(a <= b for a, b in zip(view.starts, view.starts[1:]))
    assert all(a <= b for a, b in zip(view.ends, view.ends[1:]))


@settings(max_examples=400, deadline=None)
@given(texts)
def test_views_keep_their_invariants(text):
    for view in Normalized.of(text).views():
        check_view(text, view)


@settings(max_examples=200, deadline=None)
@given(texts, st.data())
def test_to_original_covers_every_char_of_the_range(text, data):
    for view in Normalized.of(text).views():
        if not view.text:
            continue
        i = data.draw(st.integers(0, len(view.text) - 1))
        j = data.draw(st.integers(i + 1, len(view.text)))
        s, e = view.to_original(i, j)
        assert 0 <= s < e <= len(text)
        assert all(s <= view.starts[k] and view.ends[k] <= e for k in range(i, j))


@settings(max_examples=300, deadline=None)
@given(texts)
def test_folded_text_is_nfkc_casefold_of_the_visible_text(text):
    """Folding piece by piece gives the same text as folding the whole string at once."""
    assert folded(text).text == fold_string(re.sub(INVISIBLE_CLASS, "", text))


@settings(max_examples=200, deadline=None)
@given(texts, st.sampled_from("\u200b\u200d\u2060\ufeff\u202e\u00ad"))
def test_invisibles_anywhere_change_no_view_text(text, invisible):
    norm, spiked = Normalized.of(text), Normalized.of(invisible.join(text))
    assert (spiked.folded.text, spiked.skeleton.text) == (norm.folded.text, norm.skeleton.text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=300))
def test_ascii_folded_view_is_lowercase_one_for_one(text):
    view = folded(text)
    assert view.text == text.lower()
    assert view.starts == tuple(range(len(text)))


@settings(max_examples=10, deadline=None)
@given(st.text(min_size=1, max_size=64))
def test_long_texts_up_to_64k_chars_keep_their_invariants(seed):
    text = (seed * (65536 // len(seed) + 1))[:65536]
    for view in Normalized.of(text).views():
        check_view(text, view)
