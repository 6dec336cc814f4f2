"""The corrections rule against hand-written reader comments, built with the shipped config.yaml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderation.decision import CommentContext
from moderation.rules.corrections import Corrections
from moderation.settings import load_settings

CASES = Path(__file__).parent / "cases" / "corrections.jsonl"
CONFIG = Path(__file__).resolve().parents[1] / "config.yaml"
MAX_KNOWN_FALSE = 5


def numbered_cases() -> list[tuple[int, dict]]:
    lines = CASES.read_text(encoding="utf-8").splitlines()
    return [(number, json.loads(line)) for number, line in enumerate(lines, 1) if line.strip()]


def read_cases() -> list:
    """Every case the rule handles correctly today; known false suggestions are counted separately."""
    return [pytest.param(case, id=f"line{number}")
            for number, case in numbered_cases() if not case.get("known_false")]


@pytest.fixture(scope="module")
def corrections() -> Corrections:
    settings = load_settings(CONFIG, environ={}).file.rules.corrections
    return Corrections(min_length=settings.min_length, max_suggestions=settings.max_suggestions,
                       keep=settings.keep)


@pytest.mark.parametrize("case", read_cases())
def test_case_file(corrections, case):
    text = case["text"]
    found = [s for verdict in corrections(CommentContext.build(text)) for s in verdict.suggestions]
    for s in found:
        assert text[s.start:s.end] == s.text
    assert [[s.text, s.suggestion] for s in found] == case["suggestions"], case["note"]


def test_case_file_is_well_formed_and_has_enough_of_each_kind():
    cases = [case for _, case in numbered_cases()]
    for case in cases:
        assert case["kind"] in {"positive", "hard_negative"}
        assert isinstance(case["note"], str) and case["note"]
        assert (case["kind"] == "positive") == bool(case["suggestions"])
        assert not case.get("known_false") or case["kind"] == "hard_negative"
    kinds = [case["kind"] for case in cases if not case.get("known_false")]
    assert kinds.count("positive") >= 40
    assert kinds.count("hard_negative") >= 45


def test_known_false_suggestions_stay_few():
    known_false = [number for number, case in numbered_cases() if case.get("known_false")]
    assert len(known_false) <= MAX_KNOWN_FALSE, f"known false suggestions on lines {known_false}"
