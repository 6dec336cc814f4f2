"""Promotion: pin a checked model as the served one by rewriting the classifier block of config.yaml."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from ..errors import ConfigError
from ..settings import load_settings
from . import artifacts

_BLOCK = re.compile(r"^classifier:[^\n]*\n(?:(?:[ \t]+[^\n]*|[ \t]*)\n)*", re.MULTILINE)


def promote(model_dir: Path, config_path: Path) -> dict:
    """Verify and load the model, then pin its path and sha256 in config.yaml; returns its manifest."""
    manifest = artifacts.read_manifest(model_dir)
    artifact = artifacts.load(model_dir, str(manifest["sha256"]))
    if "thresholds" not in artifact.manifest:
        raise ConfigError("classifier.model", f"{model_dir} has no recommended thresholds")
    text = config_path.read_text(encoding="utf-8")
    match = _BLOCK.search(text)
    if match is None:
        raise ConfigError("classifier", f"no top-level classifier: block in {config_path}")
    try:
        relative = os.path.relpath(model_dir.resolve(), config_path.parent.resolve())
    except ValueError:  # another drive on Windows
        relative = str(model_dir.resolve())
    block = _pinned_block(match.group(), relative, artifact.sha256)
    updated = text[:match.start()] + block + text[match.end():]
    _replace_checked(config_path, updated)
    return artifact.manifest


def _pinned_block(block: str, model: str, sha256: str) -> str:
    """The block with enabled/model/sha256 set; other keys (thresholds) and comments kept."""
    lines = [line for line in block.splitlines()
             if not re.match(r"^\s+(enabled|model|sha256):", line)]
    indent = "  "
    pinned = [f"{indent}enabled: true", f"{indent}model: {model}", f"{indent}sha256: {sha256}"]
    # Keep the header and its comments first, then the pin, then anything else.
    head = [lines[0]] + [line for line in lines[1:] if line.strip().startswith("#")]
    rest = [line for line in lines[1:] if line.strip() and not line.strip().startswith("#")]
    return "\n".join(head + pinned + rest) + "\n\n"


def _replace_checked(config_path: Path, text: str) -> None:
    """Write atomically, and only a config the service would accept."""
    fd, tmp = tempfile.mkstemp(dir=config_path.parent, prefix=".config-", suffix=".yaml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        load_settings(tmp, environ={})
        os.replace(tmp, config_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
