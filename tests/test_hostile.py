"""No hostile comment costs the rules more than linear time in its length.

Every piece of tests/hostile_pieces.py (each case of the case files, each word-list term, the
characters the rules treat specially, insults after quotation marks) is repeated to SHORT and to
LONG characters and decided by the rules. Eight times the length must cost at most GROWTH times
the CPU time (linear: 8, or less where a comment's fixed costs weigh). Before the scans of the
incitement and attacks rules were made linear, nine pieces cost 20-34 times here.
benchmarks/hostile.py measures the same pieces with the model too, at 16 times the length, and
records the figures.
"""

from __future__ import annotations

import time

import pytest

from moderation import Moderator
from moderation.rules import build_rules
from moderation.settings import load_settings

from .conftest import CONFIG
from .hostile_pieces import pieces, repeat

SHORT, LONG = 1000, 8000
GROWTH = 20  # 8 for a linear cost; 64 for a quadratic one


@pytest.fixture(scope="module")
def rules() -> Moderator:
    settings = load_settings(CONFIG, environ={})
    return Moderator(settings, rules=build_rules(settings))


def growth(moderator: Moderator, piece: str, times: int) -> float:
    """The least CPU time of deciding the piece repeated to LONG characters over the least at
    SHORT. CPU time, not wall time: other processes on a shared machine do not count."""
    best = {}
    for length in (SHORT, LONG):
        text = repeat(piece, length)
        runs = []
        for _ in range(times):
            started = time.process_time()
            moderator.check(text)
            runs.append(time.process_time() - started)
        best[length] = min(runs)
    return best[LONG] / best[SHORT]


def test_every_hostile_piece_costs_linear_time_in_its_length(rules):
    # Timed once each, then again, best of five, where one run may have been slowed (a cache
    # filled on first use, the collector): only a piece that is slow both times fails.
    suspects = [(kind, piece) for kind, piece in pieces() if growth(rules, piece, 1) > GROWTH]
    slow = [(kind, piece[:60], round(g, 1)) for kind, piece in suspects if (g := growth(rules, piece, 5)) > GROWTH]
    assert slow == []
