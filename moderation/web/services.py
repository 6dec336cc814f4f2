"""What the views work with, built once by the app factory and kept on the app."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ..moderator import Moderator
from ..settings import Settings
from ..store import Store
from ..store.queue import ReviewQueue
from ..webhooks import Sender


@dataclass(frozen=True)
class Services:
    settings: Settings
    moderator: Moderator
    store: Store
    queue: ReviewQueue
    sender: Sender | None = None


def services() -> Services:
    return current_app.extensions["moderation"]
