"""The rules' data files in moderation/rules/data/, read with errors that name the file."""

from __future__ import annotations

from importlib.resources import files

from ..errors import ConfigError


def read(filename: str, what: str) -> tuple[str, str]:
    """The text of data/<filename>, and where it is (for the caller's own errors)."""
    where = f"rules/data/{filename}"
    try:
        return files("moderation.rules").joinpath("data", filename).read_text("utf-8"), where
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(where, f"cannot read {what}: {exc!r}") from exc
