"""What the pages show of a stored comment: highlighted segments, excerpts, top scores, ages.

Everything here returns plain strings and numbers; the templates escape them. The
comment text and every stored field are hostile input, so no markup is built here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

EXCERPT_CHARS = 160


@dataclass(frozen=True)
class Segment:
    """A run of the comment text; a marked one is evidence for the reasons in ``codes``."""

    text: str
    marked: bool = False
    codes: tuple[str, ...] = ()


def segments(text: str, reasons: Iterable[Mapping[str, Any]]) -> list[Segment]:
    """The text cut at the evidence spans of all reasons, overlapping spans merged.

    Spans are code-point offsets into the original text; ones that fall outside it
    are clipped, so a damaged record still renders.
    """
    marks: list[tuple[int, int, str]] = []
    for reason in reasons:
        code = str(reason.get("code") or "")
        for span in reason.get("spans") or ():
            start, end = span.get("start"), span.get("end")
            if not (_is_int(start) and _is_int(end)):
                continue
            start, end = max(0, start), min(len(text), end)
            if start < end:
                marks.append((start, end, code))
    merged: list[tuple[int, int, set[str]]] = []
    for start, end, code in sorted(marks):
        if merged and start <= merged[-1][1]:
            last_start, last_end, codes = merged[-1]
            codes.add(code)
            merged[-1] = (last_start, max(last_end, end), codes)
        else:
            merged.append((start, end, {code}))
    out: list[Segment] = []
    position = 0
    for start, end, codes in merged:
        if position < start:
            out.append(Segment(text[position:start]))
        out.append(Segment(text[start:end], True, tuple(sorted(c for c in codes if c))))
        position = end
    if position < len(text):
        out.append(Segment(text[position:]))
    return out


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of the text on one line, cut at a word where possible."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    if " " in cut[limit // 2:]:
        cut = cut[:cut.rindex(" ")]
    return cut + "…"


def top_score(automatic: Mapping[str, Any] | None) -> float | None:
    """The highest score the automatic decision recorded, from any reason or label."""
    if not automatic:
        return None
    found = [reason.get("score") for reason in automatic.get("reasons") or ()]
    found += list((automatic.get("scores") or {}).values())
    numbers = [float(s) for s in found if isinstance(s, (int, float)) and not isinstance(s, bool)
               and math.isfinite(s)]
    return max(numbers, default=None)


def reason_codes(automatic: Mapping[str, Any] | None) -> list[str]:
    """The automatic decision's reason codes, in its order, each once."""
    codes: list[str] = []
    for reason in (automatic or {}).get("reasons") or ():
        code = reason.get("code")
        if isinstance(code, str) and code not in codes:
            codes.append(code)
    return codes


def parse_time(iso: str | None) -> datetime | None:
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def when(iso: str | None) -> str:
    """A stored time for people: "2026-11-26 04:32 UTC"."""
    moment = parse_time(iso)
    return "–" if moment is None else moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def age(iso: str | None, now: datetime) -> str:
    """How long ago, roughly: "just now", "12 min", "3 h", "5 d"."""
    moment = parse_time(iso)
    if moment is None:
        return "–"
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def live_claim(review: Mapping[str, Any] | None, now: datetime) -> dict | None:
    """The item's claim while it lasts; an expired one holds nobody back."""
    claim = (review or {}).get("claim")
    if not claim:
        return None
    expires = parse_time(claim.get("expires_at"))
    return dict(claim) if expires is not None and expires > now else None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
