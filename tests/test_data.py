"""The data layer: each corpus loader's label mapping (1, 0 and unknown), decoding, splits, summary."""

from __future__ import annotations

import json
import logging
import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from moderation.classifier.data import (
    LABELS, SOURCES, Example, assign_splits, dedup_key, load_labeled_file, load_source, summarize,
)
from moderation.classifier.decoding import unescape_kaggle, unescape_mlma
from moderation.classifier.records import labels
from moderation.errors import InputError

DATA = Path(__file__).parent / "fixtures" / "data"
ROOT = Path(__file__).parent.parent


def load(name: str) -> list[Example]:
    return list(load_source(name, DATA))


def lab(abuse=None, personal_attack=None, identity_hate=None, threat=None, defamation=None) -> dict:
    return {"abuse": abuse, "personal_attack": personal_attack,
            "identity_hate": identity_hate, "threat": threat, "defamation": defamation}


# A corpus's clean rows: no corpus annotates defamation (the spec may assume it, see test_dataset).
CLEAN = lab(0, 0, 0, 0)


def by_text(examples: list[Example]) -> dict[str, Example]:
    return {e.text: e for e in examples}


# --- the corpora -------------------------------------------------------------------------------

def test_labels_are_the_five_scored_categories_in_order():
    assert LABELS == ("abuse", "personal_attack", "identity_hate", "threat", "defamation")


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_loader_streams_complete_examples_from_its_fixture(name):
    stream = load_source(name, DATA)
    assert isinstance(stream, Iterator)  # a generator: nothing is read before it is asked for
    examples = list(stream)
    assert examples and all(e.source == name for e in examples)
    assert all(tuple(e.labels) == LABELS and e.text == e.text.strip() or e.spans is not None
               for e in examples)


def test_arabic_is_not_a_source_yet():
    assert "arabic" not in SOURCES


def test_kaggle_insult_is_abuse_and_a_zero_is_clean_only_without_profanity():
    found = load("kaggle-insults")
    assert [e.labels["personal_attack"] for e in found] == [1, 0, 0, 0, 1, 0, 1, 0, 0]
    # Profanity is abuse though not an insult; a mild word alone ("stupid") says neither.
    assert [e.labels["abuse"] for e in found] == [1, 0, 0, 0, 1, 0, 1, 1, None]
    assert "fuck" in found[-2].text and "stupid" in found[-1].text
    assert all(e.labels["identity_hate"] is None and e.labels["threat"] is None for e in found)
    assert {e.split for e in found} == {"train"}


def test_kaggle_text_is_decoded_as_a_reader_saw_it():
    texts = [e.text for e in load("kaggle-insults")]  # the empty comment is skipped
    assert texts == [
        "You are a clown and everyone here knows it.",
        "i really don't get your point.\xa0 It seems you are mixing apples and oranges.",
        "A\xa0majority of readers disagree.\n\nThat's fine by me.",
        "Caf\xe9 owners say \u201cthanks\u201d\nfor the article.",
        "Nobody asked you, you silly goose.\xa0Go away.",
        "Darn it, what a day.",
        "You are a fool & a liar.",
        "What the fuck, that referee was blind.",
        "A stupid decision by the council, as usual.",
    ]


@pytest.mark.parametrize("stored, shown", [
    (r'"one\xa0two"', "one\xa0two"),                          # unicode repr: \xNN is a code point
    (r'"line\nnext\ttab"', "line\nnext\ttab"),
    (r'"\u0111\u01b0\u1eddng"', "\u0111\u01b0\u1eddng"),
    (r'"A\\xc2\\xa0B\\n"', "A\xa0B"),                           # escaped UTF-8 bytes, two levels
    (r'"don\\\\\'t"', "don't"),                                 # an apostrophe escaped three times
    (r'"\xe9t\xe9"', "\xe9t\xe9"),                              # real Latin-1 letters stay
    (r'"caf\\xc3\\xa9"', "caf\xe9"),
    (r'"a /\\\\ b"', "a /\\ b"),                                # a real backslash survives
    ('"<b>bold</b> &nbsp;x < 2"', "bold \xa0x < 2"),
])
def test_unescape_kaggle(stored, shown):
    assert unescape_kaggle(stored) == shown


def test_olid_levels_map_to_known_zeros_and_unknowns():
    found = by_text(load("olid"))
    assert found["@USER What a lovely garden you have. URL"].labels == CLEAN
    assert found["@USER You are such a clown, honestly."].labels == lab(1, 1, 0, None)
    # Group targets are mostly political groups: identity_hate stays unknown.
    assert found["@USER Those people are all clowns & fools"].labels == lab(1, 0, None, None)
    assert found["What a darn mess this whole week was"].labels == lab(1, 0, 0, 0)
    assert found["@USER This company is a bunch of crooks"].labels == lab(1, 0, 0, None)
    assert '"A bare quote opens this tweet' in found  # quoting off: the quote is text


def test_olid_test_tweets_take_their_gold_labels_and_unlabelled_ones_are_skipped(caplog):
    with caplog.at_level(logging.INFO, logger="moderation.classifier.data"):
        test = {e.text: e.labels for e in load("olid") if e.split == "test"}
    assert test == {
        "@USER Thanks for the update!": CLEAN,
        "@USER You are a total clown": lab(1, 1, 0, None),
        "@USER Those people are fools": lab(1, 0, None, None),
        "darn it all": lab(1, 0, 0, 0),
    }
    assert "testset-levela.tsv: skipped 1 (no gold label)" in caplog.text


def test_davidson_classes():
    found = load("davidson2017")
    assert [e.labels for e in found] == [CLEAN, lab(1, None, 0, None), lab(1, None, 1, None), CLEAN]
    assert found[0].text == "!!! RT @user1: Lovely weather & a good book today"
    assert found[3].text == '"@user3: a tweet with a line\nbreak inside" \U0001F602'


def test_gab_keeps_its_splits_and_leaves_unknown_what_vo_hd_cv_do_not_rule_out():
    found = load("gab-hate-corpus")
    assert [e.split for e in found] == ["train"] * 6 + ["test"] * 2
    assert found[1].text == 'He said "hello" to everyone.'
    assert [e.labels for e in found] == [
        CLEAN, CLEAN,
        lab(1, None, 0, None),      # vo: vulgar; a threat at one person would also be vo
        lab(None, None, 1, 0),      # hd without vo
        lab(None, None, 1, 1),      # cv: a call for violence is hate and a threat
        lab(1, None, 1, None),
        CLEAN,
        lab(1, None, 1, 1),
    ]


def test_hatexplain_hate_counts_as_identity_hate_only_at_race_or_religion():
    assert [e.labels for e in load("hatexplain-magpie")] == [
        CLEAN, lab(1, None, 0, None), lab(1, None, 1, None), lab(1, None, None, None)]


def test_hateval_reads_aligned_lines_in_three_official_splits(caplog):
    with caplog.at_level(logging.INFO, logger="moderation.classifier.data"):
        found = load("hateval2019-tweeteval")
    assert [(e.split, e.text, e.labels["identity_hate"]) for e in found] == [
        ("train", "@user nice new signage.", 0),
        ("train", "@user send them all back, they are thieves", 1),
        ("train", "Loving this & that", 0),
        ("validation", "After the match we went home.", 0),
        ("test", "@user Stop them at the border, they are animals", 1),
        ("test", "@user @user good morning", 0),
    ]
    assert all(e.labels["abuse"] is None and e.labels["threat"] is None for e in found)
    assert "train_text.txt: skipped 1 (no text)" in caplog.text


def test_hateval_files_of_different_length_are_an_error(tmp_path):
    shutil.copytree(DATA / "hateval2019-tweeteval", tmp_path / "hateval2019-tweeteval")
    (tmp_path / "hateval2019-tweeteval" / "test_labels.txt").write_text("1\n", encoding="utf-8")
    with pytest.raises(InputError, match="differ in length at line 2"):
        list(load_source("hateval2019-tweeteval", tmp_path))


def test_stormfront_skips_context_only_and_unsure_sentences(caplog):
    with caplog.at_level(logging.INFO, logger="moderation.classifier.data"):
        found = load("stormfront")
    assert [(e.text[:9], e.labels) for e in found] == [
        ("As of Mar", lab(identity_hate=0)), ("They are ", lab(identity_hate=1))]
    assert "skipped 1 (label idk/skip), 1 (label relation)" in caplog.text


def test_mlma_sentiments_targets_and_escapes():
    found = load("mlma")
    assert [e.labels for e in found] == [
        CLEAN,
        lab(1, None, 0, None),
        lab(1, 1, 0, None),         # aimed at an individual
        lab(1, None, 1, None),      # hateful at origin
        lab(None, None, None, None),  # hateful at gender only: unknown
        lab(None, None, None, None),  # fearful: unknown
    ]
    assert found[1].text == 'Most people have never met someone labelled as "silly" . I plan t\u2026 @URL'
    assert found[2].text == "@user you are a clown \U0001F602"
    assert found[4].text == "women cannot drive\nlol"
    assert unescape_mlma(r"cut emoji \ud83d") == "cut emoji \ufffd"


def test_toxic_spans_are_ranges_into_the_text_and_trial_is_the_test_split():
    found = load("toxic-spans")
    assert [(e.split, e.spans) for e in found] == [
        ("train", ((15, 20),)), ("train", ()), ("train", ((0, 4), (10, 15))), ("test", ((29, 35),))]
    assert [[e.text[a:b] for a, b in e.spans] for e in found] == [
        ["moron"], [], ["Darn", "clown"], ["idiots"]]
    assert all(e.labels == lab(abuse=1) for e in found)


def test_toxic_spans_outside_the_text_are_an_error(tmp_path):
    (tmp_path / "toxic-spans").mkdir()
    (tmp_path / "toxic-spans" / "tsd_train.csv").write_text('spans,text\n"[0, 9]",short\n')
    with pytest.raises(InputError, match="outside the text"):
        list(load_source("toxic-spans", tmp_path))


def test_jigsaw_six_labels_fold_into_four():
    found = load("jigsaw-toxic-samples")
    assert [(e.split, e.labels) for e in found] == [
        ("test", CLEAN), ("test", lab(1, 0, 0, 0)),
        ("train", CLEAN), ("train", lab(1, 1, 0, 0)), ("train", lab(1, 0, 0, 1)),
        ("train", lab(1, 1, 0, 0)),  # insult without toxic is still abuse
    ]
    assert found[2].text.startswith("Explanation\nWhy were")


def test_unknown_source_and_missing_folder_or_file_are_named(tmp_path):
    with pytest.raises(InputError, match="unknown source 'arabic'") as error:
        load_source("arabic", DATA)
    assert error.value.code == "unknown_source"
    with pytest.raises(InputError, match="no folder .*olid") as error:
        load_source("olid", tmp_path)
    assert error.value.code == "missing_file"
    (tmp_path / "kaggle-insults").mkdir()
    with pytest.raises(InputError, match=r"kaggle-insults/train\.csv") as error:
        list(load_source("kaggle-insults", tmp_path))
    assert error.value.code == "missing_file"


def test_a_corpus_cell_that_is_not_0_or_1_is_an_error(tmp_path):
    (tmp_path / "kaggle-insults").mkdir()
    (tmp_path / "kaggle-insults" / "train.csv").write_text('Insult,Date,Comment\nmaybe,,"""hi"""\n')
    with pytest.raises(InputError, match="line 2: column 'Insult' is 'maybe'"):
        list(load_source("kaggle-insults", tmp_path))


def test_example_is_read_only_and_survives_pickling():
    example = load("toxic-spans")[0]
    with pytest.raises(TypeError):
        example.labels["abuse"] = 0  # type: ignore[index]
    copy = pickle.loads(pickle.dumps(example))
    assert copy == example and copy.spans == ((15, 20),)
    with pytest.raises(TypeError):
        copy.labels["abuse"] = 0  # type: ignore[index]


def test_example_checks_its_labels_and_split():
    with pytest.raises(ValueError):
        Example("x", {"abuse": 1}, "s", "train")
    with pytest.raises(ValueError):
        Example("x", labels(abuse=2), "s", "train")
    with pytest.raises(ValueError):
        Example("x", labels(), "s", "dev")
    with pytest.raises(ValueError):
        labels(toxic=1)


# --- any labeled file --------------------------------------------------------------------------

def test_generic_csv_parses_values_and_leaves_unmapped_labels_unknown(tmp_path, caplog):
    path = tmp_path / "mods.csv"
    path.write_text("body,rude,attack\n"
                    "plain words,0,no\n"
                    "you clown,1,yes\n"
                    ",1,1\n"
                    "fuzzy,0.7,TRUE\n"
                    "   ,0,0\n"
                    "blank label,,false\n", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="moderation.classifier.data"):
        found = list(load_labeled_file(path, text_column="body",
                                       label_columns={"abuse": "rude", "personal_attack": "attack"}))
    assert [(e.text, e.labels) for e in found] == [
        ("plain words", lab(0, 0)), ("you clown", lab(1, 1)), ("fuzzy", lab(1, 1)),
        ("blank label", lab(None, 0))]
    assert {(e.source, e.split) for e in found} == {("mods", "test")}
    assert "mods.csv: skipped 2 (no text)" in caplog.text


def test_generic_tsv_with_listed_positive_strings(tmp_path):
    path = tmp_path / "olid-like.tsv"
    path.write_text("tweet\tlevel_a\nnice one\tNOT\nugh, darn\tOFF\n", encoding="utf-8")
    found = list(load_labeled_file(path, text_column="tweet", label_columns={"abuse": "level_a"},
                                   positive=("OFF",), source="mine", split="train"))
    assert [(e.text, e.labels["abuse"], e.source, e.split) for e in found] == [
        ("nice one", 0, "mine", "train"), ("ugh, darn", 1, "mine", "train")]


def test_generic_jsonl_takes_json_types_and_counts_bad_rows(tmp_path):
    path = tmp_path / "decisions.jsonl"
    rows = [{"text": "kind words", "threat": False, "hate": 0.2},
            {"text": "i will hurt you", "threat": True, "hate": None},
            {"text": None, "threat": True, "hate": 1},
            {"threat": 1, "hate": 1},
            {"text": "no labels here"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    stream = load_labeled_file(path, text_column="text",
                               label_columns={"threat": "threat", "identity_hate": "hate"})
    found = []
    skipped = yield_from_and_return(stream, found)
    assert [(e.text, e.labels) for e in found] == [
        ("kind words", lab(threat=0, identity_hate=0)), ("i will hurt you", lab(threat=1)),
        ("no labels here", lab())]
    assert skipped == 2


def yield_from_and_return(stream, into: list):
    """Collect a loader's examples and return what the generator returns (its skipped count)."""
    def run():
        return (yield from stream)
    gen = run()
    while True:
        try:
            into.append(next(gen))
        except StopIteration as stop:
            return stop.value


@pytest.mark.parametrize("name, content", [
    ("a.csv", "text,abuse\nhi,0\n"),
    ("a.jsonl", '{"text": "hi", "abuse": 0}\n'),
])
def test_generic_missing_column_is_named(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match="'insult'") as error:
        list(load_labeled_file(path, text_column="text", label_columns={"personal_attack": "insult"}))
    assert error.value.code == "missing_column"


def test_generic_rejects_unknown_labels_formats_and_broken_json(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("hi\n", encoding="utf-8")
    with pytest.raises(InputError, match="fmt="):
        load_labeled_file(path, text_column="text", label_columns={})
    with pytest.raises(InputError, match="unknown label 'toxic'"):
        load_labeled_file(path, text_column="text", label_columns={"toxic": "t"}, fmt="csv")
    broken = tmp_path / "b.jsonl"
    broken.write_text('{"text": "ok", "a": 1}\n{"text": \n', encoding="utf-8")
    with pytest.raises(InputError, match="line 2"):
        list(load_labeled_file(broken, text_column="text", label_columns={"abuse": "a"}))
    with pytest.raises(InputError, match="not found"):
        list(load_labeled_file(tmp_path / "none.csv", text_column="text", label_columns={}))


# --- splits --------------------------------------------------------------------------------------

def ex(text, split="train", source="s", **known) -> Example:
    return Example(text, labels(**known), source, split)


def splits_of(examples) -> dict[str, str]:
    return {e.text: e.split for e in examples}


def test_unsplit_rows_get_stable_fractions_by_text():
    many = [ex(f"comment number {i}", abuse=i % 2) for i in range(3000)]
    first, second = assign_splits(many), assign_splits(list(reversed(many)))
    assert splits_of(first) == splits_of(second)  # by text, not by position
    counts = summarize(first)["s"]
    assert 240 < counts["test"]["rows"] < 360 and 240 < counts["validation"]["rows"] < 360
    assert splits_of(assign_splits(many, seed=14)) != splits_of(first)


def test_splits_do_not_depend_on_python_hash_seed():
    code = ("from moderation.classifier.data import Example, assign_splits;"
            "from moderation.classifier.records import labels;"
            "print([e.split for e in assign_splits(Example(f't{i}', labels(), 's', 'train')"
            " for i in range(200))])")
    outputs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2")}
    assert len(outputs) == 1


def test_official_splits_are_kept_and_only_missing_ones_are_carved():
    texts = [f"row {i}" for i in range(400)]
    both = [ex(t, "test", "a") for t in texts[:20]] + [ex(t, "train", "a") for t in texts[20:]]
    result = assign_splits(both)
    assert all(e.split == "test" for e in result[:20])
    later = {e.split for e in result[20:]}
    assert later == {"train", "validation"}  # its own test exists: no more test from train
    three = [ex("v", "validation", "b"), ex("t", "test", "b")] + [ex(t, "train", "b") for t in texts]
    assert {e.split for e in assign_splits(three)[2:]} == {"train"}


def test_duplicates_never_cross_splits_and_merge_within_one():
    result = assign_splits([
        ex("You  are a CLOWN", "train", "kaggle", personal_attack=1, abuse=1),
        ex("you are a clown", "test", "olid", abuse=1, personal_attack=0, threat=None),
        ex("you are a clown ", "test", "other", identity_hate=0),
        ex("same here", "validation", "h", identity_hate=1),
        ex("Same   here", "validation", "h", identity_hate=0, threat=0),
    ])
    assert [(e.text, e.source, e.split, e.labels) for e in result] == [
        # the train copy lost to test; the two test copies became the first one, labels by max
        ("you are a clown", "olid", "test", lab(1, 0, 0, None)),
        ("same here", "h", "validation", lab(None, None, 1, 0)),
    ]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "A", "b", "b ", "c c", "C  c", "d"]),
                          st.sampled_from(["train", "validation", "test"]),
                          st.sampled_from(["x", "y"]),
                          st.sampled_from([0, 1, None])), max_size=25))
def test_no_text_is_kept_twice_and_official_test_stays_test(rows):
    examples = [ex(t, split, source, abuse=v) for t, split, source, v in rows]
    result = assign_splits(examples)
    keys = [dedup_key(e.text) for e in result]
    assert len(keys) == len(set(keys)) == len({dedup_key(t) for t, *_ in rows})
    tested = {dedup_key(t) for t, split, *_ in rows if split == "test"}
    assert {dedup_key(e.text) for e in result if e.split == "test"} >= tested
    for e in result:
        copies = [(split, v) for t, split, _, v in rows if dedup_key(t) == dedup_key(e.text)]
        if all(split == "test" for split, _ in copies):  # all copies in one split: merged by max
            assert e.labels["abuse"] == max((v for _, v in copies if v is not None), default=None)


def test_bad_fractions_are_refused():
    with pytest.raises(ValueError):
        assign_splits([], validation=0.5, test=0.5)


# --- summary -------------------------------------------------------------------------------------

def test_summary_counts_rows_positives_and_known_per_source_and_split():
    summary = summarize([ex("a", "train", "k", abuse=1, personal_attack=0),
                         ex("b", "train", "k", personal_attack=1),
                         ex("c", "test", "k"),
                         ex("d", "train", "b", threat=0)])
    assert list(summary) == ["b", "k"]
    assert list(summary["k"]) == ["train", "test"]
    assert summary["k"]["train"] == {
        "rows": 2,
        "positive": {"abuse": 1, "personal_attack": 1, "identity_hate": 0, "threat": 0, "defamation": 0},
        "known": {"abuse": 1, "personal_attack": 2, "identity_hate": 0, "threat": 0, "defamation": 0}}
    assert summary["k"]["test"]["rows"] == 1 and summary["b"]["train"]["known"]["threat"] == 1
    assert json.loads(json.dumps(summary)) == summary


def test_summary_script_runs_over_a_data_root():
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "data_summary.py"),
                             "--data-root", str(DATA)], capture_output=True, text=True, check=True)
    assert "| kaggle-insults | train |" in result.stdout
    assert "| **all** | test |" in result.stdout


def test_group_mentions_are_clean_and_never_the_sentences_the_template_test_checks():
    from .test_group_templates import SENTENCES

    found = list(load_source("group-mentions", Path("/nonexistent")))
    assert len(found) > 1000
    assert all(all(v == 0 for v in e.labels.values()) for e in found)
    assert not {e.text.casefold() for e in found} & {s.casefold() for s in SENTENCES}


def test_a_spec_can_assume_a_label_its_corpus_does_not_annotate(tmp_path):
    from moderation.classifier.dataset import build_dataset, load_spec

    path = tmp_path / "spec.yaml"
    path.write_text("sources: {kaggle-insults: {assume: {defamation: 0}}, olid: {}}\n")
    spec, _ = load_spec(path)
    data = build_dataset(spec, DATA, tmp_path)
    as_loaded = {e.text: e.labels for name in ("kaggle-insults", "olid") for e in load(name)}
    for example in data.examples:
        loaded = as_loaded[example.text]
        assumed = example.source == "kaggle-insults"
        assert example.labels["defamation"] == (0 if assumed else None)
        # What the corpus says is never overridden, only what it leaves unknown.
        assert {k: v for k, v in example.labels.items() if k != "defamation"} == \
               {k: v for k, v in loaded.items() if k != "defamation"}


@pytest.mark.parametrize("assume", ["{rudeness: 0}", "{defamation: 2}"])
def test_a_spec_assumes_only_known_labels_as_0_or_1(tmp_path, assume):
    from moderation.classifier.dataset import load_spec
    from moderation.errors import ConfigError

    path = tmp_path / "spec.yaml"
    path.write_text(f"sources: {{olid: {{assume: {assume}}}}}\n")
    with pytest.raises(ConfigError, match="assume"):
        load_spec(path)
