"""Hashed n-gram features and the pipeline built on them."""

from __future__ import annotations

import numpy as np
import pytest

from moderation.classifier.features import NgramFeatures
from moderation.classifier.labels import LABELS
from moderation.classifier.pipeline import UNKNOWN, build_pipeline


@pytest.fixture
def features() -> NgramFeatures:
    return NgramFeatures(word_bits=12, char_bits=14, min_df=1).fit(["you are an idiot", "a fair report"])


def test_an_ngram_gets_the_same_column_in_any_text_and_batch(features):
    alone = set(features.counts(["idiot"]).indices)
    inside = set(features.counts(["what an idiot you are"]).indices)
    batched = features.counts(["fine words here", "what an idiot you are"]).getrow(1)
    assert alone <= inside
    assert set(batched.indices) == inside


def test_batches_and_chunks_give_the_same_rows_as_single_texts(features, monkeypatch):
    import moderation.classifier.features as module

    texts = ["you are an idiot", "", "a", "Ünïcödé 😀 words", "f*cking idiot", "x" * 50]
    single = [features.transform([t]).toarray() for t in texts]
    monkeypatch.setattr(module, "CHUNK", 2)
    together = features.transform(texts).toarray()
    assert np.allclose(np.vstack(single), together)


def test_rows_are_unit_length_per_block(features):
    row = features.transform(["you are an idiot"]).toarray()[0]
    words, chars = row[:1 << 12], row[1 << 12:]
    assert np.isclose(np.linalg.norm(words), 1.0) and np.isclose(np.linalg.norm(chars), 1.0)


def test_word_pairs_join_words_across_the_gap_in_their_own_unit_length_block():
    features = NgramFeatures(word_bits=12, char_bits=14, min_df=1, word_gaps=2, pair_bits=10)
    features.fit(["you are an idiot", "a fair report"])
    pairs = slice(features.pair_offset, features.char_offset)
    assert features.char_offset - features.pair_offset == 1 << 10
    # "you … idiot" is a pair two words apart, the same column wherever it occurs.
    aimed = features.counts(["you are an idiot"])[:, pairs].indices
    apart = features.counts(["you were an idiot"])[:, pairs].indices
    assert len(set(aimed)) == 3  # you…an, are…idiot, you…idiot (gaps 1 and 2)
    assert len(set(aimed) & set(apart)) == 2  # you…an and you…idiot
    row = features.transform(["you are an idiot"]).toarray()[0]
    for block in (slice(0, features.pair_offset), pairs, slice(features.char_offset, None)):
        assert np.isclose(np.linalg.norm(row[block]), 1.0)
    # Pairs never join the words of two texts of a batch, nor a word with itself.
    assert features.counts(["you", "idiot"])[:, pairs].nnz == 0
    assert features.counts(["you are"])[:, pairs].nnz == 0


def test_without_gaps_there_is_no_pair_block():
    features = NgramFeatures(word_bits=12, char_bits=14, min_df=1, word_gaps=0)
    assert features.pair_offset == features.char_offset == 1 << 12
    assert features.n_columns == (1 << 12) + (1 << 14)


def test_empty_text_has_no_features(features):
    assert features.transform([""]).nnz == 0
    assert features.transform(["!!! ..."]).nnz == 0


def test_build_pipeline_has_stable_steps_and_refuses_unknown_params():
    pipeline = build_pipeline({"C": 2.0})
    assert list(pipeline.named_steps) == ["features", "classify"]
    with pytest.raises(ValueError, match="colour"):
        build_pipeline({"colour": "red"})
    with pytest.raises(ValueError, match="linear"):
        build_pipeline({"linear": "forest"})


def small_data():
    texts = ["you are an idiot", "you stupid moron", "idiot", "moron you are",
             "a fair report", "thanks for this", "good article", "clear writing"] * 3
    y = [1, 1, 1, 1, 0, 0, 0, 0] * 3
    Y = np.array([[v, v, UNKNOWN, UNKNOWN, UNKNOWN] for v in y])
    Y[:, 2] = [1 if "moron" in t else 0 for t in texts]
    Y[:, 3] = [1 if t == "idiot" else 0 for t in texts]
    Y[:, 4] = [1 if "you are" in t else 0 for t in texts]
    return texts, Y


def test_pipeline_scores_each_label_as_a_probability():
    texts, Y = small_data()
    pipeline = build_pipeline({"word_bits": 10, "char_bits": 12, "min_df": 1, "calibration_folds": 2})
    pipeline.fit(texts, Y)
    P = pipeline.predict_proba(["you idiot", "a fair and clear report"])
    assert P.shape == (2, len(LABELS))
    assert np.all((P >= 0) & (P <= 1))
    assert P[0, 0] > P[1, 0]


def test_unknown_labels_are_left_out_of_training():
    texts, Y = small_data()
    Y[:4, 1] = UNKNOWN  # the first four say nothing about personal attacks
    model = build_pipeline({"word_bits": 10, "char_bits": 12, "min_df": 1, "calibration_folds": 2})
    model.fit(texts, Y)
    assert model.named_steps["classify"].positives_["personal_attack"] == 8


def test_a_label_without_positives_cannot_be_trained():
    texts, Y = small_data()
    Y[:, 3] = 0
    with pytest.raises(ValueError, match="threat"):
        build_pipeline({"word_bits": 10, "char_bits": 12, "calibration_folds": 2}).fit(texts, Y)


def test_calibration_is_informative_when_rows_come_grouped_by_source():
    """Two sources, each with its own words, in order: unshuffled folds would calibrate on nothing."""
    a = ["you idiot"] * 12 + ["a fair report"] * 12
    b = ["what a moron"] * 12 + ["sunny weather today"] * 12
    texts = a + b
    y = ([1] * 12 + [0] * 12) * 2
    Y = np.array([[v] * len(LABELS) for v in y])
    model = build_pipeline({"word_bits": 10, "char_bits": 12, "min_df": 1, "calibration_folds": 2})
    model.fit(texts, Y)
    P = model.predict_proba(["you idiot", "a fair report", "what a moron", "sunny weather today"])
    assert P[0, 0] - P[1, 0] > 0.3
    assert P[2, 0] - P[3, 0] > 0.3


def test_labels_left_out_of_word_pairs_give_them_no_weight():
    texts, Y = small_data()
    params = {"word_bits": 10, "char_bits": 12, "min_df": 1, "calibration_folds": 2, "word_gaps": 2,
              "pair_bits": 9, "pair_labels": ["personal_attack"]}
    model = build_pipeline(params).fit(texts, Y)
    features, coef = model.named_steps["features"], model.named_steps["classify"].coef_
    pairs = slice(features.pair_offset, features.char_offset)
    reads = [LABELS.index("personal_attack")]
    assert np.any(coef[pairs][:, reads] != 0)
    assert not np.any(np.delete(coef[pairs], reads, axis=1))
    # Every label still reads the words.
    assert np.any(coef[:features.pair_offset] != 0, axis=0).all()
    with pytest.raises(ValueError, match="pair_labels"):
        build_pipeline({**params, "pair_labels": ["rudeness"]})
