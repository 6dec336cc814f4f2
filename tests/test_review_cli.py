"""The review commands through the CLI: list the queue, resolve comments, export decisions for training."""

from __future__ import annotations

import json
import os
from typing import Iterator

import pytest

from moderation.cli import main
from moderation.store import Store
from moderation.store.queue import ReviewQueue


def held(comment_id: str, codes: tuple[str, ...] = ("personal_attack",), **scores: float) -> dict:
    """An automatic `review` decision in the shape of Decision.to_dict()."""
    return {
        "comment_id": comment_id, "decision": "review",
        "reasons": [{"code": code, "policy": "abuse", "action": "review", "source": "model",
                     "message": "Held for a moderator.", "rule": "policy text", "score": 0.8, "spans": []}
                    for code in codes],
        "scores": scores or {"abuse": 0.4, "personal_attack": 0.8, "identity_hate": 0.0, "threat": 0.0},
        "model": {"id": "served-model", "sha256": "ab" * 32}, "policy_version": "p1",
    }


@pytest.fixture
def store(runner) -> Iterator[Store]:
    """A migrated Store over the database the CLI runner is configured with."""
    store = Store(os.environ["MODERATION_DATABASE_URL"])
    store.upgrade()
    yield store
    store.close()


def save_held(store: Store, comment_id: str, text: str, *, article_id: str | None = None,
              priority: float = 0.0, codes: tuple[str, ...] = ("personal_attack",), **scores: float) -> None:
    store.save({"comment_id": comment_id, "text": text, "article_id": article_id},
               held(comment_id, codes, **scores), priority=priority)


@pytest.fixture
def queued(store) -> Store:
    """Three held comments: c1 (attack, article a1), c2 (threat and defamation, a2, urgent), c3 (defamation, a2)."""
    save_held(store, "c1", "You are a clown\nand a liar", article_id="a1")
    save_held(store, "c2", "I know where the reporter lives. " * 4, article_id="a2", priority=5.0,
              codes=("threat", "defamation"), abuse=0.3, threat=0.9)
    save_held(store, "c3", "The minister stole the money", article_id="a2", codes=("defamation",))
    return store


def resolve(runner, comment_id: str, *args: str):
    return runner.invoke(main, ["review", "resolve", comment_id, *args])


# -- list ----------------------------------------------------------------------


def test_list_prints_a_table_oldest_first_with_counts_per_reason(runner, queued):
    result = runner.invoke(main, ["review", "list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["comment_id", "age", "reasons", "top", "score", "text"]
    assert [line.split()[0] for line in lines[1:4]] == ["c1", "c2", "c3"]
    assert "personal_attack" in lines[1] and "0.80 personal_attack" in lines[1]
    assert "You are a clown and a liar" in lines[1]  # the newline is gone from the excerpt
    assert "threat,defamation" in lines[2] and "0.90 threat" in lines[2]
    assert lines[2].endswith("…") and len(lines) == 5
    assert lines[4] == "pending per reason: defamation 2, personal_attack 1, threat 1"


def test_list_orders_by_priority_and_filters_by_reason_and_article(runner, queued):
    by_priority = runner.invoke(main, ["review", "list", "--order", "priority"])
    assert [line.split()[0] for line in by_priority.stdout.splitlines()[1:4]] == ["c2", "c1", "c3"]
    defamation = runner.invoke(main, ["review", "list", "--reason", "defamation"])
    assert [line.split()[0] for line in defamation.stdout.splitlines()[1:-1]] == ["c2", "c3"]
    article = runner.invoke(main, ["review", "list", "--article", "a1"])
    assert [line.split()[0] for line in article.stdout.splitlines()[1:-1]] == ["c1"]


def test_list_limit_reads_page_after_page(runner, queued, monkeypatch):
    monkeypatch.setattr("moderation.cli.review.MAX_PAGE", 2)
    save_held(queued, "c4", "Another held comment")
    result = runner.invoke(main, ["review", "list", "--limit", "3", "--json"])
    assert [json.loads(line)["comment_id"] for line in result.stdout.splitlines()] == ["c1", "c2", "c3"]


def test_list_json_gives_the_full_items_and_counts_on_stderr(runner, queued):
    result = runner.invoke(main, ["review", "list", "--json"])
    assert result.exit_code == 0, result.output
    items = [json.loads(line) for line in result.stdout.splitlines()]
    assert [item["comment_id"] for item in items] == ["c1", "c2", "c3"]
    assert items[0]["text"] == "You are a clown\nand a liar"
    assert items[0]["automatic"]["scores"]["personal_attack"] == 0.8
    assert items[0]["review"]["status"] == "pending"
    assert result.stderr.strip() == "pending per reason: defamation 2, personal_attack 1, threat 1"


def test_list_says_when_the_queue_is_empty(runner, store):
    result = runner.invoke(main, ["review", "list"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["no pending comments", "pending per reason: none"]


def test_list_creates_the_embedded_database_like_the_service(runner):
    result = runner.invoke(main, ["review", "list"])
    assert result.exit_code == 0, result.output
    assert "no pending comments" in result.stdout


def test_list_reports_a_bad_database_url_cleanly(runner):
    result = runner.invoke(main, ["review", "list"], env={"MODERATION_DATABASE_URL": "nosuchdb://x"})
    assert result.exit_code == 1
    assert "Error: the database URL names an unsupported database or driver" in result.output
    assert "Traceback" not in result.output


def test_list_reports_a_bad_config_with_its_key(runner, tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("policies: {}\nmessages: {}\n", encoding="utf-8")
    result = runner.invoke(main, ["--config", str(path), "review", "list"])
    assert result.exit_code == 1
    assert "policies" in result.output


# -- resolve -------------------------------------------------------------------


def test_resolve_prints_the_updated_record_and_leaves_the_queue(runner, queued, monkeypatch):
    monkeypatch.setenv("USER", "alice")
    result = resolve(runner, "c1", "--decision", "reject", "--reason", "personal_attack", "--note", "insults")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["comment_id"] == "c1" and record["decision"] == "reject"
    assert record["automatic"]["decision"] == "review"
    assert {k: record["moderation"][k] for k in ("decision", "reason", "note", "moderator")} == {
        "decision": "reject", "reason": "personal_attack", "note": "insults", "moderator": "alice"}
    assert queued.audit_log("c1")[0]["actor"] == "alice"
    listed = runner.invoke(main, ["review", "list", "--json"])
    assert [json.loads(line)["comment_id"] for line in listed.stdout.splitlines()] == ["c2", "c3"]


def test_resolve_names_the_moderator_cli_without_user_or_option(runner, queued, monkeypatch):
    monkeypatch.delenv("USER", raising=False)
    result = resolve(runner, "c3", "--decision", "accept", "--reason", "defamation")
    assert json.loads(result.stdout)["moderation"]["moderator"] == "cli"
    named = resolve(runner, "c2", "--decision", "reject", "--reason", "threat", "--moderator", "Mona Z.")
    assert json.loads(named.stdout)["moderation"]["moderator"] == "Mona Z."


def test_resolve_unknown_comment_exits_3(runner, queued):
    result = resolve(runner, "nope", "--decision", "reject", "--reason", "threat")
    assert result.exit_code == 3
    assert "Error: not_found: no comment with comment_id 'nope'" in result.output


def test_resolve_twice_exits_4_until_override(runner, queued):
    assert resolve(runner, "c1", "--decision", "reject", "--reason", "personal_attack",
                   "--moderator", "alice").exit_code == 0
    again = resolve(runner, "c1", "--decision", "accept", "--reason", "personal_attack")
    assert again.exit_code == 4
    assert "already_resolved: alice already decided 'c1' (reject, personal_attack" in again.output
    assert "--override" in again.output
    assert queued.get("c1")["decision"] == "reject"
    override = resolve(runner, "c1", "--decision", "accept", "--reason", "personal_attack", "--override")
    assert override.exit_code == 0, override.output
    assert queued.get("c1")["decision"] == "accept"


def test_resolve_a_comment_another_moderator_holds_exits_5(runner, queued):
    ReviewQueue(queued).open("c2", "bob")
    result = resolve(runner, "c2", "--decision", "reject", "--reason", "threat", "--moderator", "alice")
    assert result.exit_code == 5
    assert "claimed: 'c2': bob is working on this comment until" in result.output
    assert queued.get("c2")["moderation"] is None
    assert resolve(runner, "c2", "--decision", "reject", "--reason", "threat",
                   "--moderator", "bob").exit_code == 0


def test_resolve_refuses_a_reason_that_is_not_a_message_key(runner, queued):
    result = resolve(runner, "c1", "--decision", "reject", "--reason", "rudeness")
    assert result.exit_code == 2
    assert "'rudeness' is not a reason code" in result.output and "personal_attack" in result.output
    assert queued.get("c1")["moderation"] is None


@pytest.mark.parametrize("args", [
    ["--decision", "review", "--reason", "threat"],        # only accept or reject
    ["--reason", "threat"],                                # decision missing
    ["--decision", "reject"],                              # reason missing
    ["--decision", "reject", "--reason", "threat", "--moderator", "bad\tname"],
])
def test_resolve_refuses_bad_options_with_usage_status(runner, queued, args):
    result = resolve(runner, "c1", *args)
    assert result.exit_code == 2, result.output
    assert queued.get("c1")["moderation"] is None


# -- export --------------------------------------------------------------------


def exported(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_export_writes_the_latest_decision_per_comment_with_labels(runner, queued, tmp_path):
    queued.save({"comment_id": "c5", "text": "A fair report."},
               {"decision": "accept", "reasons": [], "scores": {}, "model": None, "policy_version": "p1"})
    resolve(runner, "c1", "--decision", "accept", "--reason", "personal_attack", "--moderator", "alice")
    resolve(runner, "c2", "--decision", "reject", "--reason", "threat", "--moderator", "alice")
    resolve(runner, "c3", "--decision", "reject", "--reason", "defamation", "--moderator", "alice")
    resolve(runner, "c5", "--decision", "reject", "--reason", "abusive_language", "--moderator", "alice")
    resolve(runner, "c1", "--decision", "reject", "--reason", "personal_attack", "--override", "--moderator", "bob")
    out = tmp_path / "exports" / "decisions.jsonl"
    result = runner.invoke(main, ["review", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"exported 4 decisions to {out} (4 with classifier labels)"
    rows = {row["comment_id"]: row for row in exported(out)}
    assert list(rows) == ["c2", "c3", "c5", "c1"]  # by decision in force, oldest first; one line each
    assert rows["c1"] == {
        "comment_id": "c1", "article_id": "a1", "text": "You are a clown\nand a liar",
        "decision": "reject", "reason": "personal_attack",
        "labels": {"abuse": 1, "personal_attack": 1, "identity_hate": None, "threat": None, "defamation": None},
        "moderator": "bob", "decided_at": rows["c1"]["decided_at"],
        "automatic_decision": "review", "model_id": "served-model",
    }
    assert rows["c2"]["labels"] == {"abuse": 1, "personal_attack": None, "identity_hate": None, "threat": 1,
                                    "defamation": None}
    assert rows["c3"]["labels"] == {**dict.fromkeys(("abuse", "personal_attack", "identity_hate", "threat")),
                                    "defamation": 1}
    assert rows["c5"]["automatic_decision"] == "accept" and rows["c5"]["model_id"] is None
    assert rows["c5"]["labels"]["abuse"] == 1
    assert [p.name for p in out.parent.iterdir()] == ["decisions.jsonl"]  # no temporary file left


def test_export_of_accepted_comments_rules_every_label_out(runner, queued, tmp_path):
    resolve(runner, "c3", "--decision", "accept", "--reason", "defamation")
    out = tmp_path / "decisions.jsonl"
    runner.invoke(main, ["review", "export", "--out", str(out)])
    [row] = exported(out)
    assert row["decision"] == "accept"
    assert row["labels"] == {"abuse": 0, "personal_attack": 0, "identity_hate": 0, "threat": 0, "defamation": 0}


def test_export_replaces_an_old_file_whole(runner, queued, tmp_path):
    out = tmp_path / "decisions.jsonl"
    out.write_text("stale\n" * 10, encoding="utf-8")
    result = runner.invoke(main, ["review", "export", "--out", str(out)])
    assert result.exit_code == 0
    assert "exported 0 decisions" in result.stdout
    assert out.read_text(encoding="utf-8") == ""


def test_export_to_an_unwritable_place_fails_cleanly_and_keeps_nothing(runner, queued, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = runner.invoke(main, ["review", "export", "--out", str(blocker / "decisions.jsonl")])
    assert result.exit_code == 1
    assert "Error: cannot write" in result.output
    assert blocker.read_text(encoding="utf-8") == "not a folder"
    assert not [p for p in tmp_path.rglob("*decisions*")]
