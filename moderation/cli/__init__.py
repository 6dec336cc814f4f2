"""The `moderation` console script: thin commands over the Python API, the store and the server."""

from __future__ import annotations

import json
import sys
from typing import IO, Any, Iterator

import click

from ..errors import ConfigError, InputError, ModerationError
from ..settings import Settings, load_settings

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _settings(ctx: click.Context) -> Settings:
    try:
        return load_settings(ctx.obj.get("config"))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
@click.option("--config", type=click.Path(dir_okay=False), envvar="MODERATION_CONFIG",
              help="config.yaml to use (default: MODERATION_CONFIG, else ./config.yaml).")
@click.pass_context
def main(ctx: click.Context, config: str | None) -> None:
    """Comment moderation that enforces the site's published rules."""
    ctx.ensure_object(dict)["config"] = config


@main.command()
@click.option("--host", help="Address to bind (default from config: 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default from config: 8000).")
@click.option("--workers", type=click.IntRange(1, 64), help="gunicorn worker processes.")
@click.option("--threads", type=click.IntRange(1, 64), help="Threads per worker.")
@click.option("--reuse-port/--shared-socket", default=None,
              help="A listening socket per worker (spreads kept-alive clients) or one shared.")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, workers: int | None,
          threads: int | None, reuse_port: bool | None) -> None:
    """Run the HTTP service under gunicorn."""
    from ..serve import run

    settings = _settings(ctx)
    server = settings.file.server
    host = host or server.host
    if not settings.auth_enabled and host not in LOOPBACK:
        raise click.ClickException(
            f"refusing to listen on {host} without tokens: set MODERATION_SITE_TOKENS and "
            "MODERATION_MODERATOR_TOKENS, or bind to 127.0.0.1")
    try:
        run(settings, host=host, port=port or server.port, workers=workers or server.workers,
            threads=threads or server.threads,
            reuse_port=server.reuse_port if reuse_port is None else reuse_port)
    except ModerationError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.argument("texts", nargs=-1)
@click.option("--jsonl", "jsonl", type=click.File("r", encoding="utf-8", errors="replace"),
              help="Read one JSON object per line ({\"text\": ..., optional fields}); '-' for stdin.")
@click.pass_context
def check(ctx: click.Context, texts: tuple[str, ...], jsonl: IO[str] | None) -> None:
    """Decide comments offline; print one JSON decision per line, in input order."""
    from ..moderator import Moderator

    if bool(texts) == bool(jsonl):
        raise click.UsageError("give either TEXT arguments or --jsonl FILE, not both or neither")
    try:
        moderator = Moderator(_settings(ctx))
    except ModerationError as exc:
        raise click.ClickException(str(exc)) from exc
    items: Iterator[Any] = iter(texts) if texts else _jsonl(jsonl)
    failed = False
    for item in items:
        try:
            if isinstance(item, InputError):
                raise item
            out = moderator.check(item).to_dict()
        except InputError as exc:
            failed = True
            out = {"error": exc.code, "message": exc.message}
        click.echo(json.dumps(out, ensure_ascii=False))
    sys.exit(1 if failed else 0)


def _jsonl(stream: IO[str]) -> Iterator[Any]:
    """Each line parsed, or the InputError that stands on that line in the output."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            yield InputError("invalid_line", f"line {number}: empty line")
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            yield InputError("invalid_json", f"line {number}: {exc}")
            continue
        if isinstance(item, dict):
            yield item
        else:
            yield InputError("invalid_request", f"line {number}: must be a JSON object with a 'text' field")


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command()
@click.pass_context
def upgrade(ctx: click.Context) -> None:
    """Apply every pending migration to the configured database."""
    from ..store import Store

    settings = _settings(ctx)
    store = Store(settings.database_url)
    try:
        store.upgrade()
        click.echo(f"database at revision {store.current_revision()}")
    except ModerationError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()


from . import model as _model  # noqa: E402  (registers train, evaluate, promote)
from . import review as _review  # noqa: E402  (registers the review group)
from . import moderators as _moderators  # noqa: E402  (registers the moderators group)
from . import webhooks as _webhooks  # noqa: E402  (registers the webhooks group)
