"""Settings: config.yaml and MODERATION_* environment variables, read once into frozen values."""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Mapping

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ConfigError

POLICY_IDS = ("length", "abuse", "incitement", "writers", "corrections")
MIN_TOKEN_LENGTH = 16

WordAction = Literal["reject", "review", "ignore"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Policy(_Frozen):
    text: str = Field(min_length=1)


class LengthSettings(_Frozen):
    max_chars: int = Field(1000, gt=0)


class WordListSettings(_Frozen):
    severe: WordAction = "reject"
    mild: WordAction = "review"


class CorrectionsSettings(_Frozen):
    enabled: bool = True
    min_length: int = Field(4, ge=2)
    max_suggestions: int = Field(3, ge=1, le=50)
    # Lower-case words readers of this site use that an English dictionary lacks.
    keep: list[str] = []


class ThreatSettings(_Frozen):
    """Threats of violence: explicit (the speaker's own) and veiled (hints, calls on others)."""

    explicit: WordAction = "reject"
    veiled: WordAction = "review"


class AttacksSettings(_Frozen):
    """What an insult aimed at someone does, per reason code of the attacks rule."""

    personal_attack: WordAction = "reject"
    attack_on_writer: WordAction = "reject"


class IncitementSettings(_Frozen):
    """What a finding of each reason code of the incitement rule does."""

    identity_hate: WordAction = "reject"
    incitement: WordAction = "reject"


class LanguageSettings(_Frozen):
    action: Literal["accept", "review", "reject"] = "review"


class ArabicAbuseSettings(_Frozen):
    """Arabic insults, profanity and slurs (rules/data/arabic_abuse.yaml): what each reason code does."""

    enabled: bool = True
    abusive_language: WordAction = "reject"
    identity_hate: WordAction = "reject"


class RulesSettings(_Frozen):
    length: LengthSettings = LengthSettings()
    language: LanguageSettings = LanguageSettings()
    arabic_abuse: ArabicAbuseSettings = ArabicAbuseSettings()
    abusive_language: WordListSettings = WordListSettings()
    threats: ThreatSettings = ThreatSettings()
    identity_hate: WordListSettings = WordListSettings()
    incitement: IncitementSettings = IncitementSettings()
    attacks: AttacksSettings = AttacksSettings()
    corrections: CorrectionsSettings = CorrectionsSettings()


class ThresholdSettings(_Frozen):
    reject: float = Field(ge=0.0, le=1.0)
    review: float = Field(ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> "ThresholdSettings":
        if self.review > self.reject:
            raise ValueError("review must not be above reject")
        return self


class ClassifierSettings(_Frozen):
    """enabled: false is rules-only on purpose; an enabled model that cannot load holds comments."""

    enabled: bool = False
    model: str | None = None
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    # Per-label overrides of the thresholds the model's manifest recommends. The labels are
    # classifier/labels.py's, written out here because settings may not import the classifier
    # (test_settings holds the two lists equal).
    thresholds: dict[Literal["abuse", "personal_attack", "identity_hate", "threat", "defamation"],
                     ThresholdSettings] = {}

    @model_validator(mode="after")
    def _pinned(self) -> "ClassifierSettings":
        if self.enabled and not (self.model and self.sha256):
            raise ValueError("an enabled classifier needs model (a directory) and sha256 (its pin)")
        return self


class ServerSettings(_Frozen):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(2, ge=1, le=64)
    threads: int = Field(8, ge=1, le=64)
    reuse_port: bool = True
    max_body_bytes: int = Field(65536, ge=1024)


class DatabaseSettings(_Frozen):
    url: str = "sqlite:///instance/moderation.sqlite3"


def _rate(value: str) -> str:
    from limits import parse_many

    try:
        parse_many(value)
    except ValueError:
        raise ValueError("must be a rate such as '100 per second' or '6000/minute'") from None
    return value


class LimitsSettings(_Frozen):
    """Requests allowed per token of each role ("anonymous": per address, without a valid token)."""

    site: str = "3000 per second"
    moderator: str = "50 per second"
    operator: str = "10 per second"
    anonymous: str = "20 per second"

    @field_validator("site", "moderator", "operator", "anonymous")
    @classmethod
    def _valid(cls, value: str) -> str:
        return _rate(value)


class ReviewSettings(_Frozen):
    # How long opening an item keeps it from other moderators.
    claim_minutes: float = Field(5, gt=0, le=240)


class WebhookSettings(_Frozen):
    """Delivery of moderators' outcomes to MODERATION_WEBHOOK_URL."""

    timeout_seconds: float = Field(5, gt=0, le=60)
    # Retries wait 2, 4, 8... seconds, never more than this; deliveries are never dropped.
    max_backoff_seconds: float = Field(3600, ge=1)
    # How often a sender looks for due deliveries when nothing wakes it.
    poll_seconds: float = Field(2, gt=0, le=60)


class FileSettings(_Frozen):
    """The shape of config.yaml."""

    policies: dict[str, Policy]
    messages: dict[str, str]
    rules: RulesSettings = RulesSettings()
    classifier: ClassifierSettings = ClassifierSettings()
    server: ServerSettings = ServerSettings()
    database: DatabaseSettings = DatabaseSettings()
    review: ReviewSettings = ReviewSettings()
    webhook: WebhookSettings = WebhookSettings()
    limits: LimitsSettings = LimitsSettings()

    @field_validator("policies")
    @classmethod
    def _all_policies(cls, value: dict[str, Policy]) -> dict[str, Policy]:
        missing = [p for p in POLICY_IDS if p not in value]
        if missing:
            raise ValueError(f"missing policies: {', '.join(missing)}")
        return value


class Settings(_Frozen):
    """Everything the service is configured with, from the file and the environment."""

    file: FileSettings
    config_path: Path
    database_url: str
    site_tokens: tuple[str, ...] = ()
    moderator_tokens: tuple[str, ...] = ()
    operator_tokens: tuple[str, ...] = ()
    # Where rate-limit counters live: None is in memory, per process; redis://... is shared.
    ratelimit_storage: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    # Signs the moderators' session cookies; without it one is kept in the instance folder.
    secret_key: str | None = None

    @property
    def policies(self) -> dict[str, Policy]:
        return self.file.policies

    @property
    def messages(self) -> dict[str, str]:
        return self.file.messages

    @property
    def model_dir(self) -> Path | None:
        """The classifier's model directory; relative paths are relative to the config file."""
        model = self.file.classifier.model
        return (self.config_path.parent / model).resolve() if model else None

    @property
    def auth_enabled(self) -> bool:
        return bool(self.site_tokens or self.moderator_tokens or self.operator_tokens)

    @property
    def policy_version(self) -> str:
        """Changes whenever anything that shapes a decision changes: the policies, messages, rule
        settings and model pin of config.yaml, and the rules themselves (rules_digest)."""
        shaping = self.file.model_dump(include={"policies", "messages", "rules", "classifier"})
        shaping["rules_digest"] = rules_digest()
        blob = json.dumps(shaping, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(blob).hexdigest()[:12]


# What the rules are made of besides config.yaml: their code, phrase files and word lists, and
# the text normalization they read through. A release that changes any of them changes
# policy_version, so a stored decision tells which rules made it.
RULE_SOURCES = ("rules", "wordlists", "text.py", "text_tables.py", "engine.py")


@lru_cache(maxsize=4)
def rules_digest(root: Path = Path(__file__).parent) -> str:
    """sha256 of the RULE_SOURCES under the package folder ``root``: names and contents."""
    digest = hashlib.sha256()
    for name in RULE_SOURCES:
        path = root / name
        found = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in found:
            if file.is_file() and file.suffix not in (".pyc", ".md") and "__pycache__" not in file.parts:
                digest.update(file.relative_to(root).as_posix().encode() + b"\0")
                digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def load_settings(path: str | os.PathLike[str] | None = None,
                  environ: Mapping[str, str] | None = None) -> Settings:
    """Read config.yaml (path, else MODERATION_CONFIG, else ./config.yaml) and the environment."""
    env = os.environ if environ is None else environ
    config_path = _find_config(path, env)
    raw = _read_yaml(config_path)
    try:
        file = FileSettings.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise ConfigError(key, f"{first['msg']} (in {config_path})") from exc
    url = env.get("MODERATION_DATABASE_URL") or file.database.url
    return Settings(
        file=file,
        config_path=config_path,
        database_url=resolve_sqlite_path(url, config_path.parent),
        site_tokens=_tokens(env, "MODERATION_SITE_TOKENS"),
        moderator_tokens=_tokens(env, "MODERATION_MODERATOR_TOKENS"),
        operator_tokens=_tokens(env, "MODERATION_OPERATOR_TOKENS"),
        ratelimit_storage=_storage(env),
        **_webhook(env),
        secret_key=_secret(env, "MODERATION_SECRET_KEY"),
    )


def _webhook(env: Mapping[str, str]) -> dict[str, str | None]:
    url = env.get("MODERATION_WEBHOOK_URL", "").strip() or None
    secret = _secret(env, "MODERATION_WEBHOOK_SECRET")
    if url is None:
        return {"webhook_url": None, "webhook_secret": secret}
    if not url.startswith(("http://", "https://")):
        raise ConfigError("MODERATION_WEBHOOK_URL", "must be an http:// or https:// URL")
    if secret is None:
        raise ConfigError("MODERATION_WEBHOOK_SECRET",
                          "is required with MODERATION_WEBHOOK_URL: the site checks every delivery's signature")
    return {"webhook_url": url, "webhook_secret": secret}


def _storage(env: Mapping[str, str]) -> str | None:
    url = env.get("MODERATION_RATELIMIT_STORAGE", "").strip() or None
    if url is not None and not url.startswith(("memory://", "redis://", "rediss://", "redis+sentinel://")):
        raise ConfigError("MODERATION_RATELIMIT_STORAGE", "must be memory:// or a redis:// URL")
    return url


def _secret(env: Mapping[str, str], key: str) -> str | None:
    value = env.get(key, "").strip() or None
    if value is not None and len(value) < MIN_TOKEN_LENGTH:
        raise ConfigError(key, f"must be at least {MIN_TOKEN_LENGTH} characters")
    return value


def _find_config(path: str | os.PathLike[str] | None, env: Mapping[str, str]) -> Path:
    key = "MODERATION_CONFIG"
    chosen = path or env.get(key) or "config.yaml"
    config_path = Path(chosen).expanduser().resolve()
    if not config_path.is_file():
        hint = "" if (path or env.get(key)) else "; run from the project folder or set MODERATION_CONFIG"
        raise ConfigError(key, f"no config file at {config_path}{hint}")
    return config_path


def _read_yaml(config_path: Path) -> dict[str, Any]:
    try:
        with config_path.open(encoding="utf-8") as fh:
            raw = yaml.safe_load(fh)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError("MODERATION_CONFIG", f"cannot read {config_path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError("(top level)", f"{config_path} must hold a mapping")
    return raw


def _tokens(env: Mapping[str, str], key: str) -> tuple[str, ...]:
    tokens = tuple(t.strip() for t in env.get(key, "").split(",") if t.strip())
    if any(len(t) < MIN_TOKEN_LENGTH for t in tokens):
        raise ConfigError(key, f"every token must be at least {MIN_TOKEN_LENGTH} characters")
    return tokens


def resolve_sqlite_path(url: str, base: Path) -> str:
    """Make a relative SQLite file path relative to the config file, not the working folder."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return url
    path = url[len(prefix):]
    if not path or path == ":memory:" or path.startswith("/"):
        return url
    return prefix + str((base / path).resolve())
