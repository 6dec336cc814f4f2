"""The model: one scikit-learn Pipeline of n-gram features and a calibrated linear model per label."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from .features import NgramFeatures
from .labels import LABELS
from .ratio import RatioScaled

UNKNOWN = -1  # a label the example's source does not give

DEFAULTS: dict[str, Any] = {
    "word_ngrams": [1, 2], "char_ngrams": [2, 5], "word_bits": 18, "char_bits": 19, "min_df": 2,
    "word_gaps": 0, "pair_bits": 18, "pair_labels": None, "linear": "logistic", "C": 4.0,
    "class_weight": None, "calibration_folds": 3, "ratio_power": 0.0,
}
# The linear models a label can be fitted with. Both give one coefficient per feature, so
# serving is the same sparse product whichever was trained. liblinear visits the rows in a
# random order: a fixed seed makes the same spec give the same artifact, byte for byte.
LINEAR = {
    "logistic": lambda C, class_weight: LogisticRegression(C=C, solver="liblinear", class_weight=class_weight,
                                                           random_state=0),
    "svm": lambda C, class_weight: LinearSVC(C=C, class_weight=class_weight, random_state=0),
}


def build_pipeline(params: Mapping[str, Any] | None = None) -> Pipeline:
    """An unfitted pipeline, steps 'features' and 'classify'. Its input is skeleton texts (moderation.text)."""
    p = {**DEFAULTS, **(params or {})}
    unknown = set(p) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown model parameters: {sorted(unknown)}")
    if p["linear"] not in LINEAR:
        raise ValueError(f"linear must be one of {sorted(LINEAR)}, not {p['linear']!r}")
    features = NgramFeatures(word_ngrams=tuple(p["word_ngrams"]), char_ngrams=tuple(p["char_ngrams"]),
                             word_bits=p["word_bits"], char_bits=p["char_bits"], min_df=p["min_df"],
                             word_gaps=p["word_gaps"], pair_bits=p["pair_bits"])
    # Word pairs for the labels they help (None: every label); the others never read them.
    pair_labels = LABELS if p["pair_labels"] is None else tuple(p["pair_labels"])
    if set(pair_labels) - set(LABELS):
        raise ValueError(f"pair_labels must be among {list(LABELS)}, not {list(pair_labels)}")
    pairs = (features.pair_offset, features.char_offset)
    unread = {label: pairs for label in LABELS if label not in pair_labels and pairs[0] < pairs[1]}
    return Pipeline([
        ("features", features),
        ("classify", PerLabelClassifier(linear=p["linear"], C=p["C"], class_weight=p["class_weight"],
                                        calibration_folds=p["calibration_folds"], unread=unread,
                                        ratio_power=p["ratio_power"])),
    ])


class PerLabelClassifier(ClassifierMixin, BaseEstimator):
    """A linear model per label (logistic regression or linear SVM), Platt-calibrated, trained
    only where the label is known.

    ``unread`` gives, per label, a range of feature columns [start, end) its model does not
    read: their coefficients stay zero. ``ratio_power`` (per label, a label not named is 0; or
    one for all) above 0 fits the label's model on features scaled by their class ratio
    (ratio.py); 0 fits it on the features as they are.

    After fit, the whole model is four arrays, so scoring every label is one sparse
    product: ``coef_`` (features x labels), ``intercept_``, and the sigmoid calibration
    ``calibration_`` (labels x 2: p = 1 / (1 + exp(a * f + b))).
    """

    def __init__(self, labels: tuple[str, ...] = LABELS, linear: str = "logistic",
                 C: float | Mapping[str, float] = 4.0, class_weight: str | None = None,
                 calibration_folds: int = 3, unread: Mapping[str, tuple[int, int]] | None = None,
                 ratio_power: float | Mapping[str, float] = 0.0) -> None:
        self.labels = labels
        self.linear = linear
        self.C = C
        self.class_weight = class_weight
        self.calibration_folds = calibration_folds
        self.unread = unread
        self.ratio_power = ratio_power

    def _c(self, label: str) -> float:
        return float(self.C[label]) if isinstance(self.C, Mapping) else float(self.C)

    def _linear(self, label: str) -> BaseEstimator:
        linear = LINEAR[self.linear](self._c(label), self.class_weight)
        power = self.ratio_power.get(label, 0.0) if isinstance(self.ratio_power, Mapping) else self.ratio_power
        return RatioScaled(linear, float(power)) if power else linear

    def fit(self, X: sparse.spmatrix, Y: np.ndarray, sample_weight: np.ndarray | None = None):
        Y = np.asarray(Y)
        if Y.ndim != 2 or Y.shape[1] != len(self.labels):
            raise ValueError(f"Y must have one column per label {self.labels}")
        weights = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        coef = np.zeros((X.shape[1], len(self.labels)), dtype=np.float32)
        intercept = np.zeros(len(self.labels))
        calibration = np.zeros((len(self.labels), 2))
        self.classes_ = np.array([0, 1])
        self.positives_ = {}
        for k, label in enumerate(self.labels):
            known = Y[:, k] != UNKNOWN
            y = Y[known, k].astype(int)
            self.positives_[label] = int(y.sum())
            if len(np.unique(y)) < 2:
                raise ValueError(f"label {label!r} needs known positives and negatives to train")
            # Shuffled folds: training rows come grouped by source, and unshuffled folds would
            # calibrate each label on models that never saw the sources giving its positives.
            folds = StratifiedKFold(self.calibration_folds, shuffle=True, random_state=0)
            unread = (self.unread or {}).get(label)
            rows = X[known] if unread is None else _without_columns(X[known], *unread)
            model = CalibratedClassifierCV(
                self._linear(label), method="sigmoid", cv=folds, ensemble=False,
            ).fit(rows, y, sample_weight=weights[known])
            fitted = model.calibrated_classifiers_[0]
            estimator = fitted.estimator
            # Platt scaling is monotone, so the linear model's positive-class side is what we keep.
            positive = list(estimator.classes_).index(1)
            sign = 1.0 if positive == 1 else -1.0
            coef[:, k] = sign * estimator.coef_[0]
            if unread is not None:
                coef[unread[0]:unread[1], k] = 0.0  # no data there, so no weight: made exact
            intercept[k] = sign * estimator.intercept_[0]
            sigmoid = fitted.calibrators[0]
            calibration[k] = (sigmoid.a_, sigmoid.b_)
        self.coef_ = coef
        self.intercept_ = intercept
        self.calibration_ = calibration
        self.n_features_in_ = X.shape[1]
        return self

    def decision_function(self, X: sparse.spmatrix) -> np.ndarray:
        """Raw linear scores, one column per label."""
        return np.asarray(X @ self.coef_) + self.intercept_

    def predict_proba(self, X: sparse.spmatrix) -> np.ndarray:
        """Calibrated probability of each label (columns in ``labels`` order), not of a class."""
        f = self.decision_function(X)
        return 1.0 / (1.0 + np.exp(self.calibration_[:, 0] * f + self.calibration_[:, 1]))

    def predict(self, X: sparse.spmatrix) -> np.ndarray:
        return (self.predict_proba(X) >= 0.5).astype(int)


def _without_columns(X: sparse.spmatrix, start: int, end: int) -> sparse.csr_matrix:
    """X with the columns [start, end) emptied."""
    X = sparse.csr_matrix(X, copy=True)
    X.data[(X.indices >= start) & (X.indices < end)] = 0
    X.eliminate_zeros()
    return X
