"""Settings: config.yaml and the environment; a bad value stops start-up naming its key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from moderation import settings as settings_module
from moderation.errors import ConfigError
from moderation.settings import RULE_SOURCES, load_settings, rules_digest

from .conftest import CONFIG


def write_config(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def test_project_config_loads_with_all_policies_verbatim():
    settings = load_settings(CONFIG, environ={})
    assert set(settings.policies) == {"length", "abuse", "incitement", "writers", "corrections"}
    assert "rude or abusive language, libelous statements" in settings.policies["abuse"].text
    assert settings.file.classifier.enabled is True
    assert (settings.model_dir / "model.joblib").is_file()


def test_config_comes_from_the_environment_when_no_path_is_given():
    assert load_settings(environ={"MODERATION_CONFIG": str(CONFIG)}).config_path == CONFIG


def test_missing_config_names_the_variable(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_settings(environ={"MODERATION_CONFIG": str(tmp_path / "nope.yaml")})
    assert err.value.key == "MODERATION_CONFIG"


@pytest.mark.parametrize("change, key", [
    (lambda c: c["rules"]["length"].update(max_chars="many"), "rules.length.max_chars"),
    (lambda c: c["rules"]["abusive_language"].update(severe="delete"), "rules.abusive_language.severe"),
    (lambda c: c["server"].update(prot=8000), "server.prot"),
    (lambda c: c["policies"].pop("writers"), "policies"),
    (lambda c: c.update(classifier={"enabled": True}), "classifier"),
    (lambda c: c["classifier"].update(sha256="not-a-hash"), "classifier.sha256"),
    (lambda c: c["classifier"].update(thresholds={"abuse": {"reject": 0.5, "review": 0.9}}),
     "classifier.thresholds.abuse"),
    (lambda c: c["classifier"].update(thresholds={"rudeness": {"reject": 0.9, "review": 0.5}}),
     "classifier.thresholds.rudeness.[key]"),
])
def test_bad_value_names_its_key(tmp_path, change, key):
    with pytest.raises(ConfigError) as err:
        load_settings(write_config(tmp_path, change), environ={})
    assert err.value.key == key
    assert key in str(err.value)


def test_invalid_yaml_is_a_config_error(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("policies: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_settings(path, environ={})


def test_environment_overrides_database_and_tokens():
    settings = load_settings(CONFIG, environ={
        "MODERATION_DATABASE_URL": "postgresql+psycopg://db/x",
        "MODERATION_SITE_TOKENS": " aaaaaaaaaaaaaaaa , bbbbbbbbbbbbbbbb,",
        "MODERATION_MODERATOR_TOKENS": "cccccccccccccccc",
    })
    assert settings.database_url == "postgresql+psycopg://db/x"
    assert settings.site_tokens == ("aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb")
    assert settings.moderator_tokens == ("cccccccccccccccc",)
    assert settings.auth_enabled


def test_short_tokens_are_refused():
    with pytest.raises(ConfigError) as err:
        load_settings(CONFIG, environ={"MODERATION_SITE_TOKENS": "short"})
    assert err.value.key == "MODERATION_SITE_TOKENS"


def test_relative_sqlite_path_is_relative_to_the_config_file():
    settings = load_settings(CONFIG, environ={})
    assert settings.database_url == f"sqlite:///{CONFIG.parent / 'instance' / 'moderation.sqlite3'}"


def test_policy_version_follows_policy_changes(tmp_path):
    base = load_settings(CONFIG, environ={}).policy_version
    same = load_settings(write_config(tmp_path, lambda c: c["server"].update(port=9000)), environ={})
    changed = load_settings(write_config(tmp_path, lambda c: c["rules"]["length"].update(max_chars=500)),
                            environ={})
    assert same.policy_version == base
    assert changed.policy_version != base


def test_policy_version_follows_the_rules_own_code_and_data(tmp_path):
    # Copies of the package's rule sources: the same files give the same digest wherever they
    # are installed, an edited phrase file another, and compiled caches none at all.
    package = Path(settings_module.__file__).parent
    copies = []
    for name in ("same", "edited"):
        root = tmp_path / name
        for source in RULE_SOURCES:
            if (package / source).is_dir():
                shutil.copytree(package / source, root / source)
            else:
                root.mkdir(exist_ok=True)
                shutil.copy(package / source, root / source)
        (root / "rules" / "__pycache__").mkdir(exist_ok=True)
        (root / "rules" / "__pycache__" / "stale.pyc").write_bytes(name.encode())
        copies.append(root)
    data = copies[1] / "rules" / "data" / "incitement.yaml"
    data.write_text(data.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert rules_digest(copies[0]) == rules_digest()
    assert rules_digest(copies[1]) != rules_digest()


def test_policy_version_changes_with_the_rules_digest(monkeypatch):
    base = load_settings(CONFIG, environ={}).policy_version
    monkeypatch.setattr(settings_module, "rules_digest", lambda: "0" * 64)
    assert load_settings(CONFIG, environ={}).policy_version != base


def test_threshold_overrides_name_exactly_the_labels_the_classifier_scores():
    # settings sits below the classifier and cannot import its labels: they are written out
    # twice, and this keeps the copy from drifting when a label is added.
    from typing import get_args

    from moderation.classifier.labels import LABELS
    from moderation.settings import ClassifierSettings

    key_type = get_args(ClassifierSettings.model_fields["thresholds"].annotation)[0]
    assert get_args(key_type) == LABELS
