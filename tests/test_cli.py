"""The console script, driven through click's runner."""

from __future__ import annotations

import json

from moderation.cli import main


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_check_texts_print_one_decision_per_line_in_order(runner):
    result = runner.invoke(main, ["check", "A fine report.", "You are a f*cking 1d10t", ""])
    assert result.exit_code == 0, result.output
    decisions = [d["decision"] for d in lines(result.output)]
    assert decisions == ["accept", "reject", "reject"]


def test_check_jsonl_keeps_order_and_reports_bad_lines_in_place(runner, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join([
        json.dumps({"text": "hello", "comment_id": "1"}),
        "{not json",
        json.dumps({"text": "shit", "comment_id": "3"}),
        json.dumps({"txt": "typo"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"text": "bye", "comment_id": "6"}),
    ]) + "\n", encoding="utf-8")
    result = runner.invoke(main, ["check", "--jsonl", str(path)])
    assert result.exit_code == 1
    out = lines(result.output)
    assert len(out) == 6
    assert out[0]["comment_id"] == "1" and out[0]["decision"] == "accept"
    assert out[1]["error"] == "invalid_json"
    assert out[2]["comment_id"] == "3" and out[2]["decision"] in ("reject", "review")
    assert out[3]["error"] == "invalid_request" and "txt" in out[3]["message"]
    assert out[4]["error"] == "invalid_request"
    assert out[5]["comment_id"] == "6"


def test_check_jsonl_reads_stdin(runner):
    result = runner.invoke(main, ["check", "--jsonl", "-"], input='{"text": "fine"}\n')
    assert result.exit_code == 0
    assert lines(result.output)[0]["decision"] == "accept"


def test_check_needs_texts_or_jsonl(runner):
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 2


def test_bad_config_is_reported_with_its_key(runner, tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("policies: {}\nmessages: {}\n", encoding="utf-8")
    result = runner.invoke(main, ["--config", str(path), "check", "hi"])
    assert result.exit_code == 1
    assert "policies" in result.output


def test_db_upgrade_migrates_and_is_repeatable(runner):
    first = runner.invoke(main, ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert "revision" in first.output
    assert runner.invoke(main, ["db", "upgrade"]).output == first.output


def test_serve_refuses_a_public_address_without_tokens(runner, monkeypatch):
    monkeypatch.delenv("MODERATION_SITE_TOKENS", raising=False)
    monkeypatch.delenv("MODERATION_MODERATOR_TOKENS", raising=False)
    result = runner.invoke(main, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 1
    assert "refusing" in result.output
