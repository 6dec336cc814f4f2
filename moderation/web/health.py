"""Liveness, readiness and the OpenAPI document."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, jsonify

from ..errors import StoreError
from .services import services
from .openapi import document

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process is up and answering."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Ready to decide and store: the database answers and its schema is current."""
    svc = services()
    try:
        svc.store.ping()
        schema = "current" if svc.store.is_current() else "outdated"
        database = "ok"
    except StoreError:
        schema, database = "unknown", "unavailable"
    classifier = svc.moderator.classifier
    # An unavailable model still gets answers (held for review), but the operator must know.
    ready = database == "ok" and schema == "current" and classifier.state != "unavailable"
    body = {
        "status": "ready" if ready else "not_ready",
        "database": database,
        "schema": schema,
        "classifier": _public(classifier.to_dict(), svc.settings.model_dir),
        "policy_version": svc.moderator.policy_version,
    }
    return jsonify(body), 200 if ready else 503


def _public(status: dict, model_dir: Path | None) -> dict:
    # The cause names the model file by its full path, for the operator's log; /readyz
    # answers anyone, so it names the model directory only, not where it sits on the host.
    if status["cause"] and model_dir is not None:
        status["cause"] = status["cause"].replace(str(model_dir), model_dir.name)
    return status


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(document())
