"""The exception hierarchy of the service.

    ModerationError                 anything this package raises on purpose
    ├── ConfigError                 config.yaml or MODERATION_* is wrong; names the key
    ├── InputError                  a comment or request field is not acceptable
    ├── ModelError                  the classifier artifact cannot be trusted or used
    └── StoreError                  the database failed or refused
        └── StoreUnavailable        the database cannot be reached right now

Foreign errors (YAML, SQLAlchemy, joblib, OS) are converted where they enter,
with ``raise OurError(...) from exc``, so callers handle only these.
"""

from __future__ import annotations


class ModerationError(Exception):
    """Base class for every error this package raises on purpose."""


class ConfigError(ModerationError):
    """The configuration is invalid; the message names the offending key."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"config key {key!r}: {problem}")
        self.key = key
        self.problem = problem


class InputError(ModerationError):
    """A comment or a request field is not acceptable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ModelError(ModerationError):
    """The classifier artifact is missing, tampered with, or cannot score."""


class StoreError(ModerationError):
    """The database failed or refused an operation."""


class StoreUnavailable(StoreError):
    """The database cannot be reached; the caller should retry later."""
