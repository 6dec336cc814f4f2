"""Labeled data for training and evaluation: loading corpora and files, splitting, summarizing.

Every loader streams ``Example`` records whose labels are 1, 0, or None where the source
does not say; the per-corpus mappings are in ``sources.py`` and documented in DATA.md.
The corpora are read by path from a data root and never copied into the repository.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Collection, Iterable, Iterator, Mapping

from ..errors import InputError
from .labels import LABELS
from .records import SPLITS, Example, labels, read_rows, require_file, tally
from .sources import SOURCES

__all__ = ["LABELS", "SPLITS", "SOURCES", "Example", "load_source", "load_labeled_file",
           "assign_splits", "summarize", "dedup_key"]

_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_TRUE = frozenset({"true", "yes"})
_FALSE = frozenset({"false", "no"})
_MISSING = frozenset({"", "none", "null", "nan", "na", "n/a"})
_RANK = {"test": 0, "validation": 1, "train": 2}  # who keeps a text found in two splits
_SPACE = re.compile(r"\s+")


# Sources made by the package itself rather than read from data_root.
GENERATED = frozenset({"group-mentions"})


def load_source(name: str, data_root: Path) -> Iterator[Example]:
    """Stream one corpus from `data_root` (the folder holding kaggle-insults/, olid/, ...)."""
    if name not in SOURCES:
        raise InputError("unknown_source", f"unknown source {name!r}; known: {', '.join(SOURCES)}")
    folder = Path(data_root) / name
    if name not in GENERATED and not folder.is_dir():
        raise InputError("missing_file", f"no folder {folder} for source {name!r}")
    return SOURCES[name](Path(data_root))


def _flag(value: Any, positive: frozenset[str]) -> int | None:
    """A cell as 1, 0 or None (empty or null); any other string not listed as positive is 0."""
    if value is None or isinstance(value, bool):
        return None if value is None else int(value)
    if isinstance(value, (int, float)):
        return None if math.isnan(value) else int(value >= 0.5)
    text = str(value).strip().casefold()
    if text in _MISSING:
        return None
    if text in positive or text in _TRUE:
        return 1
    if text in _FALSE:
        return 0
    try:
        number = float(text)
    except ValueError:
        return 0
    return None if math.isnan(number) else int(number >= 0.5)


def _records(path: Path, fmt: str, columns: list[str]) -> Iterator[Mapping[str, Any]]:
    if fmt in ("csv", "tsv"):
        for _, row in read_rows(path, columns=columns, delimiter="," if fmt == "csv" else "\t"):
            yield row
        return
    checked, n = False, 0
    with require_file(path).open(encoding="utf-8") as handle:
        try:
            for n, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise InputError("bad_file", f"{path}, line {n}: not a JSON object")
                if not checked:  # JSON Lines has no header: the first record stands for one
                    missing = [c for c in columns if c not in record]
                    if missing:
                        raise InputError("missing_column",
                                         f"{path}: no field {missing[0]!r} in the first record")
                    checked = True
                yield record
        except json.JSONDecodeError as exc:
            raise InputError("bad_file", f"{path}, line {n}: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise InputError("bad_file", f"{path}: not UTF-8 after line {n}: {exc}") from exc


def load_labeled_file(path: Path, *, text_column: str, label_columns: Mapping[str, str],
                      fmt: str | None = None, source: str | None = None, split: str = "test",
                      positive: Collection[str] = ("1", "true", "yes")) -> Iterator[Example]:
    """Stream any CSV, TSV or JSON Lines file of labeled texts (format from the suffix).

    `label_columns` maps our label to the file's column; labels not mapped are None. Rows
    without text are skipped and counted; a mapped column that does not exist is an error.
    """
    path = Path(path)
    fmt = fmt or _FORMATS.get(path.suffix.lower())
    if fmt not in ("csv", "tsv", "jsonl"):
        raise InputError("bad_format", f"{path}: say fmt='csv', 'tsv' or 'jsonl' for this file")
    unknown = sorted(set(label_columns) - set(LABELS))
    if unknown:
        raise InputError("unknown_label", f"unknown label {unknown[0]!r}; labels are {', '.join(LABELS)}")
    if split not in SPLITS:
        raise InputError("bad_split", f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    name = source or path.stem
    positives = frozenset(p.casefold() for p in positive)
    columns = [text_column, *label_columns.values()]

    def rows() -> Iterator[Example | str]:
        for record in _records(path, fmt, columns):
            text = record.get(text_column)
            text = text.strip() if isinstance(text, str) else ""
            if not text:
                yield "no text"
                continue
            found = {label: _flag(record.get(column), positives) for label, column in label_columns.items()}
            yield Example(text, labels(**found), name, split)
    return tally(name, path, rows())


def dedup_key(text: str) -> str:
    """Two texts are the same example when they agree after case folding and collapsing spaces."""
    return _SPACE.sub(" ", text.casefold()).strip()


def _bucket(key: str, seed: int) -> float:
    # blake2b, not hash(): the same text lands in the same split on every run and machine.
    digest = hashlib.blake2b(f"{seed}\x00{key}".encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _merge(values: Iterable[Mapping[str, int | None]]) -> dict[str, int | None]:
    merged: dict[str, int | None] = dict.fromkeys(LABELS)
    for found in values:
        for label, value in found.items():
            if value is not None:
                merged[label] = max(value, merged[label] or 0)
    return merged


def assign_splits(examples: Iterable[Example], *, seed: int = 13, validation: float = 0.1,
                  test: float = 0.1) -> list[Example]:
    """Final splits: official ones kept, the rest by a stable hash of the text, duplicates merged.

    A source's official splits are the ones present in its examples: a source with its
    own test (or validation) split gets no more from its training rows. The same text
    (``dedup_key``) never lands in two splits: test wins over validation over train, even
    across sources; within a split its copies become one example (the first one seen) with
    labels merged by max, None only where every copy says None. Order follows the input.
    """
    if not (0 <= validation and 0 <= test and validation + test < 1):
        raise ValueError(f"bad fractions: validation={validation}, test={test}")
    items = list(examples)
    official: dict[str, set[str]] = {}
    for example in items:
        official.setdefault(example.source, set()).add(example.split)

    chosen: dict[str, tuple[str, list[int]]] = {}
    for i, example in enumerate(items):
        key = dedup_key(example.text)
        split = example.split
        if split == "train":
            u, own = _bucket(key, seed), official[example.source]
            if u < test and "test" not in own:
                split = "test"
            elif test <= u < test + validation and "validation" not in own:
                split = "validation"
        best = chosen.get(key)
        if best is None or _RANK[split] < _RANK[best[0]]:
            chosen[key] = (split, [i])
        elif split == best[0]:
            best[1].append(i)

    kept = sorted(chosen.values(), key=lambda entry: entry[1][0])
    return [items[idx[0]] if len(idx) == 1 and items[idx[0]].split == split
            else replace(items[idx[0]], split=split, labels=_merge(items[i].labels for i in idx))
            for split, idx in kept]


def summarize(examples: Iterable[Example]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per source and split: rows, and per label how many are positive and how many known."""
    table: dict[str, dict[str, dict[str, Any]]] = {}
    for example in examples:
        cell = table.setdefault(example.source, {}).setdefault(example.split, {
            "rows": 0, "positive": dict.fromkeys(LABELS, 0), "known": dict.fromkeys(LABELS, 0)})
        cell["rows"] += 1
        for label, value in example.labels.items():
            if value is not None:
                cell["known"][label] += 1
                cell["positive"][label] += value
    return {source: {split: table[source][split] for split in SPLITS if split in table[source]}
            for source in sorted(table)}
