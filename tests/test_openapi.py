"""The OpenAPI document matches the routes and the responses the code really sends."""

from __future__ import annotations

import re

import jsonschema
import pytest


@pytest.fixture
def spec(client):
    return client.get("/openapi.json").get_json()


def validate(spec, name, instance):
    schema = {**spec["components"]["schemas"][name], "components": spec["components"]}
    # Refs in the document point at #/components/schemas; resolve them within this wrapper.
    jsonschema.validate(instance, schema, cls=jsonschema.Draft202012Validator)


def test_document_is_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")


def test_every_route_is_documented_and_nothing_else(app, spec):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith("/moderate"):
            continue  # the moderators' HTML pages are not part of the API
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((path, method.lower()))
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert routes == documented


def test_decision_response_matches_schema(client, spec):
    for text in ["fine words", "You are a f*cking 1d10t", "x" * 1200, "  "]:
        validate(spec, "DecisionOut", client.post("/v1/check", json={"text": text}).get_json())


def test_record_and_error_responses_match_schema(client, spec):
    client.post("/v1/comments", json={"text": "idiot", "comment_id": "k"})
    validate(spec, "RecordOut", client.get("/v1/comments/k").get_json())
    validate(spec, "ErrorOut", client.get("/v1/comments/none").get_json())
    validate(spec, "ErrorOut", client.post("/v1/check", json={"txt": 1}).get_json())


def test_queue_item_and_resolution_responses_match_schema(client, spec):
    client.post("/v1/comments", json={"text": "The minister stole the aid money.", "comment_id": "q"})
    validate(spec, "QueueOut", client.get("/v1/review").get_json())
    validate(spec, "ItemOut", client.get("/v1/review/q").get_json())
    resolved = client.post("/v1/review/q", json={"decision": "reject", "reason": "defamation"})
    validate(spec, "RecordOut", resolved.get_json())
    validate(spec, "ErrorOut", client.post("/v1/review/q", json={"decision": "no"}).get_json())


def test_request_schema_forbids_unknown_fields_like_the_code(spec):
    schema = spec["components"]["schemas"]["CommentIn"]
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["text"]


def test_documented_statuses_include_what_the_code_returns(spec):
    post_comments = spec["paths"]["/v1/comments"]["post"]["responses"]
    assert {"200", "201", "400", "409", "413", "415", "422", "503"} <= set(post_comments)
