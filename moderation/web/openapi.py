"""The OpenAPI 3.1 document, built from the same pydantic models that validate requests."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic.json_schema import models_json_schema

from ..schema import CommentIn, DecisionOut, ErrorOut, RecordOut

REF = "#/components/schemas/{model}"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def _json(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _errors(*statuses: int) -> dict[str, Any]:
    words = {400: "Malformed body", 401: "Missing or unknown token", 403: "Token of the wrong role",
             404: "Unknown comment_id", 409: "comment_id stored with a different text",
             413: "Body over the size limit", 415: "Not application/json in UTF-8",
             422: "Fields missing, unknown or mistyped", 503: "Database unavailable; retry later"}
    return {str(s): _json("ErrorOut", words[s]) for s in statuses}


def _comment_body() -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref("CommentIn")}}}


SECURED = [{"bearer": []}]


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    _, defs = models_json_schema(
        [(CommentIn, "validation"), (DecisionOut, "serialization"),
         (RecordOut, "serialization"), (ErrorOut, "serialization")],
        ref_template=REF,
    )
    input_errors = (400, 401, 403, 413, 415, 422)
    paths = {
        "/v1/check": {"post": {
            "summary": "Decide one comment; store nothing", "security": SECURED,
            "requestBody": _comment_body(),
            "responses": {"200": _json("DecisionOut", "The decision"), **_errors(*input_errors)},
        }},
        "/v1/comments": {"post": {
            "summary": "Decide and store a comment (idempotent on comment_id)", "security": SECURED,
            "requestBody": _comment_body(),
            "responses": {
                "201": _json("DecisionOut", "Decided and stored"),
                "200": _json("DecisionOut", "Already stored: the stored decision"),
                **_errors(*input_errors, 409, 503),
            },
        }},
        "/v1/comments/{comment_id}": {"get": {
            "summary": "The stored record of a comment", "security": SECURED,
            "parameters": [{"name": "comment_id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": _json("RecordOut", "The record"), **_errors(401, 403, 404, 503)},
        }},
        "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "Up"}}}},
        "/readyz": {"get": {"summary": "Readiness: database and classifier state", "responses": {
            "200": {"description": "Ready"}, "503": {"description": "Not ready"}}}},
        "/openapi.json": {"get": {"summary": "This document",
                                  "responses": {"200": {"description": "OpenAPI 3.1"}}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Comment moderation service", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": defs["$defs"],
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
