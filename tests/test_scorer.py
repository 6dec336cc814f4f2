"""Scoring one comment at a time: the same columns, weights and scores as the batch pipeline."""

from __future__ import annotations

import numpy as np
import pytest

import moderation.classifier.scorer as scorer_module
from moderation.classifier.explain import evidence
from moderation.classifier.features import WORD
from moderation.classifier.labels import LABELS
from moderation.classifier.pipeline import build_pipeline
from moderation.classifier.scorer import Scorer

TRAIN = ["you are an idiot", "what a stupid moron", "idiot idiot", "a fair report", "sunny weather today",
         "thanks for the careful article", "you f*cking idiot", "the minister's plan"] * 3
LABELS_Y = [1, 1, 1, 0, 0, 0, 1, 0] * 3
TEXTS = ["you are an idiot, idiot", "", "a", "!!! ...", "Ünïcödé 😀 words", "x" * 50,
         "what a f*cking idiot you are", "the minister's report, a fair one", "idiot " * 40,
         "a b c d e f g", "ab cd", "\ud800 lone surrogate"]


def fitted(extra: tuple[str, ...] = (), **params):
    """A tiny pipeline; ``extra`` texts join training as clean, so their n-grams have a weight."""
    pipeline = build_pipeline({"word_bits": 10, "char_bits": 12, "min_df": 1, "calibration_folds": 2, **params})
    y = LABELS_Y + [0] * len(extra)
    return pipeline.fit(TRAIN + list(extra), np.array([[v] * len(LABELS) for v in y]))


@pytest.fixture(scope="module")
def pipeline():
    return fitted()


def scorer_of(pipeline) -> Scorer:
    return Scorer(pipeline.named_steps["features"], pipeline.named_steps["classify"])


@pytest.mark.parametrize("params", [{}, {"word_gaps": 2, "pair_bits": 9}, {"word_gaps": 3, "linear": "svm", "C": 0.5},
                                    {"word_gaps": 1, "word_ngrams": [1, 3]}, {"word_gaps": 2, "pair_labels": ["abuse"]}])
def test_one_text_is_weighted_and_scored_exactly_as_in_a_batch(params):
    """With the default features, with word pairs, and with either linear model."""
    pipeline = fitted(**params)
    scorer = scorer_of(pipeline)
    batch = pipeline.named_steps["features"].transform(TEXTS)
    for i, text in enumerate(TEXTS):
        scored = scorer.score(text)
        row = batch.getrow(i)
        row.sort_indices()
        assert scored.columns.tolist() == row.indices.tolist()
        assert np.allclose(scored.values, row.data)
        assert np.allclose(scored.probabilities, pipeline.predict_proba([text])[0], atol=1e-6)


def test_the_word_cache_can_start_again_without_changing_a_score(pipeline, monkeypatch):
    monkeypatch.setattr(scorer_module, "CACHE_WORDS", 3)
    scorer = scorer_of(pipeline)
    first = [scorer.score(t).probabilities for t in TEXTS]
    again = [scorer.score(t).probabilities for t in TEXTS]
    assert len(scorer._cache) <= max(3, max(len(set(WORD.findall(t))) for t in TEXTS))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))


@pytest.mark.parametrize("params", [{}, {"char_ngrams": [1, 3]}, {"char_ngrams": [3, 6], "word_bits": 12}])
def test_a_few_new_words_are_hashed_in_python_exactly_as_numpy_hashes_many(params, monkeypatch):
    words = ["idiot", "a", "Ünïcödé", "f*cking", "minister's", "x" * 60, "٣٤٥", "ab", "𝔣𝔬𝔬", "s#it"]
    assert all(WORD.fullmatch(word) for word in words)  # as the scorer finds them
    pipeline = fitted(**params)
    by_numpy = scorer_of(pipeline)
    monkeypatch.setattr(scorer_module, "FEW_CHARACTERS", 0)  # every miss goes through occurrences()
    expected = by_numpy._entries(words)
    monkeypatch.setattr(scorer_module, "FEW_CHARACTERS", 10 ** 6)
    by_python = scorer_of(pipeline)
    for word, (h, single, chars) in zip(words, by_python._entries(words)):
        assert (h, single) == expected[words.index(word)][:2]
        assert chars.dtype == np.int64 and chars.tolist() == expected[words.index(word)][2].tolist()
    for text in TEXTS:  # and whole scores, new words hashed either way
        assert np.array_equal(by_python.score(text).probabilities, by_numpy.score(text).probabilities)


def test_word_weights_add_up_to_the_linear_score_when_every_ngram_lies_in_one_word():
    pipeline = fitted(word_ngrams=[1, 1])
    scorer, model = scorer_of(pipeline), pipeline.named_steps["classify"]
    for text in ["you are an idiot, idiot", "what a f*cking idiot you are", "a fair report"]:
        scored = scorer.score(text)
        raw = model.decision_function(pipeline.named_steps["features"].transform([text]))[0]
        for k in range(4):
            assert np.isclose(scored.word_weights(model.coef_[:, k]).sum(), raw[k] - model.intercept_[k])


def test_word_weights_with_word_pairs_still_add_up_to_the_linear_score():
    pipeline = fitted(word_ngrams=[1, 1], word_gaps=2)
    scorer, model = scorer_of(pipeline), pipeline.named_steps["classify"]
    for text in ["you are an idiot, idiot", "what a f*cking idiot you are", "a fair report", "a b"]:
        scored = scorer.score(text)
        raw = model.decision_function(pipeline.named_steps["features"].transform([text]))[0]
        for k in range(4):
            assert np.isclose(scored.word_weights(model.coef_[:, k]).sum(), raw[k] - model.intercept_[k])


def test_a_pair_across_a_gap_gives_its_two_words_their_part_and_the_gap_nothing():
    pipeline = fitted(("abc de fghi",), word_ngrams=[9, 9], char_ngrams=[9, 9], word_gaps=1)  # only pairs fit
    scorer = scorer_of(pipeline)
    scored = scorer.score("abc de fghi")  # one pair, abc…fghi: 3 and 4 characters
    assert len(scored.columns) == 1 and scored.values[0] > 0
    coef = np.zeros(pipeline.named_steps["classify"].coef_.shape[0])
    coef[scored.columns[0]] = 7.0
    weights = scored.word_weights(coef)
    assert np.allclose(weights, [3.0 * scored.values[0], 0.0, 4.0 * scored.values[0]])


def test_a_bigram_gives_each_word_its_own_characters_part():
    pipeline = fitted(("abc, de",), word_ngrams=[2, 2], char_ngrams=[9, 9])  # no unigrams; no char n-gram fits "abc"
    scorer = scorer_of(pipeline)
    scored = scorer.score("abc, de")  # the bigram spans 7 characters: "abc" holds 3, "de" 2, ", " none
    assert len(scored.columns) == 1 and scored.values[0] > 0
    coef = np.zeros(pipeline.named_steps["classify"].coef_.shape[0])
    coef[scored.columns[0]] = 7.0
    weights = scored.word_weights(coef)
    assert np.allclose(weights, [3.0 * scored.values[0], 2.0 * scored.values[0]])


def test_evidence_points_at_the_insult(pipeline):
    scorer, model = scorer_of(pipeline), pipeline.named_steps["classify"]
    text = "thanks for the report, you idiot"
    ranges = evidence(scorer.score(text), model.coef_[:, 0], 0.5)
    assert "idiot" in [text[s:e] for s, e in ranges]
    assert all(text[s:e] != "thanks" for s, e in ranges)
    assert evidence(scorer.score(""), model.coef_[:, 0]) == []


@pytest.mark.parametrize("values", [[], [7], [3, 3, 3], [1, 2, 2, 3, 9, 9], list(range(50)) * 3])
def test_runs_are_the_distinct_values_and_their_counts(values):
    ordered = np.sort(np.array(values, dtype=np.int64))
    columns, counts = scorer_module._runs(ordered)
    expected_columns, expected_counts = np.unique(ordered, return_counts=True)
    assert columns.tolist() == expected_columns.tolist()
    assert counts.tolist() == expected_counts.tolist()
    assert columns.dtype == np.int64 and counts.dtype == np.int64


def test_each_occurrence_is_traced_to_its_column(pipeline):
    scorer = scorer_of(pipeline)
    for text in TEXTS:
        scored = scorer.score(text)
        rank = scored._column_of_occurrence
        assert scored.columns[rank].tolist() == scored.occurrences.tolist()
        assert np.bincount(rank, minlength=len(scored.columns)).tolist() == scored.counts.tolist()
