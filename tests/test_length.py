"""The length policy: at most 1000 code points after trimming, and never empty."""

from __future__ import annotations

import pytest

from moderation.rules.length import Length


@pytest.fixture
def length() -> Length:
    return Length(max_chars=1000, rule="limit 1000", too_long_message="limit {limit}, got {count}",
                  empty_message="empty")


def codes(rule, ctx):
    return [v.reason.code for v in rule(ctx)]


def test_exactly_the_limit_is_allowed(length, make_ctx):
    assert codes(length, make_ctx("a" * 1000)) == []


def test_one_over_the_limit_is_rejected_with_count_and_limit(length, make_ctx):
    [verdict] = length(make_ctx("a" * 1001))
    assert verdict.reason.code == "too_long"
    assert verdict.reason.action == "reject"
    assert verdict.reason.policy == "length"
    assert verdict.reason.message == "limit 1000, got 1001"


def test_surrounding_whitespace_is_not_counted(length, make_ctx):
    assert codes(length, make_ctx("  \n" + "a" * 1000 + "\t  ")) == []


def test_length_counts_code_points_not_bytes(length, make_ctx):
    # 1000 Arabic letters are 2000 UTF-8 bytes and 1000 emoji are 4000: both are allowed.
    assert codes(length, make_ctx("ب" * 1000)) == []
    assert codes(length, make_ctx("😀" * 1000)) == []
    assert codes(length, make_ctx("😀" * 1001)) == ["too_long"]


def test_span_points_at_the_part_past_the_limit(length, make_ctx):
    text = "   " + "a" * 1000 + "OVER" + "  "
    [verdict] = length(make_ctx(text))
    [span] = verdict.reason.spans
    assert text[span.start:span.end] == span.text == "OVER"


@pytest.mark.parametrize("text", ["", " ", "\n\t  ", "\u3000", "\u200b\u200d", " \u202e\u2066 "])
def test_empty_or_blank_is_rejected(length, make_ctx, text):
    assert codes(length, make_ctx(text)) == ["empty"]
