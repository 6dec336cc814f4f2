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


def load_cases(path) -> list:
    """One pytest param per case line of a JSONL case file, with the line number as its id."""
    import json

    import pytest

    lines = path.read_text(encoding="utf-8").splitlines()
    return [pytest.param(json.loads(line), id=f"L{number}") for number, line in enumerate(lines, 1) if line.strip()]
