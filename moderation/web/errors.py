"""Every error leaves the service as JSON {"error", "message"} with the right status."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify
from werkzeug.exceptions import HTTPException

from ..errors import InputError, StoreError, StoreUnavailable
from ..store import CommentConflict

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "5"


class ApiError(Exception):
    """An error a view raises on purpose, with the status and code the client sees."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    response = jsonify(error=code, message=message)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _snake(name: str) -> str:
    return name.lower().replace(" ", "_").replace("-", "_")


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.errorhandler(InputError)
    def input_error(exc: InputError) -> Response:
        return error_response(422, exc.code, exc.message)

    @app.errorhandler(CommentConflict)
    def conflict(exc: CommentConflict) -> Response:
        return error_response(409, "comment_id_conflict",
                              "this comment_id is already stored with a different text")

    @app.errorhandler(StoreError)
    def store_error(exc: StoreError) -> Response:
        # Nothing was acknowledged: the site retries, and the comment is not lost.
        log.error("database error: %s", exc, exc_info=not isinstance(exc, StoreUnavailable))
        return error_response(503, "unavailable", "the service cannot store comments right now; retry",
                              {"Retry-After": RETRY_AFTER_SECONDS})

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        messages = {
            404: "no such resource",
            405: "method not allowed on this resource",
            413: f"request body over {app.config['MAX_CONTENT_LENGTH']} bytes",
        }
        headers = {}
        if status == 429:
            retry = g.get("retry_after", 1)
            messages[429] = f"too many requests for this token; retry in {retry} s"
            headers["Retry-After"] = str(retry)
        response = error_response(status, _snake(exc.name), messages.get(status, exc.name), headers)
        if status == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return error_response(500, "internal_error", "unexpected error; the request was not processed")
