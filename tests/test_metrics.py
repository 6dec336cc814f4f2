"""Metrics: threshold choice, per-source evaluation over known labels, macro F1, span F1, calibration."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import f1_score

from moderation.classifier.labels import LABELS
from moderation.classifier.metrics import (calibration_table, evaluate, macro_f1, pick_thresholds, span_f1)

RNG = np.random.default_rng(0)


def separable(n_pos: int = 40, n_neg: int = 160) -> tuple[np.ndarray, np.ndarray]:
    """One column: positives score in [0.6, 0.9], negatives in [0.0, 0.5]."""
    y = np.r_[np.ones(n_pos, int), np.zeros(n_neg, int)]
    p = np.r_[np.linspace(0.6, 0.9, n_pos), np.linspace(0.0, 0.5, n_neg)]
    return y, p


def four_labels(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same column under every label."""
    return np.tile(y[:, None], (1, len(LABELS))), np.tile(p[:, None], (1, len(LABELS)))


def noisy(n: int = 600, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    Y = rng.integers(0, 2, size=(n, len(LABELS)))
    P = np.clip(0.35 * Y + rng.uniform(0, 0.65, size=Y.shape), 0, 1)
    return Y, P


def test_separable_label_at_full_precision_rejects_from_the_lowest_positive_score():
    Y, P = four_labels(*separable())
    t = pick_thresholds(Y, P, reject_precision=1.0)["abuse"]
    assert t["reject"] == pytest.approx(0.6)
    assert t["reject_reached"] is True
    assert t["reject_precision"] == 1.0 and t["reject_recall"] == 1.0
    assert (t["positives"], t["rows"]) == (40, 200)


def test_thresholds_go_as_low_as_the_precision_target_allows():
    # 40 positives: admitting the top 2 negatives keeps precision at 40/42 >= 0.95 (a third gives 40/43 < 0.95);
    # the review target 0.70 admits 17 negatives (40/57), not 18 (40/58).
    y, p = separable()
    negatives_high_to_low = np.sort(p[y == 0])[::-1]
    t = pick_thresholds(*four_labels(y, p))["abuse"]
    assert t["reject"] == negatives_high_to_low[1]
    assert t["reject_precision"] == pytest.approx(40 / 42) and t["reject_recall"] == 1.0
    assert t["review"] == negatives_high_to_low[16]
    assert t["review_precision"] == pytest.approx(40 / 57)


def test_a_label_can_be_held_to_a_reject_precision_of_its_own():
    # Every positive scores above every negative: a threshold at the k-th highest negative flags
    # the 40 positives and k negatives, so 0.95 admits two (40/42) and 0.97 one (40/41).
    # abuse is held to 0.97, every other label to 0.95.
    y, p = separable()
    negatives_high_to_low = np.sort(p[y == 0])[::-1]
    found = pick_thresholds(*four_labels(y, p), label_reject_precision={"abuse": 0.97})
    assert found["abuse"]["reject"] == negatives_high_to_low[0]
    assert found["abuse"]["reject_precision"] == pytest.approx(40 / 41)
    others = pick_thresholds(*four_labels(y, p))
    assert found["abuse"]["review"] == others["abuse"]["review"]
    for label in set(LABELS) - {"abuse"}:
        assert found[label] == others[label]


def test_label_that_never_reaches_reject_precision_never_rejects():
    # Scores carry no information: precision stays at the base rate (~0.5) at every threshold.
    y = np.tile([0, 1], 100)
    p = np.repeat(np.linspace(0, 1, 100), 2)
    t = pick_thresholds(*four_labels(y, p))["threat"]
    assert t["reject"] == 1.0 and t["reject_reached"] is False
    assert t["reject_precision"] is None and t["reject_recall"] == 0.0
    assert t["review"] == 1.0 and t["review_precision"] is None


def test_review_threshold_can_be_reached_when_reject_is_not():
    # Precision is 0.75 from 0.6 up and never 0.95; the top 7 negatives below keep it >= 0.70 (75/107).
    y = np.r_[np.tile([1, 1, 1, 0], 25), np.zeros(100, int)]
    p = np.r_[np.linspace(0.6, 0.9, 100), np.linspace(0.0, 0.4, 100)]
    t = pick_thresholds(*four_labels(y, p))["abuse"]
    assert t["reject_reached"] is False and t["reject"] == 1.0
    assert t["review"] == np.sort(p[100:])[::-1][6]
    assert t["review_precision"] == pytest.approx(75 / 107) and t["review_recall"] == 1.0


def test_a_tiny_precise_tail_does_not_count_below_min_positives():
    # The top 5 scores are all positive (precision 1) but the rest is noise.
    y = np.r_[np.ones(5, int), np.tile([0, 1], 100)]
    p = np.r_[np.full(5, 0.99), np.repeat(np.linspace(0, 0.9, 100), 2)]
    Y, P = four_labels(y, p)
    assert pick_thresholds(Y, P, min_positives=20)["abuse"]["reject_reached"] is False
    assert pick_thresholds(Y, P, min_positives=5)["abuse"]["reject"] == pytest.approx(0.99)


def test_unknown_rows_do_not_change_the_thresholds():
    Y, P = noisy()
    Y[::3, 1] = -1
    Y[::7, 3] = -1
    before = pick_thresholds(Y, P)
    P2 = P.copy()
    P2[Y == -1] = RNG.uniform(0, 1, size=int((Y == -1).sum()))
    assert pick_thresholds(Y, P2) == before
    assert before["personal_attack"]["rows"] == int((Y[:, 1] != -1).sum())


def test_review_is_never_above_reject_and_results_are_plain_json():
    t = pick_thresholds(*noisy())
    for label in LABELS:
        assert t[label]["review"] <= t[label]["reject"]
    json.dumps(t, allow_nan=False)
    inverted = pick_thresholds(*noisy(), reject_precision=0.70, review_precision=0.95)
    assert all(v["review"] == v["reject"] for v in inverted.values())
    assert all(type(v["reject"]) is float and type(v["positives"]) is int for v in t.values())


def test_weighted_rows_choose_the_review_band_and_leave_reject_alone():
    # Two sources: "site" (weight 10) is separable, "corpus" (weight 1) is noise in the middle.
    # Counted once, the corpus's noise keeps the review band high; weighed as in training, the
    # site's rows lead, and the band goes down to where the site's scores separate.
    site_y, site_p = separable(n_pos=30, n_neg=60)
    corpus_y = np.tile([0, 0, 1], 20)
    corpus_p = np.repeat(np.linspace(0.55, 0.85, 20), 3)
    y, p = np.r_[site_y, corpus_y], np.r_[site_p, corpus_p]
    w = np.r_[np.full(site_y.size, 10.0), np.ones(corpus_y.size)]
    Y, P = four_labels(y, p)
    once = pick_thresholds(Y, P, review_precision=0.85)["abuse"]
    weighed = pick_thresholds(Y, P, review_precision=0.85, review_weights=w)["abuse"]
    assert weighed["review"] < once["review"]
    assert weighed["review_weighted"] is True and "review_weighted" not in once
    # Precision as weighed, at or over the target; counted once it is lower, under it.
    assert weighed["review_precision"] >= 0.85
    flagged = p >= weighed["review"]
    assert y[flagged].mean() < 0.85
    assert weighed["review_precision"] == pytest.approx(np.average(y[flagged], weights=w[flagged]))
    for key in ("reject", "reject_precision", "reject_recall", "reject_reached"):
        assert weighed[key] == once[key]


def test_review_weights_must_be_positive_and_one_per_row():
    Y, P = noisy()
    with pytest.raises(ValueError):
        pick_thresholds(Y, P, review_weights=np.ones(len(Y) - 1))
    with pytest.raises(ValueError):
        pick_thresholds(Y, P, review_weights=np.r_[0.0, np.ones(len(Y) - 1)])


def test_shape_mismatch_and_bad_label_values_are_refused():
    Y, P = noisy()
    with pytest.raises(ValueError):
        pick_thresholds(Y[:, :3], P[:, :3])
    Y[0, 0] = 2
    with pytest.raises(ValueError):
        pick_thresholds(Y, P)


def test_evaluate_leaves_out_a_label_the_source_does_not_give():
    Y, P = noisy(400)
    sources = ["olid"] * 200 + ["kaggle-insults"] * 200
    Y[200:, 2] = -1  # kaggle-insults has no identity_hate
    result = evaluate(Y, P, sources, pick_thresholds(Y, P))
    assert set(result["per_source"]) == {"olid", "kaggle-insults"}
    assert "identity_hate" not in result["per_source"]["kaggle-insults"]
    assert "identity_hate" in result["per_source"]["olid"]
    assert result["overall"]["identity_hate"]["rows"] == 200
    m = result["per_source"]["olid"]["abuse"]
    assert set(m) == {"rows", "positives", "roc_auc", "average_precision", "reject", "review", "best_f1"}
    assert set(m["reject"]) == {"precision", "recall", "f1"} and set(m["best_f1"]) == {"threshold", "f1"}
    json.dumps(result, allow_nan=False)


def test_evaluate_reports_none_where_a_source_has_a_single_class():
    Y, P = four_labels(*separable())
    sources = ["davidson2017"] * 40 + ["olid"] * 160  # davidson2017 holds only the positives
    result = evaluate(Y, P, sources, {label: {"reject": 0.6, "review": 0.55} for label in LABELS})
    only_pos = result["per_source"]["davidson2017"]["abuse"]
    only_neg = result["per_source"]["olid"]["abuse"]
    assert only_pos["roc_auc"] is None and only_pos["average_precision"] == 1.0
    assert only_neg["roc_auc"] is None and only_neg["average_precision"] is None
    assert only_neg["reject"] == {"precision": None, "recall": None, "f1": None}
    assert only_neg["best_f1"] == {"threshold": None, "f1": None}
    assert result["overall"]["abuse"]["roc_auc"] == 1.0
    assert result["overall"]["abuse"]["best_f1"]["f1"] == 1.0
    json.dumps(result, allow_nan=False)


def test_evaluate_needs_thresholds_for_every_label():
    Y, P = noisy(100)
    thresholds = pick_thresholds(Y, P)
    del thresholds["threat"]
    with pytest.raises(ValueError, match="threat"):
        evaluate(Y, P, ["olid"] * 100, thresholds)


@pytest.mark.parametrize("threshold", [0.2, 0.5, 0.8])
def test_macro_f1_matches_sklearn_macro_average(threshold):
    y, p = RNG.integers(0, 2, 300), RNG.uniform(0, 1, 300)
    expected = f1_score(y, (p >= threshold).astype(int), average="macro")
    assert macro_f1(y, p, threshold) == pytest.approx(expected)


def test_macro_f1_ignores_unknown_rows_and_scores_agreement_on_an_absent_class_as_perfect():
    assert macro_f1(np.array([1, 0, -1]), np.array([0.9, 0.1, 0.9]), 0.5) == 1.0
    assert macro_f1(np.array([0, 0]), np.array([0.1, 0.2]), 0.5) == 1.0
    assert macro_f1(np.array([0, 1]), np.array([0.9, 0.1]), 0.5) == 0.0


def test_span_f1_edge_cases():
    assert span_f1([[]], [[]]) == 1.0  # no gold span, none predicted
    assert span_f1([[3]], [[]]) == 0.0  # no gold span, one predicted
    assert span_f1([[]], [[3]]) == 0.0  # gold span missed entirely
    assert span_f1([[1, 2]], [[1, 2]]) == 1.0


def test_span_f1_matches_a_hand_computed_example():
    # Post 1: overlap {3, 4}: P = 2/4, R = 2/6, F1 = 0.4. Post 2: both empty, 1.0. Post 3: missed, 0.0.
    assert span_f1([{1, 2, 3, 4}, set(), []], [{3, 4, 5, 6, 7, 8}, set(), [0]]) == pytest.approx(1.4 / 3)


def test_span_f1_refuses_mismatched_lengths():
    with pytest.raises(ValueError):
        span_f1([[1]], [[1], [2]])


@given(st.lists(st.tuples(st.sets(st.integers(0, 30)), st.sets(st.integers(0, 30))), min_size=1, max_size=10))
def test_span_f1_is_between_zero_and_one_and_perfect_on_itself(pairs):
    predicted, gold = [a for a, _ in pairs], [b for _, b in pairs]
    assert 0.0 <= span_f1(predicted, gold) <= 1.0
    assert span_f1(gold, gold) == 1.0


def test_calibration_table_bins_known_rows_and_puts_a_score_of_one_in_the_last_bin():
    y = np.array([0, 1, 1, -1, 1])
    p = np.array([0.05, 0.15, 1.0, 0.5, 0.95])
    table = calibration_table(y, p, bins=10)
    assert len(table) == 10 and sum(row["count"] for row in table) == 4
    assert table[9] == {"bin": 9, "lower": 0.9, "upper": 1.0, "mean_predicted": pytest.approx(0.975),
                        "observed_rate": 1.0, "count": 2}
    assert table[0]["observed_rate"] == 0.0
    assert table[5]["count"] == 0 and table[5]["mean_predicted"] is None  # the unknown row is not counted
    json.dumps(table, allow_nan=False)


def test_a_review_only_label_gets_a_review_band_and_never_a_reject_threshold():
    Y, P = four_labels(*separable())
    found = pick_thresholds(Y, P, review_only={"defamation"})
    assert found["abuse"]["reject_reached"] is True
    t = found["defamation"]
    assert t["reject"] == 1.0 and t["reject_reached"] is False and t["reject_recall"] == 0.0
    # Its one threshold is held to the reject precision, where abuse would reject.
    assert t["review"] == found["abuse"]["reject"] and t["review_precision"] == found["abuse"]["reject_precision"]
    assert t["review"] > found["abuse"]["review"]
