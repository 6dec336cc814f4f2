"""The length policy: a comment may hold at most so many characters, and not none."""

from __future__ import annotations

from typing import Iterator

from ..decision import CommentContext, Reason, Verdict


class Length:
    """Rejects empty comments and comments over the limit, counted in code points after trimming."""

    name = "length"

    def __init__(self, *, max_chars: int, rule: str, too_long_message: str, empty_message: str) -> None:
        self.max_chars = max_chars
        self.rule = rule
        self.too_long_message = too_long_message
        self.empty_message = empty_message

    def __call__(self, ctx: CommentContext) -> Iterator[Verdict]:
        text = ctx.text
        lead = len(text) - len(text.lstrip())
        count = len(text.strip())
        # Invisible characters alone (zero-width, bidi controls) make no comment either.
        if count == 0 or not ctx.views.folded.text.strip():
            yield self._reject("empty", self.empty_message)
        elif count > self.max_chars:
            # Point at the part past the limit: that is what the commenter has to cut.
            start = lead + self.max_chars
            end = lead + count
            message = self.too_long_message.format(limit=self.max_chars, count=count)
            yield self._reject("too_long", message, (ctx.span(start, end),))

    def _reject(self, code: str, message: str, spans: tuple = ()) -> Verdict:
        return Verdict(reason=Reason(
            code=code, policy="length", action="reject", source="rule",
            message=message, rule=self.rule, spans=spans,
        ))
