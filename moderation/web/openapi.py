"""The OpenAPI 3.1 document, built from the same pydantic models that validate requests."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic.json_schema import models_json_schema

from ..schema import CommentIn, DecisionOut, ErrorOut, ItemOut, QueueOut, RecordOut, ResolveIn

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
             422: "Fields missing, unknown or mistyped", 503: "Database unavailable; retry later"}
    return {str(s): _json("ErrorOut", words[s]) for s in statuses}


def _comment_body() -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref("CommentIn")}}}


SECURED = [{"bearer": []}]
COMMENT_ID = {"name": "comment_id", "in": "path", "required": True, "schema": {"type": "string"}}
MODERATOR = {"name": "X-Moderator", "in": "header", "required": False, "schema": {"type": "string"},
             "description": "Who is acting, for claims and the audit log (default: api)."}
ORDER = {"name": "order", "in": "query", "schema": {"enum": ["oldest", "priority"], "default": "oldest"}}
REASON = {"name": "reason", "in": "query", "schema": {"type": "string"},
          "description": "Only items held for this reason code."}


def _review_paths() -> dict[str, Any]:
    return {
        "/v1/review": {"get": {
            "summary": "Pending items, oldest first or closest to a reject threshold first",
            "security": SECURED,
            "parameters": [ORDER, REASON,
                           {"name": "article_id", "in": "query", "schema": {"type": "string"}},
                           {"name": "limit", "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}},
                           {"name": "cursor", "in": "query", "schema": {"type": "string"}}],
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


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    _, defs = models_json_schema(
        [(CommentIn, "validation"), (ResolveIn, "validation"), (DecisionOut, "serialization"),
         (RecordOut, "serialization"), (ItemOut, "serialization"), (QueueOut, "serialization"),
         (ErrorOut, "serialization")],
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
        **_review_paths(),
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
