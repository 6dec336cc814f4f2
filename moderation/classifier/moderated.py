"""Moderators' decisions as labeled data: the export format, its labels, and reading it back.

A moderator's final decision says something about the classifier's labels only when
its reason is one the labels stand for:

| final decision | reason | abuse | personal_attack | identity_hate | threat | defamation |
|---|---|---|---|---|---|---|
| `accept` | any | 0 | 0 | 0 | 0 | 0 |
| `reject` | `personal_attack`, `attack_on_writer` | 1 | 1 | ? | ? | ? |
| `reject` | `abusive_language` | 1 | ? | ? | ? | ? |
| `reject` | `threat` | 1 | ? | ? | 1 | ? |
| `reject` | `identity_hate`, `incitement` | ? | ? | 1 | ? | ? |
| `reject` | `defamation` | ? | ? | ? | ? | 1 |
| `reject` | any other (`too_long`, `unsupported_language`, ...) | ? | ? | ? | ? | ? |

`?` is None (unknown). A moderator publishing a comment rules every label out. A
rejection names one reason, which says nothing about the other labels: a threat can
come without an insult, a call to expel a group without a rude word. A row whose
labels are all unknown is exported (the moderators' work is kept whole) but not
trained on.

One export line (``moderation review export``), a JSON object:
``comment_id, article_id, text, decision, reason, labels, moderator, decided_at,
automatic_decision, model_id``.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterator, Mapping

from ..errors import InputError
from .labels import LABELS
from .records import Example, labels, require_file, tally

SOURCE = "moderators"
DECISIONS = ("accept", "reject")

# What a rejection for each reason code says about the labels; any other code says nothing.
REJECT_LABELS: Mapping[str, Mapping[str, int]] = MappingProxyType({
    "personal_attack": {"personal_attack": 1, "abuse": 1},
    "attack_on_writer": {"personal_attack": 1, "abuse": 1},
    "abusive_language": {"abuse": 1},
    "threat": {"threat": 1, "abuse": 1},
    "identity_hate": {"identity_hate": 1},
    "incitement": {"identity_hate": 1},
    "defamation": {"defamation": 1},
})


def labels_for(decision: str, reason: str) -> dict[str, int | None]:
    """The classifier labels a moderator's final decision and reason stand for (the table above)."""
    if decision == "accept":
        return labels(**dict.fromkeys(LABELS, 0))
    if decision == "reject":
        return labels(**REJECT_LABELS.get(reason, {}))
    raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")


def has_labels(found: Mapping[str, int | None]) -> bool:
    return any(value is not None for value in found.values())


def export_row(item: Mapping[str, Any]) -> dict[str, Any]:
    """One export line from a ``ReviewQueue.resolved()`` item."""
    moderation = item["moderation"]
    automatic = item.get("automatic") or {}
    return {
        "comment_id": item["comment_id"],
        "article_id": item.get("article_id"),
        "text": item["text"],
        "decision": moderation["decision"],
        "reason": moderation["reason"],
        "labels": labels_for(moderation["decision"], moderation["reason"]),
        "moderator": moderation["moderator"],
        "decided_at": moderation["decided_at"],
        "automatic_decision": automatic.get("decision"),
        "model_id": (automatic.get("model") or {}).get("id"),
    }


def read_export(path: Path) -> Iterator[dict[str, Any]]:
    """The export's lines, checked: text, decision and reason present, labels 1, 0 or null."""
    with require_file(Path(path)).open(encoding="utf-8") as handle:
        n = 0
        try:
            for n, line in enumerate(handle, 1):
                if line.strip():
                    yield _checked(json.loads(line), path, n)
        except json.JSONDecodeError as exc:
            raise InputError("bad_file", f"{path}, line {n}: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise InputError("bad_file", f"{path}: not UTF-8 after line {n}: {exc}") from exc


def _checked(row: Any, path: Path, n: int) -> dict[str, Any]:
    where = f"{path}, line {n}"
    if not isinstance(row, dict):
        raise InputError("bad_file", f"{where}: not a JSON object")
    missing = [f for f in ("text", "decision", "reason", "labels") if f not in row]
    if missing:
        raise InputError("missing_column", f"{where}: no field {missing[0]!r}; is this a moderators' export?")
    if row["decision"] not in DECISIONS or not isinstance(row["text"], str):
        raise InputError("bad_value", f"{where}: decision must be accept or reject, text a string")
    found = row["labels"]
    if (not isinstance(found, dict) or set(found) - set(LABELS)
            or any(v not in (0, 1, None) or isinstance(v, bool) for v in found.values())):
        raise InputError("bad_value", f"{where}: labels must map {', '.join(LABELS)} to 1, 0 or null")
    return {**row, "labels": labels(**{k: None if v is None else int(v) for k, v in found.items()})}


def load_export(path: Path, *, source: str = SOURCE) -> Iterator[Example]:
    """Training examples from an export; rows without text or without any known label are skipped."""

    def rows() -> Iterator[Example | str]:
        for row in read_export(path):
            text = row["text"].strip()
            if not text:
                yield "no text"
            elif not has_labels(row["labels"]):
                yield "no classifier label"
            else:
                # "train": split by the spec's seed like every source without official splits.
                yield Example(text, row["labels"], source, "train")
    return tally(source, Path(path), rows())
