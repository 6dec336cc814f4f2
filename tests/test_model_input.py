"""What the model reads: group names unified, masked or removed, alike in training and serving."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from moderation.classifier.features import WORD
from moderation.classifier.labels import LABELS
from moderation.classifier.model_input import (MASKED, PLACEHOLDER, REMOVED, SKELETON, UNIFIED, check_input,
                                               model_text, group_text, group_words)
from moderation.classifier.pipeline import build_pipeline
from moderation.classifier.scorer import Scorer
from moderation.errors import ModelError
from moderation.text import Normalized


@pytest.mark.parametrize("text, unified", [
    ("my moslem neighbours are lovely", "my muslim neighbours are lovely"),
    ("moslems, muslims and muslim", "muslim, muslim and muslim"),
    ("the asylum-seekers and black people", "the asylumseeker and blackpeople"),
    ("a black car and a foreign minister", "a black car and a foreign minister"),  # everyday words alone
    ("the moslem's view, the copts' view", "the muslim's view, the copt' view"),
    ("shi'ites and shiite sunnis", "shia and shia sunni"),
    ("gay men and a gay bar", "gay and a gay bar"),
    ("the egyptian and egyptians", "the egyptian and egyptian"),
    ("muslimish, copticness, jewel", "muslimish, copticness, jewel"),  # only whole words
    ("", ""),
])
def test_every_form_of_a_group_name_reads_as_one_word(text: str, unified: str) -> None:
    assert WORD.findall(group_text(text, UNIFIED)) == WORD.findall(unified)


def test_masking_writes_every_group_as_one_placeholder_and_removing_as_none() -> None:
    text = "copts are egyptians, black people too"
    assert WORD.findall(group_text(text, MASKED)) == ["ᴳ", "are", "ᴳ", "ᴳ", "too"]
    assert WORD.findall(group_text(text, REMOVED)) == ["are", "too"]
    assert PLACEHOLDER not in Normalized.of("ᴳ ɢ").skeleton.text  # the skeleton never holds it


def test_a_text_without_names_comes_back_as_it_was() -> None:
    words, spans = ["the", "minister", "lied"], np.array([[0, 3], [4, 12], [13, 17]])
    for kind in (UNIFIED, MASKED, REMOVED):
        found = group_words(words, spans, kind)
        assert found[0] is words and found[1] is spans
    text = "The minister lied about bread prices."
    assert group_text(text, REMOVED) is text


def test_words_that_begin_a_name_without_finishing_it_come_back_as_they_were() -> None:
    # "upper" begins "upper egyptians", "black" begins "black people": neither is a name alone.
    words, spans = ["upper", "egypt", "and", "a", "black", "car"], np.arange(12).reshape(-1, 2)
    for kind in (UNIFIED, MASKED, REMOVED):
        found = group_words(words, spans, kind)
        assert found[0] is words and found[1] is spans
    assert group_words(["upper", "egyptians", "vote"], np.arange(6).reshape(-1, 2), REMOVED)[0] == ["vote"]


def test_a_name_of_several_words_keeps_the_span_of_all_of_them() -> None:
    text = "the asylum-seekers camp"
    words, spans = group_words(WORD.findall(text), np.array([m.span() for m in WORD.finditer(text)]), UNIFIED)
    assert words == ["the", "asylumseeker", "camp"]
    assert [text[s:e] for s, e in spans.tolist()] == ["the", "asylum-seekers", "camp"]


def test_model_text_reads_the_skeleton_of_the_comment() -> None:
    text = "My M0SLEM neighbours are l0vely"
    assert model_text(text, SKELETON) == Normalized.of(text).skeleton.text
    assert model_text(text, UNIFIED) == "my muslim neighbours are lovely"
    with pytest.raises(ModelError, match="unknown"):
        check_input("raw")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["muslim", "moslem's", "black", "people", "asylum", "seekers", "gay",
                                 "men", "the", "x", "-", ",", " ", "'", "shi'ite", "copts", "ᴳ"]), max_size=12),
       st.sampled_from([UNIFIED, MASKED, REMOVED]))
def test_texts_and_words_are_rewritten_alike(pieces: list[str], kind: str) -> None:
    text = " ".join(pieces)
    words, spans = group_words(WORD.findall(text), np.array([m.span() for m in WORD.finditer(text)]), kind)
    assert WORD.findall(group_text(text, kind)) == words
    assert all(0 <= s < e <= len(text) for s, e in spans.tolist())


def fitted_on(kind: str):
    train = ["you are an idiot", "muslims are vermin", "my muslim neighbours", "a fair report",
             "refugees out", "thanks refugees", "you moron", "the minister's plan"] * 3
    y = np.array([[v] * len(LABELS) for v in [1, 1, 0, 0, 1, 0, 1, 0] * 3])
    pipeline = build_pipeline({"word_bits": 10, "char_bits": 12, "min_df": 1, "calibration_folds": 2})
    pipeline.fit([group_text(t, kind) for t in train], y)
    return pipeline, Scorer(pipeline.named_steps["features"], pipeline.named_steps["classify"], kind)


@pytest.mark.parametrize("kind", [UNIFIED, MASKED, REMOVED])
def test_the_scorer_reads_what_training_read(kind: str) -> None:
    pipeline, scorer = fitted_on(kind)
    for text in ["moslems are vermin", "my coptic neighbours", "refugees, refugees' rights", "a fair report"]:
        expected = pipeline.predict_proba([group_text(text, kind)])[0]
        assert np.allclose(scorer.score(text).probabilities, expected, atol=1e-6)
    # the scorer keeps the name's own span, so an explanation can point at it; a removed
    # name is no word at all
    spans = [[0, 3]] if kind == REMOVED else [[0, 3], [4, 11]]
    assert scorer.score("the moslems").spans.tolist() == spans


def test_a_model_without_group_names_scores_every_group_alike() -> None:
    _, scorer = fitted_on(REMOVED)
    scores = [scorer.score(f"{name} are vermin").probabilities for name in ("moslems", "jews", "egyptians")]
    assert all(np.allclose(s, scores[0]) for s in scores)
    assert np.allclose(scorer.score("muslims!").probabilities, scorer.score("").probabilities)


def test_spellings_of_one_group_score_alike_and_other_groups_apart() -> None:
    _, scorer = fitted_on(UNIFIED)
    assert np.allclose(scorer.score("moslems are vermin").probabilities,
                       scorer.score("muslims are vermin").probabilities)
    _, masked = fitted_on(MASKED)
    assert np.allclose(masked.score("sikhs are vermin").probabilities,
                       masked.score("palestinians are vermin").probabilities)


def test_a_spec_names_one_of_the_known_inputs(tmp_path) -> None:
    from moderation.classifier.dataset import load_spec
    from moderation.errors import ConfigError

    path = tmp_path / "spec.yaml"
    path.write_text("sources: {olid: {}}\ninput: skeleton-groups-removed\n")
    assert load_spec(path)[0].input == REMOVED
    path.write_text("sources: {olid: {}}\ninput: raw-text\n")
    with pytest.raises(ConfigError, match="input"):
        load_spec(path)


def test_the_names_digest_tells_inputs_apart_and_the_skeleton_has_none():
    from moderation.classifier.model_input import MASKED, REMOVED, SKELETON, UNIFIED, names_digest
    digests = {kind: names_digest(kind) for kind in (UNIFIED, MASKED, REMOVED)}
    assert names_digest(SKELETON) is None
    assert len(set(digests.values())) == 3 and all(len(d) == 64 for d in digests.values())
    assert names_digest(REMOVED) == digests[REMOVED]  # the same list, the same digest
