"""Moderator account commands: add, list, disable and enable the accounts of the web pages."""

from __future__ import annotations

import contextlib
import sys
from typing import Iterator

import click

from ..errors import ModerationError
from ..store import Store
from ..store.accounts import Moderators
from . import _settings, main


@contextlib.contextmanager
def _accounts(ctx: click.Context) -> Iterator[Moderators]:
    """The accounts of the configured database; store errors become clean messages."""
    settings = _settings(ctx)
    store = None
    try:
        store = Store(settings.database_url)
        if store.dialect == "sqlite":
            # As for the server: the embedded database needs no setup step.
            store.upgrade()
        yield Moderators(store)
    except ModerationError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        if store is not None:
            store.close()


@main.group()
def moderators() -> None:
    """Accounts that sign in to the moderation pages (/moderate)."""


@moderators.command()
@click.argument("name")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input instead of prompting.")
@click.pass_context
def add(ctx: click.Context, name: str, password_stdin: bool) -> None:
    """Create an account NAME; the password is asked for twice, never taken as an argument."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _accounts(ctx) as accounts:
        accounts.add(name, password)
    click.echo(f"added moderator {name}")


@moderators.command("list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """Print every account: name, active or disabled, created at."""
    with _accounts(ctx) as accounts:
        found = accounts.list()
    for account in found:
        state = "active" if account["active"] else "disabled"
        click.echo(f"{account['name']}\t{state}\t{account['created_at']}")


@moderators.command()
@click.argument("name")
@click.pass_context
def disable(ctx: click.Context, name: str) -> None:
    """Stop NAME from signing in; a signed-in session ends on its next page."""
    with _accounts(ctx) as accounts:
        accounts.set_active(name, False)
    click.echo(f"disabled moderator {name}")


@moderators.command()
@click.argument("name")
@click.pass_context
def enable(ctx: click.Context, name: str) -> None:
    """Let a disabled account NAME sign in again."""
    with _accounts(ctx) as accounts:
        accounts.set_active(name, True)
    click.echo(f"enabled moderator {name}")
