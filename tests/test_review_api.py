"""The review queue API on both databases: listing, claims, resolving, overrides, the record."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from moderation import create_app
from moderation.settings import load_settings
from moderation.store import Store

from .conftest import MODERATOR_TOKEN, SITE_TOKEN
from .store_fixtures import database_url, postgres_database  # noqa: F401

HELD = "The minister stole the aid money."          # defamation: review
REJECTED = "You are a f*cking 1d10t"                 # abusive language: reject
ACCEPTED = "This report ignores half the facts."    # criticism: accept


@pytest.fixture
def db_app(database_url, rules_only_config):  # noqa: F811
    migrator = Store(database_url)
    migrator.upgrade()
    migrator.close()
    app = create_app(load_settings(rules_only_config, environ={
        "MODERATION_DATABASE_URL": database_url,
        "MODERATION_SITE_TOKENS": SITE_TOKEN,
        "MODERATION_MODERATOR_TOKENS": MODERATOR_TOKEN,
    }))
    yield app
    app.extensions["moderation"].store.close()


def site():
    return {"Authorization": f"Bearer {SITE_TOKEN}"}


def mod(name="alice"):
    return {"Authorization": f"Bearer {MODERATOR_TOKEN}", "X-Moderator": name}


def submit(client, comment_id, text=HELD, **fields):
    response = client.post("/v1/comments", json={"comment_id": comment_id, "text": text, **fields},
                           headers=site())
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def resolve(client, comment_id, name="alice", **body):
    payload = {"decision": "reject", "reason": "defamation", **body}
    return client.post(f"/v1/review/{comment_id}", json=payload, headers=mod(name))


def test_held_comments_are_listed_oldest_first_with_their_decision(db_app):
    client = db_app.test_client()
    for n in range(3):
        submit(client, f"held-{n}", article_id="a1")
    submit(client, "fine", ACCEPTED)
    submit(client, "rude", REJECTED)
    body = client.get("/v1/review", headers=mod()).get_json()
    assert [item["comment_id"] for item in body["items"]] == ["held-0", "held-1", "held-2"]
    first = body["items"][0]
    assert first["decision"] == "review"
    assert first["review"]["status"] == "pending"
    assert first["review"]["claim"] is None
    [reason] = [r for r in first["automatic"]["reasons"] if r["code"] == "defamation"]
    assert all(HELD[s["start"]:s["end"]] == s["text"] for s in reason["spans"])
    assert body["counts"] == {"defamation": 3}
    assert body["next_cursor"] is None


def test_cursor_pages_through_the_whole_queue_once(db_app):
    client = db_app.test_client()
    for n in range(7):
        submit(client, f"c{n}")
    seen, cursor = [], None
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = client.get("/v1/review", query_string=query, headers=mod()).get_json()
        seen += [item["comment_id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"c{n}" for n in range(7)]


def test_priority_order_puts_the_highest_priority_first(db_app):
    queue = db_app.extensions["moderation"].queue
    store = db_app.extensions["moderation"].store
    decision = {"decision": "review", "reasons": [{"code": "abusive_language", "action": "review"}]}
    for n, priority in enumerate([0.2, 0.9, 0.5, 0.9]):
        store.save({"comment_id": f"p{n}", "text": f"text {n}"}, decision, priority=priority)
    client = db_app.test_client()
    pages = []
    body = client.get("/v1/review?order=priority&limit=2", headers=mod()).get_json()
    pages.append([item["comment_id"] for item in body["items"]])
    body = client.get(f"/v1/review?order=priority&limit=2&cursor={body['next_cursor']}",
                      headers=mod()).get_json()
    pages.append([item["comment_id"] for item in body["items"]])
    assert pages == [["p1", "p3"], ["p2", "p0"]]
    assert queue.counts() == {"abusive_language": 4}


def test_filters_by_reason_and_article(db_app):
    client = db_app.test_client()
    submit(client, "x1", article_id="a1")
    submit(client, "x2", article_id="a2")
    submit(client, "x3", "Ya 7abibi, el kalam da 3agebny awi, shokran ya basha", article_id="a1")
    by_article = client.get("/v1/review?article_id=a1", headers=mod()).get_json()
    assert [i["comment_id"] for i in by_article["items"]] == ["x1", "x3"]
    by_reason = client.get("/v1/review?reason=unsupported_language", headers=mod()).get_json()
    assert [i["comment_id"] for i in by_reason["items"]] == ["x3"]


@pytest.mark.parametrize("query", [
    "order=newest", "limit=0", "limit=101", "limit=ten", "cursor=!!!", "cursor=WzFd", "colour=red",
])
def test_bad_queue_queries_are_400(db_app, query):
    response = db_app.test_client().get(f"/v1/review?{query}", headers=mod())
    assert response.status_code == 400
    assert response.get_json()["error"] in ("invalid_query", "invalid_cursor")


def test_a_cursor_from_another_order_is_refused(db_app):
    client = db_app.test_client()
    for n in range(3):
        submit(client, f"o{n}")
    cursor = client.get("/v1/review?limit=1", headers=mod()).get_json()["next_cursor"]
    response = client.get(f"/v1/review?order=priority&cursor={cursor}", headers=mod())
    assert response.status_code == 400


def test_resolving_updates_the_record_and_leaves_the_queue(db_app):
    client = db_app.test_client()
    submit(client, "r1")
    response = resolve(client, "r1", decision="reject", reason="defamation", note="no source")
    assert response.status_code == 200
    record = response.get_json()
    assert record["decision"] == "reject"
    assert record["automatic"]["decision"] == "review"
    moderation = record["moderation"]
    assert {k: moderation[k] for k in ("decision", "reason", "note", "moderator")} == {
        "decision": "reject", "reason": "defamation", "note": "no source", "moderator": "alice"}
    assert moderation["decided_at"].endswith("Z")
    assert client.get("/v1/comments/r1", headers=site()).get_json() == record
    assert client.get("/v1/review", headers=mod()).get_json()["items"] == []


def test_a_pending_record_shows_review_and_no_moderation(db_app):
    client = db_app.test_client()
    submit(client, "p")
    record = client.get("/v1/comments/p", headers=site()).get_json()
    assert record["decision"] == "review"
    assert record["moderation"] is None


def test_resolving_twice_is_409_unless_overriding(db_app):
    client = db_app.test_client()
    submit(client, "twice")
    assert resolve(client, "twice").status_code == 200
    again = resolve(client, "twice", decision="accept")
    assert again.status_code == 409
    assert again.get_json()["error"] == "already_resolved"
    appeal = resolve(client, "twice", name="bob", decision="accept", reason="defamation",
                     note="the court confirmed it", override=True)
    assert appeal.status_code == 200
    assert appeal.get_json()["decision"] == "accept"
    assert appeal.get_json()["moderation"]["moderator"] == "bob"


def test_automatic_accepts_and_rejects_can_be_overridden(db_app):
    client = db_app.test_client()
    submit(client, "auto-ok", ACCEPTED)
    submit(client, "auto-no", REJECTED)
    flipped = resolve(client, "auto-ok", decision="reject", reason="personal_attack").get_json()
    assert (flipped["automatic"]["decision"], flipped["decision"]) == ("accept", "reject")
    appeal = resolve(client, "auto-no", decision="accept", reason="abusive_language").get_json()
    assert (appeal["automatic"]["decision"], appeal["decision"]) == ("reject", "accept")


def test_every_action_is_in_the_audit_log(db_app):
    client = db_app.test_client()
    submit(client, "audited")
    client.get("/v1/review/audited", headers=mod("alice"))
    resolve(client, "audited", name="alice")
    resolve(client, "audited", name="bob", decision="accept", override=True)
    log = db_app.extensions["moderation"].store.audit_log("audited")
    assert [(e["actor"], e["action"]) for e in reversed(log)] == [
        ("system", "decided"), ("alice", "claimed"), ("alice", "resolved"), ("bob", "overridden")]
    assert log[0]["detail"] == {"decision": "accept", "reason": "defamation", "previous": "reject"}


def test_opening_an_item_claims_it_and_others_cannot_resolve_it(db_app):
    client = db_app.test_client()
    submit(client, "claimed")
    opened = client.get("/v1/review/claimed", headers=mod("alice")).get_json()
    assert opened["review"]["claim"]["moderator"] == "alice"
    # Bob sees alice's claim and does not take it over.
    seen = client.get("/v1/review/claimed", headers=mod("bob")).get_json()
    assert seen["review"]["claim"]["moderator"] == "alice"
    blocked = resolve(client, "claimed", name="bob")
    assert blocked.status_code == 409
    assert blocked.get_json()["error"] == "claimed"
    assert resolve(client, "claimed", name="alice").status_code == 200


def test_a_released_claim_frees_the_item(db_app):
    client = db_app.test_client()
    submit(client, "rel")
    client.get("/v1/review/rel", headers=mod("alice"))
    assert client.delete("/v1/claims/rel", headers=mod("bob")).status_code == 204  # not bob's: no-op
    assert resolve(client, "rel", name="bob").status_code == 409
    assert client.delete("/v1/claims/rel", headers=mod("alice")).status_code == 204
    assert resolve(client, "rel", name="bob").status_code == 200


def test_claims_expire(db_app):
    queue = db_app.extensions["moderation"].queue
    client = db_app.test_client()
    submit(client, "exp")
    past = datetime.now(timezone.utc) - queue.claim_for - timedelta(seconds=1)
    queue.open("exp", "alice", now=past)
    assert resolve(client, "exp", name="bob").status_code == 200


def test_claim_next_hands_out_free_items_then_204(db_app):
    client = db_app.test_client()
    submit(client, "n1")
    submit(client, "n2")
    first = client.post("/v1/claims", headers=mod("alice"))
    second = client.post("/v1/claims", headers=mod("bob"))
    assert first.get_json()["comment_id"] == "n1"
    assert second.get_json()["comment_id"] == "n2"
    assert client.post("/v1/claims", headers=mod("carol")).status_code == 204
    # Alice asking again gets her own item back rather than nothing.
    assert client.post("/v1/claims", headers=mod("alice")).get_json()["comment_id"] == "n1"


def test_concurrent_moderators_never_get_the_same_item(db_app):
    client = db_app.test_client()
    for n in range(12):
        submit(client, f"cc{n:02d}")
    names = [f"mod{n}" for n in range(6)]
    barrier = threading.Barrier(len(names))

    def work(name):
        own = db_app.test_client()
        barrier.wait()
        got = []
        for _ in range(2):
            response = own.post("/v1/claims", headers=mod(name))
            assert response.status_code == 200, response.get_json()
            item = response.get_json()
            got.append(item["comment_id"])
            assert own.post(f"/v1/review/{item['comment_id']}", headers=mod(name),
                            json={"decision": "accept", "reason": "defamation"}).status_code == 200
        return got

    with ThreadPoolExecutor(len(names)) as pool:
        results = list(pool.map(work, names))
    handed = [comment_id for got in results for comment_id in got]
    assert sorted(handed) == [f"cc{n:02d}" for n in range(12)]
    assert client.get("/v1/review", headers=mod()).get_json()["items"] == []
    log = db_app.extensions["moderation"].store.audit_log(limit=1000)
    assert len([e for e in log if e["action"] == "resolved"]) == 12


def test_concurrent_resolutions_of_one_item_leave_one_decision(db_app):
    client = db_app.test_client()
    submit(client, "race")
    barrier = threading.Barrier(6)

    def attempt(n):
        own = db_app.test_client()
        barrier.wait()
        return own.post("/v1/review/race", headers=mod(f"m{n}"),
                        json={"decision": "reject", "reason": "defamation"}).status_code

    with ThreadPoolExecutor(6) as pool:
        codes = sorted(pool.map(attempt, range(6)))
    assert codes == [200] + [409] * 5
    log = db_app.extensions["moderation"].store.audit_log("race")
    assert [e["action"] for e in log].count("resolved") == 1


@pytest.mark.parametrize("body, status", [
    ({"decision": "maybe", "reason": "defamation"}, 400),
    ({"decision": "review", "reason": "defamation"}, 400),
    ({"decision": "reject"}, 400),
    ({"decision": "reject", "reason": "no_such_code"}, 400),
    ({"decision": "reject", "reason": "defamation", "note": 5}, 400),
    ({"decision": "reject", "reason": "defamation", "note": "x" * 2001}, 400),
    ({"decision": "reject", "reason": "defamation", "extra": 1}, 400),
    ({"decision": "reject", "reason": "defamation", "override": "yes"}, 400),
])
def test_bad_resolve_bodies_are_400(db_app, body, status):
    client = db_app.test_client()
    submit(client, "bad")
    response = client.post("/v1/review/bad", json=body, headers=mod())
    assert response.status_code == status
    assert response.get_json()["error"] == "invalid_request"
    assert client.get("/v1/comments/bad", headers=site()).get_json()["moderation"] is None


def test_unparseable_resolve_body_is_400(db_app):
    client = db_app.test_client()
    submit(client, "raw")
    response = client.post("/v1/review/raw", data="{nope", content_type="application/json",
                           headers=mod())
    assert response.status_code == 400


def test_unknown_comments_are_404(db_app):
    client = db_app.test_client()
    assert resolve(client, "ghost").status_code == 404
    assert client.get("/v1/review/ghost", headers=mod()).status_code == 404
    assert client.delete("/v1/claims/ghost", headers=mod()).status_code == 404


def test_comment_ids_with_slashes_and_markup_work(db_app):
    client = db_app.test_client()
    odd = "site/2026/11/<b>'\";--"
    submit(client, odd)
    assert client.get(f"/v1/review/{odd}", headers=mod()).get_json()["comment_id"] == odd
    assert resolve(client, odd).get_json()["comment_id"] == odd


@pytest.mark.parametrize("method, path", [
    ("get", "/v1/review"), ("get", "/v1/review/x"), ("post", "/v1/review/x"),
    ("post", "/v1/claims"), ("delete", "/v1/claims/x"),
])
def test_site_token_gets_403_and_no_token_401(db_app, method, path):
    client = db_app.test_client()
    call = getattr(client, method)
    assert call(path, headers=site()).status_code == 403
    assert call(path).status_code == 401


def test_moderator_names_must_be_printable(db_app):
    client = db_app.test_client()
    submit(client, "n")
    headers = {"Authorization": f"Bearer {MODERATOR_TOKEN}", "X-Moderator": "a\tb"}
    assert client.get("/v1/review/n", headers=headers).status_code == 400
