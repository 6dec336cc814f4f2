"""The OpenAPI 3.1 document, built from the same pydantic models that validate requests."""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

from flask import current_app, has_app_context
from pydantic.json_schema import models_json_schema

from ..schema import (
    MODERATOR_NAME, NO_NUL, CommentIn, DecisionOut, ErrorOut, ItemOut, QueueOut, RecordOut, ResolveIn,
    StoredCommentIn,
)

REF = "#/components/schemas/{model}"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def _json(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _errors(*statuses: int) -> dict[str, Any]:
    words = {400: "Malformed body or query", 401: "Missing or unknown token", 403: "Token of the wrong role",
             404: "Unknown comment_id",
             409: "comment_id stored with a different text; or already resolved, or claimed by another moderator",
             413: "Body over the size limit", 415: "Not application/json in UTF-8",
             429: "Over this token's rate limit; Retry-After says when to retry",
             422: "Fields missing, unknown or mistyped", 503: "Database unavailable; retry later"}
    return {str(s): _json("ErrorOut", words[s]) for s in statuses}


def _comment_body(model: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(model)}}}


SECURED = [{"bearer": []}]
# Paths without a rate limit (limits.EXEMPT); every other one may answer 429.
UNLIMITED = ("/healthz", "/readyz", "/openapi.json")
COMMENT_ID = {"name": "comment_id", "in": "path", "required": True, "schema": {"type": "string"}}
MODERATOR = {"name": "X-Moderator", "in": "header", "required": False,
             "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": MODERATOR_NAME},
             "description": "Who is acting, for claims and the audit log (default: api)."}
ORDER = {"name": "order", "in": "query", "schema": {"enum": ["oldest", "priority"], "default": "oldest"}}
# Query strings with NUL are refused (400): nothing stored could match them.
TEXT = {"type": "string", "pattern": NO_NUL}
REASON = {"name": "reason", "in": "query", "schema": TEXT,
          "description": "Only items held for this reason code."}


def _review_paths() -> dict[str, Any]:
    return {
        "/v1/review": {"get": {
            "summary": "Pending items, oldest first or closest to a reject threshold first",
            "security": SECURED,
            "parameters": [ORDER, REASON,
                           {"name": "article_id", "in": "query", "schema": TEXT},
                           {"name": "limit", "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}},
                           {"name": "cursor", "in": "query", "schema": TEXT}],
            "responses": {"200": _json("QueueOut", "A page of the queue"), **_errors(400, 401, 403, 503)},
        }},
        "/v1/review/{comment_id}": {
            "get": {
                "summary": "One comment with its queue state; claims it if pending and free",
                "security": SECURED, "parameters": [COMMENT_ID, MODERATOR],
                "responses": {"200": _json("ItemOut", "The item"), **_errors(400, 401, 403, 404, 503)},
            },
            "post": {
                "summary": "Resolve a held comment, or override any stored decision",
                "security": SECURED, "parameters": [COMMENT_ID, MODERATOR],
                "requestBody": {"required": True,
                                "content": {"application/json": {"schema": _ref("ResolveIn")}}},
                "responses": {"200": _json("RecordOut", "The updated record"),
                              **_errors(400, 401, 403, 404, 409, 413, 415, 422, 503)},
            },
        },
        "/v1/claims": {"post": {
            "summary": "Claim the next pending item nobody holds", "security": SECURED,
            "parameters": [ORDER, REASON, MODERATOR],
            "responses": {"200": _json("ItemOut", "The claimed item"),
                          "204": {"description": "Nothing to claim"}, **_errors(400, 401, 403, 503)},
        }},
        "/v1/claims/{comment_id}": {"delete": {
            "summary": "Give back one's claim on an item", "security": SECURED,
            "parameters": [COMMENT_ID, MODERATOR],
            "responses": {"204": {"description": "Released (or not held by this moderator)"},
                          **_errors(400, 401, 403, 404, 503)},
        }},
    }


def document() -> dict[str, Any]:
    """The document; served by an app, ResolveIn.reason lists the reason codes its config.yaml has."""
    if not has_app_context():
        return base_document()
    return _with_reasons(tuple(sorted(current_app.extensions["moderation"].settings.messages)))


@lru_cache(maxsize=8)
def _with_reasons(reasons: tuple[str, ...]) -> dict[str, Any]:
    # POST /v1/review/{comment_id} refuses any other reason (400): the document says which.
    doc = copy.deepcopy(base_document())
    doc["components"]["schemas"]["ResolveIn"]["properties"]["reason"]["enum"] = list(reasons)
    return doc


@lru_cache(maxsize=1)
def base_document() -> dict[str, Any]:
    """The document for any config: reason codes are only said to be strings."""
    _, defs = models_json_schema(
        [(CommentIn, "validation"), (StoredCommentIn, "validation"), (ResolveIn, "validation"),
         (DecisionOut, "serialization"),
         (RecordOut, "serialization"), (ItemOut, "serialization"), (QueueOut, "serialization"),
         (ErrorOut, "serialization")],
        ref_template=REF,
    )
    input_errors = (400, 401, 403, 413, 415, 422)
    paths = {
        "/v1/check": {"post": {
            "summary": "Decide one comment; store nothing", "security": SECURED,
            "requestBody": _comment_body("CommentIn"),
            "responses": {"200": _json("DecisionOut", "The decision"), **_errors(*input_errors)},
        }},
        "/v1/comments": {"post": {
            "summary": "Decide and store a comment (idempotent on comment_id)", "security": SECURED,
            "requestBody": _comment_body("StoredCommentIn"),
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
        **_review_paths(),
        "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "Up"}}}},
        "/readyz": {"get": {"summary": "Readiness: database and classifier state", "responses": {
            "200": {"description": "Ready"}, "503": {"description": "Not ready"}}}},
        "/metrics": {"get": {
            "summary": "Prometheus metrics (operator token)", "security": SECURED,
            "responses": {"200": {"description": "Prometheus text format",
                                  "content": {"text/plain": {"schema": {"type": "string"}}}},
                          **_errors(401, 403)},
        }},
        "/openapi.json": {"get": {"summary": "This document",
                                  "responses": {"200": {"description": "OpenAPI 3.1"}}}},
    }
    for path, operations in paths.items():
        if path not in UNLIMITED:
            for operation in operations.values():
                operation["responses"].update(_errors(429))
    return {
        "openapi": "3.1.0",
        "info": {"title": "Comment moderation service", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": defs["$defs"],
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
