"""Helpers shared by the rule tests."""

from __future__ import annotations

from moderation.decision import CommentContext


def run(rule, text: str) -> list:
    """The rule's verdicts, each span checked to index the original text."""
    verdicts = list(rule(CommentContext.build(text)))
    for verdict in verdicts:
        assert verdict.reason.spans
        for span in verdict.reason.spans:
            assert 0 <= span.start < span.end <= len(text)
            assert text[span.start:span.end] == span.text
    return verdicts
