"""Reading a JSON request body strictly: content type, UTF-8, JSON syntax, an object at the top."""

from __future__ import annotations

import json
from typing import Any

from flask import request

from .errors import ApiError


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def json_object() -> dict[str, Any]:
    """The request body as a dict, or an ApiError naming what is wrong with it."""
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as Content-Type: application/json")
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ApiError(415, "unsupported_media_type", "the body must be encoded as UTF-8")
    raw = request.get_data(cache=False)  # bounded by MAX_CONTENT_LENGTH (413 past it)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_utf8", "the body is not valid UTF-8") from None
    try:
        data = json.loads(text, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "invalid_json", f"the body is not valid JSON: {str(exc)[:120]}") from None
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_request", "the body must be a JSON object")
    return data
