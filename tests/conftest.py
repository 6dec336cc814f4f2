"""Shared fixtures: settings over a temporary database, the app, its client, the CLI runner."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from click.testing import CliRunner

from moderation.decision import CommentContext
from moderation.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config.yaml"

SITE_TOKEN = "site-token-0123456789abcdef"
MODERATOR_TOKEN = "moderator-token-0123456789abcdef"


@pytest.fixture(scope="session")
def rules_only_config(tmp_path_factory) -> Path:
    """The project's config.yaml with the classifier off: rule tests need no model.

    Tests of the served model load config.yaml itself (test_shipped_model.py).
    """
    import yaml

    raw = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    raw["classifier"] = {"enabled": False}
    path = tmp_path_factory.mktemp("config") / "config.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def make_settings(tmp_path: Path, rules_only_config: Path) -> Callable[..., Settings]:
    """Rules-only settings from the project's config.yaml over a fresh SQLite file, with extra environment."""

    def make(**env: str) -> Settings:
        environ = {"MODERATION_DATABASE_URL": f"sqlite:///{tmp_path / 'moderation.sqlite3'}", **env}
        return load_settings(rules_only_config, environ=environ)

    return make


@pytest.fixture
def settings(make_settings) -> Settings:
    return make_settings()


@pytest.fixture
def app(settings):
    from moderation import create_app

    app = create_app(settings)
    app.config["TESTING"] = True
    yield app
    app.extensions["moderation"].store.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def secured_app(make_settings):
    """The app with tokens for both roles configured."""
    from moderation import create_app

    app = create_app(make_settings(MODERATION_SITE_TOKENS=SITE_TOKEN,
                                   MODERATION_MODERATOR_TOKENS=MODERATOR_TOKEN))
    yield app
    app.extensions["moderation"].store.close()


@pytest.fixture
def runner(tmp_path: Path, monkeypatch, rules_only_config: Path) -> CliRunner:
    monkeypatch.setenv("MODERATION_CONFIG", str(rules_only_config))
    monkeypatch.setenv("MODERATION_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    return CliRunner()


@pytest.fixture
def moderator(settings):
    from moderation import Moderator

    return Moderator(settings)


@pytest.fixture
def make_ctx() -> Callable[..., CommentContext]:
    """A comment context for a text and optional metadata."""

    def make(text: str, **metadata: str) -> CommentContext:
        return CommentContext.build(text, metadata)

    return make


FIXTURE_SPEC = ROOT / "tests" / "fixtures" / "model" / "spec.yaml"


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A model trained by `train` on a small hand-written file, so tests never depend on models/."""
    from moderation.classifier.train import train

    out = tmp_path_factory.mktemp("models")
    manifest = train(FIXTURE_SPEC, FIXTURE_SPEC.parent, out, model_id="tiny")
    return out / manifest["id"]


@pytest.fixture
def model_config(tmp_path: Path, tiny_model: Path) -> Callable[..., Path]:
    """A config.yaml in tmp_path serving a model (the tiny one by default) with a given pin."""
    import json

    import yaml

    def make(model_dir: Path = tiny_model, sha256: str | None = None, **classifier) -> Path:
        raw = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
        pin = sha256 or json.loads((tiny_model / "manifest.json").read_text())["sha256"]
        raw["classifier"] = {"enabled": True, "model": str(model_dir), "sha256": pin, **classifier}
        raw["database"] = {"url": f"sqlite:///{tmp_path / 'model.sqlite3'}"}
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        return path

    return make


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "faults: runs the real service and breaks it under load (tests/test_faults.py)")
