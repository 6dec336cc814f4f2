"""The Python API: Moderator.from_config, check, check_many, Decision.to_dict."""

from __future__ import annotations

import json

import pytest

from moderation import Moderator
from moderation.errors import InputError

from .conftest import CONFIG


def test_from_config_reads_the_project_config():
    moderator = Moderator.from_config(CONFIG)
    assert moderator.check("A balanced piece.").decision == "accept"


def test_check_accepts_a_mapping_with_metadata(moderator):
    decision = moderator.check({"text": "You moron", "comment_id": "c7", "author_id": "a"})
    assert decision.comment_id == "c7"
    assert decision.decision in ("review", "reject")
    assert "personal_attack" in decision.codes


def test_check_refuses_unknown_fields(moderator):
    with pytest.raises(InputError) as err:
        moderator.check({"text": "x", "colour": "red"})
    assert "colour" in err.value.message


def test_check_many_keeps_order(moderator):
    decisions = moderator.check_many(["fine", "a" * 1001, {"text": "fuck this"}])
    assert [d.decision for d in decisions] == ["accept", "reject", "reject"]


def test_check_many_decides_batch_after_batch_as_check_does(moderator, caplog):
    from moderation.moderator import BATCH

    texts = ["fine", "You moron", "f u c k", "a" * 1001, "A careful report."]
    comments = [{"text": texts[i % len(texts)], "comment_id": f"c{i}"} for i in range(2 * BATCH + 3)]
    with caplog.at_level("INFO", logger="moderation.decision"):
        many = moderator.check_many(comments)
    assert [d.to_dict() for d in many] == [moderator.check(c).to_dict() for c in comments]
    lines = [r.msg for r in caplog.records if r.name == "moderation.decision"][:len(comments)]
    assert [line["comment_id"] for line in lines] == [c["comment_id"] for c in comments]
    assert {line["batch"] for line in lines} == {BATCH, 3}


def test_decision_is_frozen_and_serialises_to_json(moderator):
    decision = moderator.check("f u c k")
    with pytest.raises(AttributeError):
        decision.decision = "accept"  # type: ignore[misc]
    body = json.loads(json.dumps(decision.to_dict()))
    assert set(body) == {"comment_id", "decision", "reasons", "scores", "model", "policy_version", "suggestions"}
    assert body["reasons"][0]["spans"][0]["text"] == "f u c k"


def test_one_log_line_per_decision_without_the_text(moderator, caplog):
    caplog.set_level("INFO", logger="moderation.decision")
    moderator.check({"text": "secret words here", "comment_id": "log-1"})
    [record] = [r for r in caplog.records if r.name == "moderation.decision"]
    line = json.loads(record.getMessage())
    assert line["comment_id"] == "log-1"
    assert line["decision"] == "accept"
    assert "latency_ms" in line
    assert "secret" not in record.getMessage()
