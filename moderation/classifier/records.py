"""The labeled example record, and the file reading every corpus loader shares."""

from __future__ import annotations

import csv
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Iterator, Mapping, Sequence

from ..errors import InputError
from .labels import LABELS

log = logging.getLogger("moderation.classifier.data")

SPLITS: tuple[str, ...] = ("train", "validation", "test")


@dataclass(frozen=True)
class Example:
    """One text with its labels: 1, 0, or None where its source does not say."""

    text: str
    labels: Mapping[str, int | None]
    source: str
    split: str
    spans: tuple[tuple[int, int], ...] | None = None

    def __post_init__(self) -> None:
        # Checked once here so that no later stage has to guess what a label dict holds.
        if set(self.labels) != set(LABELS):
            raise ValueError(f"labels must name exactly {LABELS}, got {sorted(self.labels)}")
        if any(v not in (0, 1, None) for v in self.labels.values()):
            raise ValueError(f"label values must be 1, 0 or None, got {dict(self.labels)}")
        if self.split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {self.split!r}")
        # Read-only and in LABELS order, so two equal examples compare and print alike.
        object.__setattr__(self, "labels", MappingProxyType({k: self.labels[k] for k in LABELS}))

    # A mappingproxy cannot be pickled; training may send examples to worker processes.
    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "labels": dict(self.labels)}

    def __setstate__(self, state: dict[str, object]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "labels", MappingProxyType(dict(self.labels)))


def labels(**known: int | None) -> dict[str, int | None]:
    """Every label, None unless given: labels(abuse=1) says nothing about the others."""
    unknown = set(known) - set(LABELS)
    if unknown:
        raise ValueError(f"unknown labels {sorted(unknown)}")
    return {name: known.get(name) for name in LABELS}


def require_file(path: Path) -> Path:
    if not path.is_file():
        raise InputError("missing_file", f"data file not found: {path}")
    return path


def read_rows(path: Path, *, columns: Sequence[str], delimiter: str = ",",
              quoting: int = csv.QUOTE_MINIMAL) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each record of a CSV/TSV file whose header must hold `columns`."""
    with require_file(path).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter, quoting=quoting)
        try:
            header = reader.fieldnames or []
            missing = [c for c in columns if c not in header]
            if missing:
                raise InputError("missing_column", f"{path}: no column {missing[0]!r} (header: {header})")
            for row in reader:
                yield reader.line_num, row
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError("bad_file", f"{path}, line {reader.line_num}: {exc}") from exc


def read_lines(path: Path) -> Iterator[str]:
    """The lines of a one-record-per-line text file, without their line ends."""
    # newline="\n": only LF ends a record; a stray CR inside a tweet stays part of it.
    with require_file(path).open(encoding="utf-8", newline="\n") as handle:
        try:
            for line in handle:
                yield line[:-1] if line.endswith("\n") else line
        except UnicodeDecodeError as exc:
            raise InputError("bad_file", f"{path}: {exc}") from exc


def bit(value: str, *, path: Path, line: int, column: str) -> int:
    """A corpus's own 0/1 cell; anything else means the file is not what we expect."""
    value = value.strip()
    if value not in ("0", "1"):
        raise InputError("bad_value", f"{path}, line {line}: column {column!r} is {value!r}, not 0 or 1")
    return int(value)


def tally(source: str, path: Path, items: Iterable[Example | str]) -> Iterator[Example]:
    """Yield the examples; items that are strings are reasons a row was skipped, counted and logged."""
    skipped: Counter[str] = Counter()
    for item in items:
        if isinstance(item, str):
            skipped[item] += 1
        else:
            yield item
    if skipped:
        log.info("%s: %s: skipped %s", source, path.name,
                 ", ".join(f"{n} ({why})" for why, n in sorted(skipped.items())))
    return sum(skipped.values())
