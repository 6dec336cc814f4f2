"""English words and how common each is (pyspellchecker's list), loaded once per process for
every rule that asks whether a word is English."""

from __future__ import annotations

from functools import cache

from spellchecker import SpellChecker


@cache
def english_words() -> dict[str, int]:
    """Lower-case word -> frequency. Shared: treat as read-only."""
    return SpellChecker(distance=1).word_frequency.dictionary
