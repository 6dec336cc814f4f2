"""Webhook commands: deliver the outbox to the site, show the backlog and the delivery log."""

from __future__ import annotations

import json
import signal
import threading

import click

from ..errors import ModerationError
from ..store import Store
from ..store.outbox import MAX_LOG_LIMIT, Outbox
from . import _settings, main


@main.group()
def webhooks() -> None:
    """Deliveries of moderators' outcomes to MODERATION_WEBHOOK_URL."""


@webhooks.command()
@click.option("--once", is_flag=True, help="One pass over the due deliveries, then exit.")
@click.pass_context
def deliver(ctx: click.Context, once: bool) -> None:
    """Send due deliveries, retrying failures, until Ctrl-C (or once with --once)."""
    from ..webhooks import Sender

    settings = _settings(ctx)
    store = Store(settings.database_url)
    try:
        sender = Sender(store, settings)
        if once:
            click.echo(f"delivered {sender.deliver_due()}")
            return
        _until_interrupted(sender)
    except ModerationError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()


def _until_interrupted(sender) -> None:
    # The sender's own thread does the work, so Ctrl-C and SIGTERM (a service manager
    # stopping it) both end it between two POSTs, never in the middle of a record.
    done = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: done.set())
    click.echo(f"delivering every {sender.poll_seconds:g} s; Ctrl-C to stop", err=True)
    sender.start()
    try:
        while not done.wait(1):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        sender.stop()
    click.echo("stopped", err=True)


@webhooks.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """The backlog: undelivered deliveries and the oldest one's time, as JSON."""
    click.echo(json.dumps(_read(ctx, lambda outbox: outbox.backlog())))


@webhooks.command("log")
@click.option("--limit", type=click.IntRange(1, MAX_LOG_LIMIT), default=50, show_default=True)
@click.option("--comment-id", help="Only attempts to deliver this comment's outcomes.")
@click.pass_context
def log_(ctx: click.Context, limit: int, comment_id: str | None) -> None:
    """Delivery attempts, newest first, one JSON object per line."""
    for attempt in _read(ctx, lambda outbox: outbox.log(limit, comment_id=comment_id)):
        click.echo(json.dumps(attempt, ensure_ascii=False))


def _read(ctx: click.Context, query):
    store = Store(_settings(ctx).database_url)
    try:
        return query(Outbox(store))
    except ModerationError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()
