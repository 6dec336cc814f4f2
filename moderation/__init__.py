"""Self-hosted comment moderation that enforces a site's own published rules.

The public surface is ``Moderator`` (the Python API) and ``create_app`` (the Flask
application factory). Both are imported lazily so that ``import moderation.text``
and the command line stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Moderator", "create_app"]

if TYPE_CHECKING:
    from .moderator import Moderator
    from .web import create_app


def __getattr__(name: str) -> Any:
    if name == "Moderator":
        from .moderator import Moderator

        return Moderator
    if name == "create_app":
        from .web import create_app

        return create_app
    raise AttributeError(f"module 'moderation' has no attribute {name!r}")
