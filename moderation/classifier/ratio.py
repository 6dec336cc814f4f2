"""A linear model fitted on features scaled by how unevenly they fall between the classes.

The scaling of NB-SVM (Wang and Manning, "Baselines and Bigrams", 2012): each feature is
multiplied by the log of the ratio of its (weighted, smoothed) presence among the positives
to its presence among the negatives, here taken in absolute value and to a power. An n-gram
that leans to one class gets a larger range than one that says nothing, so the regularizer
holds it back less. Whether that helps a label is measured, not assumed:
benchmarks/results/model_selection-ratio.md.

Only training sees this class. Once fitted, ``coef_`` is the scaled model's coefficients
times the scales, so the model is still one coefficient per feature of the unscaled
features: serving, explanations and the artifact are unchanged.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, clone


class RatioScaled(ClassifierMixin, BaseEstimator):
    """``estimator`` fitted on X times |log presence ratio| ** ``power`` per column (``alpha``: smoothing)."""

    def __init__(self, estimator: BaseEstimator, power: float = 0.5, alpha: float = 1.0) -> None:
        self.estimator = estimator
        self.power = power
        self.alpha = alpha

    def fit(self, X: sparse.spmatrix, y: np.ndarray, sample_weight: np.ndarray | None = None):
        y = np.asarray(y)
        weights = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        present = sparse.csr_matrix(X, copy=True)
        present.eliminate_zeros()
        present.data[:] = 1.0
        positive = y == 1
        pos = present.T @ np.where(positive, weights, 0.0) + self.alpha
        neg = present.T @ np.where(positive, 0.0, weights) + self.alpha
        ratio = np.log((pos / pos.sum()) / (neg / neg.sum()))
        self.scale_ = np.abs(ratio) ** self.power
        self.estimator_ = clone(self.estimator).fit(self._scaled(X), y, sample_weight=sample_weight)
        self.classes_ = self.estimator_.classes_
        # The coefficients of the unscaled features: X @ coef_ is the scaled model's score.
        self.coef_ = self.estimator_.coef_ * self.scale_
        self.intercept_ = self.estimator_.intercept_
        return self

    def _scaled(self, X: sparse.spmatrix) -> sparse.csr_matrix:
        return sparse.csr_matrix(X) @ sparse.diags(self.scale_)

    def decision_function(self, X: sparse.spmatrix) -> np.ndarray:
        return self.estimator_.decision_function(self._scaled(X))

    def predict(self, X: sparse.spmatrix) -> np.ndarray:
        return self.estimator_.predict(self._scaled(X))
