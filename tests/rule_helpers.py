"""Helpers shared by the rule tests."""

from __future__ import annotations

import time
from typing import Callable

from moderation.decision import CommentContext

PROSE = "The council approved the budget after a long debate about water prices. "


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


def repeat(unit: str, length: int) -> str:
    """unit repeated to exactly length characters."""
    return (unit * (length // len(unit) + 1))[:length]


def prose_like(text: str) -> str:
    """Plain prose of the same length as text."""
    return repeat(PROSE, len(text))


def best_of_three(work: Callable[[], object]) -> float:
    """The least CPU time of three runs: the work done, not the time another process held the core."""
    times = []
    for _ in range(3):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return min(times)


def cost_over_prose(scan: Callable[[CommentContext], object], text: str) -> float:
    """How many times longer scan takes on text than on prose of the same length.

    Measured side by side, a ratio holds on a slow or busy machine where a time limit would
    not. A scan that is quadratic in some input costs hundreds of times prose at 64k
    characters; a linear one that finds a match in every few words, under ten. Each run
    gets a new context, so nothing a rule keeps per comment (views, marked text) is reused.
    """
    prose = prose_like(text)
    return (best_of_three(lambda: scan(CommentContext.build(text)))
            / best_of_three(lambda: scan(CommentContext.build(prose))))
