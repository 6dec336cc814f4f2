"""Review queue commands: list what is held, resolve a comment, export moderators' decisions for training."""

from __future__ import annotations

import json
import os
import re
import tempfile
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

import click

from ..classifier.moderated import export_row, has_labels
from ..errors import ModerationError
from ..settings import Settings
from ..store import Store
from ..schema import MODERATOR_NAME
from ..store.queue import DECISIONS, MAX_PAGE, ORDERS, ReviewError, ReviewQueue
from . import _settings, main

EXCERPT = 60
HEADER = ("comment_id", "age", "reasons", "top score", "text")
# The HTTP API's rule for X-Moderator: the name is shown in pages and written to logs.
_NAME = re.compile(MODERATOR_NAME)
# Distinct statuses so a script resolving many comments can tell "done already" from "no such comment".
EXIT_CODES = {"not_found": 3, "already_resolved": 4, "claimed": 5}


class ReviewFailed(click.ClickException):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.exit_code = EXIT_CODES.get(code, 1)


@main.group()
def review() -> None:
    """The review queue from a terminal: list held comments, resolve them, export decisions."""


@contextmanager
def _queue(settings: Settings) -> Iterator[ReviewQueue]:
    """The queue over the configured database, opened as the service opens it; store errors become messages."""
    try:
        store = Store(settings.database_url)
    except ModerationError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        if store.dialect == "sqlite":
            store.upgrade()  # the embedded database needs no setup step (as in create_app)
        elif not store.is_current():
            raise click.ClickException("the database schema is not current; run: moderation db upgrade")
        # With a webhook configured, a decision made here reaches the site like one made over HTTP.
        yield ReviewQueue(store, webhook=settings.webhook_url is not None,
                          claim_for=timedelta(minutes=settings.file.review.claim_minutes))
    except ModerationError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()


@review.command("list")
@click.option("--order", type=click.Choice(ORDERS), default="oldest", show_default=True)
@click.option("--reason", metavar="CODE", help="Only comments held for this reason code.")
@click.option("--article", "article_id", metavar="ID", help="Only comments on this article.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per line (the full item); the counts go to standard error.")
@click.pass_context
def list_pending(ctx: click.Context, order: str, reason: str | None, article_id: str | None, limit: int,
                 as_json: bool) -> None:
    """List held comments, with counts per reason code."""
    with _queue(_settings(ctx)) as queue:
        items = _pending(queue, order=order, reason=reason, article_id=article_id, limit=limit)
        counts = queue.counts()
    if as_json:
        for item in items:
            click.echo(json.dumps(item, ensure_ascii=False))
    else:
        click.echo(_table(items) if items else "no pending comments")
    held = ", ".join(f"{code} {n}" for code, n in counts.items()) or "none"
    click.echo(f"pending per reason: {held}", err=as_json)


def _pending(queue: ReviewQueue, *, limit: int, **filters: Any) -> list[dict]:
    """Up to ``limit`` items, fetched page by page (a page holds at most MAX_PAGE)."""
    items: list[dict] = []
    after = None
    while len(items) < limit:
        page = queue.pending(limit=min(MAX_PAGE, limit - len(items)), after=after, **filters)
        items += page.items
        if page.next is None:
            break
        after = page.next
    return items


def _table(items: list[dict]) -> str:
    now = datetime.now(timezone.utc)
    rows = [HEADER, *(_row(item, now) for item in items)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER) - 1)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1] for row in rows)


def _row(item: dict, now: datetime) -> tuple[str, ...]:
    automatic = item["automatic"] or {}
    codes = dict.fromkeys(reason["code"] for reason in automatic.get("reasons") or ())
    scores = {label: p for label, p in (automatic.get("scores") or {}).items() if p is not None}
    top = max(scores, key=scores.get) if scores else None
    return (item["comment_id"], _age(item["review"]["enqueued_at"], now), ",".join(codes) or "-",
            f"{scores[top]:.2f} {top}" if top else "-", _excerpt(item["text"]))


def _age(enqueued_at: str, now: datetime) -> str:
    seconds = max(0, int((now - datetime.fromisoformat(enqueued_at)).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())  # newlines would break the table
    return flat if len(flat) <= EXCERPT else flat[:EXCERPT - 1] + "…"


@review.command()
@click.argument("comment_id")
@click.option("--decision", type=click.Choice(DECISIONS), required=True)
@click.option("--reason", required=True, metavar="CODE",
              help="A reason code of config.yaml's messages, e.g. personal_attack.")
@click.option("--note", help="For other moderators; never published.")
@click.option("--moderator", default=lambda: os.environ.get("USER") or "cli", show_default="$USER, else cli",
              help="Who decides; kept with the decision and in the audit log.")
@click.option("--override", is_flag=True, help="Change a decision a moderator already made.")
@click.pass_context
def resolve(ctx: click.Context, comment_id: str, decision: str, reason: str, note: str | None,
            moderator: str, override: bool) -> None:
    """Decide a comment; print the updated record.

    Resolves a held comment, or overrides the service's decision on any stored one; the
    record is printed as JSON. Exit status: 3 no such comment, 4 a moderator already decided it (see --override),
    5 another moderator holds it, 2 a bad option.
    """
    settings = _settings(ctx)
    if reason not in settings.messages:
        raise click.BadParameter(f"{reason!r} is not a reason code; one of: {', '.join(sorted(settings.messages))}",
                                 param_hint="--reason")
    if not _NAME.fullmatch(moderator):
        raise click.BadParameter("must be 1 to 255 printable characters", param_hint="--moderator")
    with _queue(settings) as queue:
        try:
            record = queue.decide(comment_id, moderator, decision, reason, note, override=override)
        except ReviewError as exc:
            raise ReviewFailed(exc.code, _explain(exc, comment_id)) from exc
    click.echo(json.dumps(record, ensure_ascii=False, indent=2))


def _explain(exc: ReviewError, comment_id: str) -> str:
    if exc.code == "not_found":
        return f"no comment with comment_id {comment_id!r}"
    if exc.code == "already_resolved" and exc.record and exc.record.get("moderation"):
        done = exc.record["moderation"]
        return (f"{done['moderator']} already decided {comment_id!r} ({done['decision']}, {done['reason']}, "
                f"{done['decided_at']}); add --override to change it")
    return f"{comment_id!r}: {exc.message}"


@review.command()
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="JSON Lines file to write; replaced as a whole, never left half written.")
@click.pass_context
def export(ctx: click.Context, out: Path) -> None:
    """Write moderators' decisions with classifier labels, for training.

    One line per comment a moderator decided, with the decision in force; how decisions
    become labels: moderation/classifier/moderated.py.
    """
    with _queue(_settings(ctx)) as queue:
        # Only the decision in force: an overridden decision must not train the model.
        rows = (export_row(item) for item in queue.resolved() if item["latest"])
        try:
            written, labeled = _write_jsonl(out, rows)
        except OSError as exc:
            raise click.ClickException(f"cannot write {out}: {exc}") from exc
    click.echo(f"exported {written} decisions to {out} ({labeled} with classifier labels)")


def _write_jsonl(out: Path, rows: Iterable[dict]) -> tuple[int, int]:
    """Write to a temporary file beside ``out``, then rename it: readers see the old file or the new one."""
    out.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp makes the file readable by its owner only, and so it stays: it holds comment
    # texts and moderators' names.
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    written = labeled = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                written += 1
                labeled += has_labels(row["labels"])
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return written, labeled
