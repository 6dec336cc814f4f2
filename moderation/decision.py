"""The values a comment's decision is made of: context, verdicts, reasons, decision. No I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping

from .text import Normalized

# Ordered from least to most severe; the merge keeps the most severe.
ACTIONS: tuple[str, ...] = ("accept", "review", "reject")
SEVERITY: Mapping[str, int] = MappingProxyType({a: i for i, a in enumerate(ACTIONS)})

# Optional metadata a site may send with a comment.
METADATA_FIELDS: tuple[str, ...] = (
    "comment_id", "article_id", "author_id", "author_name", "parent_id", "language",
)


@dataclass(frozen=True)
class Span:
    """Half-open character range into the original text, with the text it covers."""

    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class Reason:
    """Why a rule acted: the published policy, what triggered it, and how sure it is."""

    code: str
    policy: str
    action: str
    source: str
    message: str
    rule: str = ""
    spans: tuple[Span, ...] = ()
    score: float | None = None

    def __post_init__(self) -> None:
        if self.action not in SEVERITY:
            raise ValueError(f"unknown action {self.action!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "policy": self.policy,
            "action": self.action,
            "source": self.source,
            "message": self.message,
            "rule": self.rule,
            "score": self.score,
            "spans": [s.to_dict() for s in self.spans],
        }


@dataclass(frozen=True)
class ModelRef:
    """Which classifier artifact produced the scores."""

    id: str
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "sha256": self.sha256}


@dataclass(frozen=True)
class Suggestion:
    """An obvious misspelling and its likely fix; offered to the site, never applied, never decisive."""

    start: int
    end: int
    text: str
    suggestion: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text, "suggestion": self.suggestion}


@dataclass(frozen=True)
class Verdict:
    """One finding of one rule: a reason to act, scores to record, suggestions, or any of them."""

    reason: Reason | None = None
    scores: Mapping[str, float] = field(default_factory=dict)
    model: ModelRef | None = None
    suggestions: tuple[Suggestion, ...] = ()


@dataclass(frozen=True)
class CommentContext:
    """Everything a rule may look at: the original text, its normalized views, metadata."""

    text: str
    views: Normalized
    metadata: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, text: str, metadata: Mapping[str, str] | None = None) -> "CommentContext":
        return cls(text=text, views=Normalized.of(text), metadata=MappingProxyType(dict(metadata or {})))

    def span(self, start: int, end: int) -> Span:
        """A span of the original text."""
        return Span(start, end, self.text[start:end])

    def spans(self, ranges: Iterable[tuple[int, int]]) -> tuple[Span, ...]:
        """Spans of the original text, sorted, with overlapping or touching ranges merged."""
        merged: list[tuple[int, int]] = []
        for start, end in sorted(ranges):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return tuple(self.span(start, end) for start, end in merged)


@dataclass(frozen=True)
class Decision:
    """The outcome for one comment: what is returned, stored and logged."""

    decision: str
    reasons: tuple[Reason, ...]
    scores: Mapping[str, float]
    model: ModelRef | None
    policy_version: str
    comment_id: str | None = None
    suggestions: tuple[Suggestion, ...] = ()

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    def to_dict(self) -> dict[str, Any]:
        return {
            "comment_id": self.comment_id,
            "decision": self.decision,
            "reasons": [r.to_dict() for r in self.reasons],
            "scores": dict(self.scores),
            "model": self.model.to_dict() if self.model else None,
            "policy_version": self.policy_version,
            "suggestions": [s.to_dict() for s in self.suggestions],
        }


# A rule is any callable from a comment's context to its verdicts.
Rule = Callable[[CommentContext], Iterable[Verdict]]
