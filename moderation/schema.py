"""The shapes of what comes in and goes out: request validation and the documented responses."""

from __future__ import annotations

import re
from typing import Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import InputError

ID_MAX = 200


def _clean(value: str) -> str:
    # Lone surrogates cannot be stored or sent back as UTF-8; NUL cannot live in PostgreSQL text.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (no lone surrogates)") from None
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def storable(value: str) -> bool:
    """Whether a string can be stored: an id that cannot was never stored, and PostgreSQL
    refuses even to look it up (NUL), which must not surface as a database failure."""
    try:
        _clean(value)
    except ValueError:
        return False
    return True


# The characters _clean refuses, stated in the document too (a JSON Schema pattern can say
# "no NUL"; lone surrogates it cannot, so only the descriptions name them).
NO_NUL = "^[^\\u0000]*$"

# X-Moderator: 1 to 255 characters, no control characters and no space at either end (the
# name is shown in pages and written to logs). One pattern for the check and the document,
# written so that Python and ECMA-262 regular expressions read it alike.
MODERATOR_NAME = "^[^\\x00-\\x20\\x7f](?:[^\\x00-\\x1f\\x7f]{0,253}[^\\x00-\\x20\\x7f])?$"

# What a comment_id can hold and still be read back at /v1/comments/<comment_id>: the router
# merges a leading "/" into the slash before it, and its path matching stops at a line feed.
COMMENT_ID = "^[^/\\u0000\\n][^\\u0000\\n]*$"
_COMMENT_ID = re.compile(COMMENT_ID)


def _document_clean(schema: dict[str, Any]) -> None:
    """Give every free string of a request model's JSON schema the NUL pattern."""
    for prop in schema.get("properties", {}).values():
        kinds = [prop, *prop.get("anyOf", ())]
        if "enum" in prop or any("pattern" in kind for kind in kinds):
            continue
        if any(kind.get("type") == "string" for kind in kinds):
            prop["pattern"] = NO_NUL


class CommentIn(BaseModel):
    """A comment as the site sends it. Strings must not contain NUL or lone surrogates."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, json_schema_extra=_document_clean)

    text: str = Field(description="The comment exactly as the reader wrote it.")
    comment_id: str | None = Field(None, min_length=1, max_length=ID_MAX,
                                   json_schema_extra={"pattern": COMMENT_ID},
                                   description="The site's id; required when storing.")
    article_id: str | None = Field(None, max_length=ID_MAX)
    author_id: str | None = Field(None, max_length=ID_MAX)
    author_name: str | None = Field(None, max_length=ID_MAX)
    parent_id: str | None = Field(None, max_length=ID_MAX)
    language: str | None = Field(None, max_length=32, description="BCP 47 tag, if the site knows it.")

    @field_validator("*")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return _clean(value) if isinstance(value, str) else value

    @field_validator("comment_id")
    @classmethod
    def _addressable(cls, value: str | None) -> str | None:
        if value is not None and not _COMMENT_ID.fullmatch(value):
            raise ValueError("must not start with '/' or contain a line feed "
                             "(it could not be read back at /v1/comments/<comment_id>)")
        return value

    def metadata(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump(exclude={"text"}).items() if v is not None}


class StoredCommentIn(CommentIn):
    """A comment to decide and store: comment_id is required. Strings must not contain NUL or
    lone surrogates."""

    comment_id: str = Field(min_length=1, max_length=ID_MAX, json_schema_extra={"pattern": COMMENT_ID},
                            description="The site's id for the comment.")


def parse_comment(data: Any, *, require_id: bool = False) -> CommentIn:
    """Validate a comment, raising InputError with every problem named."""
    if isinstance(data, str) and not require_id:
        data = {"text": data}
    if not isinstance(data, Mapping):
        raise InputError("invalid_request", "the comment must be a JSON object with a 'text' field")
    model = StoredCommentIn if require_id else CommentIn
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        raise InputError("invalid_request", describe(exc)) from None


def describe(exc: ValidationError) -> str:
    """One line naming each bad field, without echoing the input back."""
    parts = []
    for err in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(p) for p in err["loc"]) or "body"
        parts.append(f"{where}: {err['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


class SpanOut(BaseModel):
    start: int = Field(ge=0, description="Offset of the first character, in code points of the original text.")
    end: int = Field(ge=0, description="Offset just past the last character.")
    text: str


class ReasonOut(BaseModel):
    code: str
    policy: str = Field(description="Id of the published policy, or 'service' for operational reasons.")
    action: Literal["accept", "review", "reject"]
    source: str = Field(description="What found it: rule, wordlist, model.")
    message: str = Field(description="Safe to show the commenter.")
    rule: str = Field(description="The published policy text.")
    score: float | None
    spans: list[SpanOut]


class ModelOut(BaseModel):
    id: str
    sha256: str


class SuggestionOut(BaseModel):
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str = Field(description="What the commenter wrote.")
    suggestion: str = Field(description="The likely intended word; never applied by the service.")


class DecisionOut(BaseModel):
    comment_id: str | None
    decision: Literal["accept", "review", "reject"]
    reasons: list[ReasonOut]
    scores: dict[str, float]
    model: ModelOut | None
    policy_version: str
    suggestions: list[SuggestionOut] = Field(
        description="Obvious misspellings the site may correct (the corrections policy); they never affect the decision.")


class RecordOut(BaseModel):
    comment_id: str
    text: str
    article_id: str | None
    author_id: str | None
    author_name: str | None
    parent_id: str | None
    language: str | None
    received_at: str
    decision: Literal["accept", "review", "reject"] = Field(description="The decision in force.")
    automatic: DecisionOut
    moderation: "ModerationOut | None" = Field(description="The moderator's decision, if any.")


class ErrorOut(BaseModel):
    error: str
    message: str


NOTE_MAX = 2000


class ResolveIn(BaseModel):
    """A moderator's decision on a stored comment. Strings must not contain NUL or lone surrogates."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, json_schema_extra=_document_clean)

    decision: Literal["accept", "reject"]
    reason: str = Field(min_length=1, max_length=64,
                        description="A reason code of config.yaml's messages, e.g. personal_attack.")
    note: str | None = Field(None, max_length=NOTE_MAX, description="For other moderators; never published.")
    override: bool = Field(False, description="Required to change a decision a moderator already made.")

    @field_validator("reason", "note")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return _clean(value) if isinstance(value, str) else value


class ModerationOut(BaseModel):
    decision: Literal["accept", "reject"]
    reason: str
    note: str | None
    moderator: str
    decided_at: str


class ClaimOut(BaseModel):
    moderator: str
    expires_at: str


class ReviewOut(BaseModel):
    status: Literal["pending", "resolved"]
    priority: float = Field(description="Highest model score as a share of its reject threshold.")
    enqueued_at: str
    resolved_at: str | None
    claim: ClaimOut | None


class ItemOut(RecordOut):
    review: ReviewOut | None = Field(description="Where the comment stands in the review queue; null if never held.")


class QueueOut(BaseModel):
    items: list[ItemOut]
    next_cursor: str | None = Field(description="Pass as cursor= for the next page; null at the end.")
    counts: dict[str, int] = Field(description="Pending items per reason code, over the whole queue.")
