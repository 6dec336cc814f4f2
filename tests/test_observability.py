"""GET /metrics, request ids on responses and log lines, and no token in any log line."""

from __future__ import annotations

import json
import logging
import re

import pytest

from moderation import create_app
from moderation.serve import JsonFormatter
from moderation.web.request_id import RequestIdFilter

from .conftest import MODERATOR_TOKEN, SITE_TOKEN

OPERATOR_TOKEN = "operator-token-0123456789abcdef"
SITE = {"Authorization": f"Bearer {SITE_TOKEN}"}
OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}


@pytest.fixture
def ops_app(make_settings):
    app = create_app(make_settings(MODERATION_SITE_TOKENS=SITE_TOKEN, MODERATION_MODERATOR_TOKENS=MODERATOR_TOKEN,
                                   MODERATION_OPERATOR_TOKENS=OPERATOR_TOKEN))
    yield app
    app.extensions["moderation"].store.close()


def scrape(client) -> dict[str, float]:
    response = client.get("/metrics", headers=OPERATOR)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    values = {}
    for line in response.get_data(as_text=True).splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def test_metrics_count_decisions_reasons_and_queue_depth(ops_app):
    client = ops_app.test_client()
    before = scrape(client)
    client.post("/v1/comments", headers=SITE, json={"comment_id": "m1", "text": "The minister stole the aid money."})
    client.post("/v1/comments", headers=SITE, json={"comment_id": "m2", "text": "You are a f*cking 1d10t"})
    client.post("/v1/check", headers=SITE, json={"text": "A careful report."})
    after = scrape(client)

    def delta(name):
        return after.get(name, 0.0) - before.get(name, 0.0)

    assert delta('moderation_decisions_total{decision="review",endpoint="comments"}') == 1
    assert delta('moderation_decisions_total{decision="reject",endpoint="comments"}') == 1
    assert delta('moderation_decisions_total{decision="accept",endpoint="check"}') == 1
    assert delta('moderation_reasons_total{action="review",code="defamation"}') == 1
    assert delta("moderation_decision_seconds_count") == 3
    assert delta('moderation_http_request_seconds_count{method="POST",route="/v1/comments",status="201"}') == 2
    # Read from the database when scraped.
    assert after["moderation_review_pending"] == 1
    assert after['moderation_review_pending_by_reason{code="defamation"}'] == 1
    assert after["moderation_webhook_backlog"] == 0
    assert after["moderation_database_up"] == 1
    assert after['moderation_classifier_ready{model_id="",state="disabled"}'] == 0


def test_comment_ids_never_become_metric_labels(ops_app):
    client = ops_app.test_client()
    client.get("/v1/comments/some-secret-id", headers=SITE)
    text = client.get("/metrics", headers=OPERATOR).get_data(as_text=True)
    assert "some-secret-id" not in text
    assert 'route="/v1/comments/<path:comment_id>"' in text


def test_metrics_need_the_operator_token(ops_app):
    client = ops_app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=SITE).status_code == 403


def test_a_sane_request_id_is_echoed_and_a_missing_or_hostile_one_replaced(ops_app):
    client = ops_app.test_client()
    given = client.get("/healthz", headers={"X-Request-ID": "site-req.42:a_b-c"})
    assert given.headers["X-Request-ID"] == "site-req.42:a_b-c"
    made = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    hostile = client.get("/healthz", headers={"X-Request-ID": 'x" {"level": "fake"}'}).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", hostile)


def test_every_log_line_of_a_request_carries_its_id_and_no_token(ops_app, caplog):
    caplog.set_level(logging.INFO)
    handler = caplog.handler
    handler.addFilter(RequestIdFilter())
    try:
        client = ops_app.test_client()
        client.post("/v1/check", headers={**SITE, "X-Request-ID": "req-7"}, json={"text": "A fair point."})
    finally:
        handler.removeFilter(handler.filters[-1])
    lines = [JsonFormatter().format(record) for record in caplog.records if record.name == "moderation.decision"]
    assert lines and all('"request_id": "req-7"' in line for line in lines)
    fields = json.loads(lines[0])
    assert fields["event"] == "decision" and fields["decision"] == "accept" and "message" not in fields
    assert '"event": "decision"' in caplog.text, "any other formatter prints the decision as JSON text"
    assert all(SITE_TOKEN not in line for line in lines)
    assert SITE_TOKEN not in caplog.text
