"""Class-ratio scaling of the features (NB-SVM): what it scales, and that serving reads it exactly."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.svm import LinearSVC

from moderation.classifier.labels import LABELS
from moderation.classifier.pipeline import build_pipeline
from moderation.classifier.ratio import RatioScaled

from .test_features import small_data

# Columns: 0 only in positives, 1 in every row, 2 mostly in negatives, 3 in one positive.
X = sparse.csr_matrix(np.array([
    [1.0, 0.5, 0.0, 0.0],
    [0.7, 0.5, 0.0, 0.3],
    [0.9, 0.5, 0.2, 0.0],
    [0.0, 0.5, 0.8, 0.0],
    [0.0, 0.5, 0.6, 0.0],
    [0.0, 0.5, 0.0, 0.0],
]))
y = np.array([1, 1, 1, 0, 0, 0])


def test_a_column_that_tells_the_classes_apart_is_scaled_up_and_one_that_does_not_is_not():
    model = RatioScaled(LinearSVC(C=1.0, random_state=0), power=1.0).fit(X, y)
    # Rows holding each column, plus one: positives 4, 4, 2, 2 (of 12), negatives 1, 4, 3, 1 (of 9).
    expected = np.abs(np.log((np.array([4, 4, 2, 2]) / 12) / (np.array([1, 4, 3, 1]) / 9)))
    assert np.allclose(model.scale_, expected)
    # Only in positives, then mostly in negatives (leaning either way counts), then in one
    # positive; a column in every row says least.
    assert list(np.argsort(-model.scale_)) == [0, 2, 3, 1]


def test_the_power_flattens_the_scales():
    full = RatioScaled(LinearSVC(random_state=0), power=1.0).fit(X, y).scale_
    root = RatioScaled(LinearSVC(random_state=0), power=0.5).fit(X, y).scale_
    assert np.allclose(root, np.sqrt(full))


def test_sample_weights_count_in_the_ratio():
    plain = RatioScaled(LinearSVC(random_state=0), power=1.0).fit(X, y).scale_
    # Column 3's only row weighs ten times as much: the column leans harder to the positives.
    weighted = RatioScaled(LinearSVC(random_state=0), power=1.0).fit(
        X, y, sample_weight=np.array([1, 10, 1, 1, 1, 1.0])).scale_
    assert weighted[3] > plain[3]


def test_the_unscaled_features_times_coef_give_the_scaled_model_score():
    """Serving multiplies the plain features by coef_: it must be the score the scaled model gives."""
    model = RatioScaled(LinearSVC(C=1.0, random_state=0), power=0.5).fit(X, y)
    expected = model.estimator_.decision_function(X @ sparse.diags(model.scale_))
    assert np.allclose(X @ model.coef_[0] + model.intercept_[0], expected)
    assert np.allclose(model.decision_function(X), expected)
    assert list(model.classes_) == [0, 1]


def test_the_pipeline_scales_only_the_labels_given_a_power():
    texts, Y = small_data()
    params = {"word_bits": 10, "char_bits": 12, "min_df": 1, "calibration_folds": 2, "linear": "svm", "C": 0.5}
    plain = build_pipeline(params).fit(texts, Y).named_steps["classify"]
    scaled = build_pipeline({**params, "ratio_power": {"abuse": 0.5}}).fit(texts, Y).named_steps["classify"]
    abuse, others = LABELS.index("abuse"), [k for k, label in enumerate(LABELS) if label != "abuse"]
    assert not np.allclose(scaled.coef_[:, abuse], plain.coef_[:, abuse])
    assert np.array_equal(scaled.coef_[:, others], plain.coef_[:, others])
    # Still a model of the label: insults above praise.
    P = build_pipeline({**params, "ratio_power": 0.5}).fit(texts, Y).predict_proba(["you idiot", "a fair report"])
    assert (P[0] > P[1])[[abuse, LABELS.index("personal_attack")]].all()
