"""Serving the app under gunicorn, with logging as one JSON object per line."""

from __future__ import annotations

import atexit
import errno
import json
import logging
import os
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from .errors import ConfigError
from .settings import Settings, load_settings
from .store import Store

log = logging.getLogger("moderation.serve")


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object; decision lines are already JSON and are merged in."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + "Z",
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        if isinstance(record.msg, dict) and not record.args:
            line.update(record.msg)  # a JsonLine (decisions), fields as they are
        else:
            message = record.getMessage()
            try:
                parsed = json.loads(message) if message.startswith("{") else None
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                line.update(parsed)
            else:
                line["message"] = message
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            line["request_id"] = request_id
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


# gunicorn's own loggers write through the same JSON formatter as the service.
LOGCONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "moderation.serve.JsonFormatter"}},
    "filters": {"request_id": {"()": "moderation.web.request_id.RequestIdFilter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json",
                            "filters": ["request_id"], "stream": "ext://sys.stderr"}},
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "WARNING", "handlers": ["stderr"], "propagate": False},
    },
}


class GunicornLogger(glogging.Logger):
    """gunicorn's logger, without building access lines that nothing prints.

    With a logging dictionary configured, gunicorn formats every request's access line and
    only then lets the "gunicorn.access" logger drop it: about 5% of the CPU time of a
    /v1/check request, sampled under load.
    """

    def access(self, resp, req, environ, request_time) -> None:
        if self.access_log.isEnabledFor(logging.INFO):
            super().access(resp, req, environ, request_time)


def configure_logging(level: int = logging.INFO) -> None:
    from .web.request_id import RequestIdFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Alembic narrates every revision lookup, which /readyz does on each call.
    logging.getLogger("alembic").setLevel(logging.WARNING)


class Server(BaseApplication):
    """gunicorn running create_app in each worker."""

    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from .web import create_app

        configure_logging()
        return create_app(self.settings)

    def run(self) -> None:
        from .arbiter import ListeningArbiter

        try:
            ListeningArbiter(self).run()
        except RuntimeError as exc:  # what gunicorn's own run() does with a start-up error
            print(f"\nError: {exc}\n", file=sys.stderr)
            sys.exit(1)

    def reload(self) -> None:
        """SIGHUP: read config.yaml again, so the workers gunicorn starts next serve what it says
        now (a promoted model, changed rules or messages) while the old ones finish. A file that
        does not load leaves the running configuration in place. The server's own settings
        (address, workers, threads) and the database take a restart."""
        try:
            fresh = load_settings(self.settings.config_path)
        except ConfigError as exc:
            log.error("config.yaml not reloaded, serving on with the configuration loaded before: %s", exc)
        else:
            self.settings = fresh.model_copy(update={"database_url": self.settings.database_url})
            log.info("config.yaml reloaded from %s", fresh.config_path)
        super().reload()


def run(settings: Settings, *, host: str, port: int, workers: int, threads: int = 8,
        reuse_port: bool = True) -> None:
    configure_logging()
    # Migrate once here, before workers start, so they never race to create the schema.
    store = Store(settings.database_url)
    try:
        if store.dialect == "sqlite":
            store.upgrade()
            log.info("database schema at revision %s", store.current_revision())
    finally:
        store.close()
    if not settings.auth_enabled:
        log.warning("no tokens configured: serving without authentication, on %s only", host)
    _refuse_a_taken_port(host, port)
    _metrics_folder()
    log.info("serving on http://%s:%d with %d workers of %d threads", host, port, workers, threads)
    Server(settings, gunicorn_options(host, port, workers, threads, reuse_port)).run()


def _refuse_a_taken_port(host: str, port: int) -> None:
    """Stop where another server already listens. With a socket per worker (SO_REUSEPORT) the
    workers' binds would succeed beside another server of the same user (an old version still
    running, a second start by mistake), and the kernel would quietly split connections
    between the two."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As gunicorn's own sockets: a stopped server's connections in TIME_WAIT are no listener.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigError("server.port", f"{host}:{port} is already in use by another "
                                  "process; stop it or choose another port") from exc
            # Anything else (an address not on this host) is gunicorn's to report.


def _metrics_folder() -> None:
    # Workers keep their counters in files here so /metrics sums every process. It must be
    # set before the workers import prometheus_client, and empty: old files would be summed.
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        for stale in Path(folder).glob("*.db"):
            stale.unlink()
    else:
        folder = tempfile.mkdtemp(prefix="moderation-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
        # Ours to remove when the server stops (workers leave before the master does).
        atexit.register(shutil.rmtree, folder, ignore_errors=True)


def _worker_exit(_server, worker) -> None:
    # A dead worker's live gauges must not be summed any longer; its counters stay. Without
    # the metrics folder (gunicorn_options used outside run()) there is nothing to mark.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def gunicorn_options(host: str, port: int, workers: int, threads: int,
                     reuse_port: bool = True) -> dict[str, Any]:
    """The gunicorn settings the service runs with (the HTTP benchmark serves its bare
    Flask baseline with the very same)."""
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        # gthread: threads overlap a request's database wait with another's decision.
        "worker_class": "moderation.worker.Worker",
        "threads": threads,
        # On: each worker listens on a socket of its own (see worker.py) and the kernel spreads
        # new connections over them. Off: the workers share one socket, and whichever worker
        # wakes first takes a client's whole kept-alive pool, so one core does all the work.
        # A lone worker keeps the shared socket, which the arbiter holds open while it restarts.
        "reuse_port": reuse_port and workers > 1,
        "timeout": 30,
        "graceful_timeout": 10,
        "accesslog": None,
        "errorlog": "-",
        "logconfig_dict": LOGCONFIG,
        "logger_class": GunicornLogger,
        # Workers are recycled now and then so a slow leak can never take the service down.
        # Rarely: a new worker spends about 3 s of CPU on imports and the model, which every
        # 20,000 requests would be a tenth of a busy worker's time.
        "max_requests": 200000,
        "max_requests_jitter": 20000,
        "child_exit": _worker_exit,
        # gunicorn's control socket lives at one path per user: several servers on one
        # machine (blue/green, tests) would take it from each other and delete it.
        **({"control_socket_disable": True} if _has_setting("control_socket_disable") else {}),
    }


def _has_setting(name: str) -> bool:
    from gunicorn.config import KNOWN_SETTINGS

    return any(setting.name == name for setting in KNOWN_SETTINGS)
