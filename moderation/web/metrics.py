"""GET /metrics: Prometheus counters and histograms, plus gauges read from the database.

Under gunicorn every worker is a process; `moderation serve` points
PROMETHEUS_MULTIPROC_DIR at a fresh folder before the workers start, so each
worker's counters live in files there and a scrape of any worker sums them all.
The queue depth, the webhook backlog and the classifier state are read when scraped,
so they are right whichever worker answers.
"""

from __future__ import annotations

import os
import time
from typing import Any, Iterator, Mapping

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from ..errors import StoreError
from ..store.outbox import Outbox
from .auth import require
from .services import services

bp = Blueprint("metrics", __name__)

DECISIONS = Counter("moderation_decisions_total", "Decisions made, by endpoint and decision.",
                    ["endpoint", "decision"])
REASONS = Counter("moderation_reasons_total", "Reasons given in decisions, by code and action.",
                  ["code", "action"])
DECISION_SECONDS = Histogram(
    "moderation_decision_seconds", "Time to decide one comment (rules and model), in process.",
    buckets=(0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25))
REQUEST_SECONDS = Histogram(
    "moderation_http_request_seconds", "HTTP request time, by route and status.",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5))
RATE_LIMITED = Counter("moderation_rate_limited_total", "Requests refused with 429, by role.", ["role"])


def observe_decision(endpoint: str, decision: Mapping[str, Any], seconds: float) -> None:
    DECISIONS.labels(endpoint, decision["decision"]).inc()
    DECISION_SECONDS.observe(seconds)
    for reason in decision.get("reasons") or ():
        REASONS.labels(reason["code"], reason["action"]).inc()


def register(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def _start_clock() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.pop("started", None)
        if started is not None:
            # The route pattern, not the path: comment ids would make a series each.
            route = request.url_rule.rule if request.url_rule is not None else "unmatched"
            REQUEST_SECONDS.labels(request.method, route, str(response.status_code)).observe(
                time.perf_counter() - started)
        return response


@bp.get("/metrics")
@require("operator")
def metrics() -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counters = CollectorRegistry()
        MultiProcessCollector(counters)
    else:
        counters = REGISTRY
    state = CollectorRegistry()
    state.register(_StateCollector())
    body = generate_latest(counters) + generate_latest(state)
    return Response(body, content_type=CONTENT_TYPE_LATEST)


class _StateCollector:
    """What a scrape reads from the app and the database at that moment."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        svc = services()
        classifier = svc.moderator.classifier
        ready = GaugeMetricFamily("moderation_classifier_ready",
                                  "1 when the model is loaded and scoring; 0 when comments are held.",
                                  labels=["state", "model_id"])
        model_id = classifier.model.id if classifier.model else ""
        ready.add_metric([classifier.state, model_id], 1.0 if classifier.state == "ready" else 0.0)
        yield ready
        warning = GaugeMetricFamily("moderation_classifier_warning",
                                    "1 for each warning about the served model, by code "
                                    "(model_input_drift: retrain it).", labels=["code"])
        for found in classifier.warnings:
            warning.add_metric([found["code"]], 1.0)
        yield warning

        up = GaugeMetricFamily("moderation_database_up", "1 when the database answered this scrape.")
        try:
            counts = svc.queue.counts()
            pending = svc.queue.pending_total()
            backlog = Outbox(svc.store).backlog()
        except StoreError:
            up.add_metric([], 0.0)
            yield up
            return
        up.add_metric([], 1.0)
        yield up

        depth = GaugeMetricFamily("moderation_review_pending", "Comments waiting for a moderator.")
        depth.add_metric([], float(pending))
        yield depth
        by_reason = GaugeMetricFamily("moderation_review_pending_by_reason",
                                      "Comments waiting for a moderator, by reason code.", labels=["code"])
        for code, count in counts.items():
            by_reason.add_metric([code], float(count))
        yield by_reason

        undelivered = GaugeMetricFamily("moderation_webhook_backlog",
                                        "Moderator outcomes not yet delivered to the site.")
        undelivered.add_metric([], float(backlog["undelivered"]))
        yield undelivered
