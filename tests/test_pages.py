"""The moderators' web pages: accounts, sign-in, the queue, an item, deciding, CSRF, escaping."""

from __future__ import annotations

import os
import re
import stat

import pytest

from moderation import create_app
from moderation.cli import main
from moderation.errors import InputError
from moderation.store.accounts import Moderators
from moderation.web.pages import evidence

PASSWORD = "correct horse battery"
HELD = "The minister stole the aid money."  # defamation: held for review
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def accounts(app) -> Moderators:
    accounts = Moderators(app.extensions["moderation"].store)
    accounts.add("alice", PASSWORD)
    return accounts


@pytest.fixture
def queue(app):
    return app.extensions["moderation"].queue


@pytest.fixture
def signed_in(client, accounts):
    assert sign_in(client).status_code == 302
    return client


def csrf_token(client, path: str = "/moderate/login") -> str:
    return TOKEN.search(client.get(path).get_data(as_text=True)).group(1)


def sign_in(client, name: str = "alice", password: str = PASSWORD, **extra):
    data = {"name": name, "password": password, "csrf_token": csrf_token(client), **extra}
    return client.post("/moderate/login", data=data)


def hold(client, comment_id: str, text: str = HELD, **fields) -> None:
    response = client.post("/v1/comments", json={"comment_id": comment_id, "text": text, **fields})
    assert response.get_json()["decision"] == "review"


def decide(client, comment_id: str, decision: str = "reject", reason: str = "defamation", **extra):
    data = {"decision": decision, "reason": reason, "note": "checked",
            "csrf_token": csrf_token(client, "/moderate/history"), **extra}
    return client.post(f"/moderate/items/{comment_id}", data=data)


def text(response) -> str:
    return response.get_data(as_text=True)


# -- accounts and the moderators command ----------------------------------------------


def test_accounts_refuse_duplicates_bad_names_and_short_passwords(accounts):
    for name, password, code in [("alice", PASSWORD, "name_taken"), ("", PASSWORD, "invalid_name"),
                                 ("x" * 256, PASSWORD, "invalid_name"), (" bob", PASSWORD, "invalid_name"),
                                 ("bo\nb", PASSWORD, "invalid_name"), ("bob", "short", "weak_password")]:
        with pytest.raises(InputError) as caught:
            accounts.add(name, password)
        assert caught.value.code == code
    assert [account["name"] for account in accounts.list()] == ["alice"]


def test_authenticate_needs_the_right_password_and_an_active_account(accounts):
    assert accounts.authenticate("alice", PASSWORD) == "alice"
    assert accounts.authenticate("alice", "wrong password") is None
    assert accounts.authenticate("nobody", PASSWORD) is None
    accounts.set_active("alice", False)
    assert accounts.authenticate("alice", PASSWORD) is None
    assert accounts.list()[0]["active"] is False
    with pytest.raises(InputError):
        accounts.set_active("nobody", False)


def test_moderators_command_adds_lists_and_disables(runner):
    added = runner.invoke(main, ["moderators", "add", "alice", "--password-stdin"], input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    prompted = runner.invoke(main, ["moderators", "add", "bob"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0, prompted.output
    assert PASSWORD not in prompted.output
    again = runner.invoke(main, ["moderators", "add", "alice", "--password-stdin"], input=PASSWORD + "\n")
    assert again.exit_code == 1
    assert "already exists" in again.output and "Traceback" not in again.output
    short = runner.invoke(main, ["moderators", "add", "carol", "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "at least 8" in short.output
    assert runner.invoke(main, ["moderators", "disable", "bob"]).exit_code == 0
    listed = runner.invoke(main, ["moderators", "list"]).output.splitlines()
    assert [line.split("\t")[:2] for line in listed] == [["alice", "active"], ["bob", "disabled"]]
    unknown = runner.invoke(main, ["moderators", "disable", "nobody"])
    assert unknown.exit_code == 1 and "no moderator named" in unknown.output


# -- signing in -------------------------------------------------------------------------


def test_sign_in_starts_a_session_and_sign_out_ends_it(client, accounts):
    response = sign_in(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/moderate/"
    assert "Signed in as <strong>alice</strong>" in text(client.get("/moderate/"))
    token = csrf_token(client, "/moderate/")
    assert client.post("/moderate/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/moderate/").headers["Location"].startswith("/moderate/login")


@pytest.mark.parametrize("name, password", [("alice", "wrong password"), ("nobody", PASSWORD)])
def test_a_wrong_password_or_unknown_name_does_not_sign_in(client, accounts, name, password):
    response = sign_in(client, name, password)
    assert response.status_code == 200
    assert "Wrong name or password" in text(response)
    assert client.get("/moderate/").status_code == 302


@pytest.mark.parametrize("path", ["/moderate/", "/moderate/items/c1", "/moderate/history"])
def test_pages_send_strangers_to_the_sign_in_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/moderate/login?next=")


def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(client, accounts):
    assert sign_in(client, next="/moderate/history").headers["Location"] == "/moderate/history"
    client.post("/moderate/logout", data={"csrf_token": csrf_token(client, "/moderate/")})
    assert sign_in(client, next="https://evil.example/").headers["Location"] == "/moderate/"


def test_a_disabled_account_is_signed_out_on_its_next_page(signed_in, accounts):
    accounts.set_active("alice", False)
    assert signed_in.get("/moderate/").status_code == 302


def test_session_cookie_is_httponly_lax_and_scoped_to_the_pages(client, accounts):
    cookie = sign_in(client).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/moderate" in cookie
    assert "Secure" not in cookie  # plain http on loopback keeps working
    secure = client.application.test_client()
    token = csrf_token(secure)
    response = secure.post("/moderate/login", base_url="https://localhost",
                           data={"name": "alice", "password": PASSWORD, "csrf_token": token})
    assert "Secure" in response.headers["Set-Cookie"]


def test_the_generated_key_is_private_and_shared_by_every_worker(settings, app):
    key_file = os.path.join(os.path.dirname(settings.database_url.removeprefix("sqlite:///")), "secret_key")
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    second = create_app(settings)
    try:
        assert second.secret_key == app.secret_key
    finally:
        second.extensions["moderation"].store.close()


def test_a_configured_secret_key_is_used_as_is(make_settings):
    configured = create_app(make_settings(MODERATION_SECRET_KEY="k" * 32))
    try:
        assert configured.secret_key == "k" * 32
    finally:
        configured.extensions["moderation"].store.close()


# -- the queue --------------------------------------------------------------------------


def test_queue_counts_reasons_and_filters_by_reason_and_article(signed_in):
    hold(signed_in, "d1", article_id="a1")
    hold(signed_in, "d2", text="The reporter fabricated this story.", article_id="a2")
    hold(signed_in, "t1", text="I know where you live.", article_id="a1")
    page = text(signed_in.get("/moderate/"))
    assert re.search(r"defamation</span> <span class=\"count\">2<", page)
    assert re.search(r"threat</span> <span class=\"count\">1<", page)
    assert all(f"/moderate/items/{cid}" in page for cid in ("d1", "d2", "t1"))
    by_reason = text(signed_in.get("/moderate/?reason=threat"))
    assert "/moderate/items/t1" in by_reason and "/moderate/items/d1" not in by_reason
    by_article = text(signed_in.get("/moderate/?article=a1&reason=defamation"))
    assert "/moderate/items/d1" in by_article
    assert "/moderate/items/d2" not in by_article and "/moderate/items/t1" not in by_article


def test_queue_is_oldest_first_and_pages_with_a_cursor(signed_in, monkeypatch):
    monkeypatch.setattr("moderation.web.pages.views.PAGE_SIZE", 2)
    for cid in ("q1", "q2", "q3"):
        hold(signed_in, cid)
    first = text(signed_in.get("/moderate/"))
    assert first.index("/moderate/items/q1") < first.index("/moderate/items/q2")
    assert "/moderate/items/q3" not in first
    following = re.search(r'<a href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    second = text(signed_in.get(following))
    assert "/moderate/items/q3" in second and "/moderate/items/q1" not in second
    assert 'rel="next"' not in second
    assert signed_in.get("/moderate/?after=nonsense").status_code == 400


def test_queue_shows_who_holds_a_claim(signed_in, queue):
    hold(signed_in, "c1")
    queue.open("c1", "bob")
    assert "<td>bob</td>" in text(signed_in.get("/moderate/"))


# -- one item ---------------------------------------------------------------------------


def test_item_page_marks_the_exact_evidence_and_shows_the_rule(signed_in, queue, app):
    hold(signed_in, "c1", author_id="u1")
    response = signed_in.get("/moderate/items/c1")
    page = text(response)
    assert response.status_code == 200
    assert 'The <mark title="defamation">minister</mark> <mark title="defamation">stole the aid money</mark>.' in page
    assert app.extensions["moderation"].settings.policies["abuse"].text in page
    assert '<option value="defamation" selected>' in page
    assert "You hold this item" in page
    assert queue.item("c1")["review"]["claim"]["moderator"] == "alice"


def test_item_page_says_who_else_holds_it(signed_in, queue):
    hold(signed_in, "c1")
    queue.open("c1", "bob")
    assert "<strong>bob</strong> is working on this item" in text(signed_in.get("/moderate/items/c1"))


def test_evidence_segments_merge_overlapping_spans_and_clip_bad_ones():
    reasons = [{"code": "threat", "spans": [{"start": 0, "end": 5}, {"start": 30, "end": 99}]},
               {"code": "abusive_language", "spans": [{"start": 3, "end": 9}, {"start": "x", "end": 2}]}]
    parts = evidence.segments("you idiot, I will find you now", reasons)
    assert [(p.text, p.marked, p.codes) for p in parts] == [
        ("you idiot", True, ("abusive_language", "threat")), (", I will find you now", False, ())]
    assert "".join(p.text for p in parts) == "you idiot, I will find you now"


# -- deciding ---------------------------------------------------------------------------


def test_deciding_removes_the_item_and_records_the_moderator(signed_in, queue):
    hold(signed_in, "c1")
    signed_in.get("/moderate/items/c1")
    response = decide(signed_in, "c1")
    assert response.status_code == 302 and response.headers["Location"] == "/moderate/"
    record = queue.item("c1")
    assert record["decision"] == "reject" and record["review"]["status"] == "resolved"
    assert record["moderation"]["moderator"] == "alice"
    assert record["moderation"]["reason"] == "defamation" and record["moderation"]["note"] == "checked"
    queue_page = text(signed_in.get("/moderate/"))
    assert "Rejected: c1" in queue_page and "/moderate/items/c1" not in queue_page
    history = text(signed_in.get("/moderate/history"))
    assert "/moderate/items/c1" in history and "<td>alice</td>" in history


def test_deciding_goes_on_to_the_next_free_item(signed_in, queue):
    for cid in ("c1", "c2", "c3"):
        hold(signed_in, cid)
    queue.open("c2", "bob")
    response = decide(signed_in, "c1", decision="accept")
    assert response.headers["Location"] == "/moderate/items/c3"
    assert queue.item("c3")["review"]["claim"]["moderator"] == "alice"


def test_an_item_claimed_by_another_moderator_is_a_409(signed_in, queue):
    hold(signed_in, "c1")
    queue.open("c1", "bob")
    response = decide(signed_in, "c1")
    assert response.status_code == 409
    assert "bob is working on this comment" in text(response)
    assert queue.item("c1")["review"]["status"] == "pending"


def test_a_decided_comment_needs_an_explicit_override(signed_in, queue):
    hold(signed_in, "c1")
    decide(signed_in, "c1")
    again = decide(signed_in, "c1", decision="accept")
    assert again.status_code == 409 and "already decided" in text(again)
    assert queue.item("c1")["decision"] == "reject"
    assert decide(signed_in, "c1", decision="accept", override="yes").status_code == 302
    assert queue.item("c1")["decision"] == "accept"


def test_a_decision_needs_a_listed_reason(signed_in, queue):
    hold(signed_in, "c1")
    assert decide(signed_in, "c1", reason="made_up").status_code == 400
    assert decide(signed_in, "c1", decision="maybe").status_code == 400
    assert queue.item("c1")["review"]["status"] == "pending"


def test_next_claims_the_first_free_item(signed_in, queue):
    token = csrf_token(signed_in, "/moderate/")
    assert signed_in.post("/moderate/next", data={"csrf_token": token}).headers["Location"] == "/moderate/"
    hold(signed_in, "c1")
    assert signed_in.post("/moderate/next", data={"csrf_token": token}).headers["Location"] == "/moderate/items/c1"
    assert queue.item("c1")["review"]["claim"]["moderator"] == "alice"


def test_next_from_an_item_passes_it_and_hands_it_back(signed_in, queue):
    for cid in ("c1", "c2", "c3"):
        hold(signed_in, cid)
    queue.open("c2", "bob")
    page = text(signed_in.get("/moderate/items/c1"))
    assert '<input type="hidden" name="skip" value="c1">' in page
    data = {"csrf_token": TOKEN.search(page).group(1), "skip": "c1"}
    assert signed_in.post("/moderate/next", data=data).headers["Location"] == "/moderate/items/c3"
    assert queue.item("c1")["review"]["claim"] is None
    assert queue.item("c2")["review"]["claim"]["moderator"] == "bob"


# -- CSRF, escaping, errors -------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "wrong", "IjAwMCI.aaaa.bbbb"])
def test_a_post_without_a_valid_csrf_token_is_refused_and_changes_nothing(signed_in, queue, token):
    hold(signed_in, "c1")
    data = {"decision": "reject", "reason": "defamation"}
    if token is not None:
        data["csrf_token"] = token
    response = signed_in.post("/moderate/items/c1", data=data)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert queue.item("c1")["review"]["status"] == "pending"
    assert signed_in.post("/moderate/logout", data=data).status_code == 400
    assert signed_in.get("/moderate/").status_code == 200  # still signed in


def test_sign_in_without_a_csrf_token_is_refused(client, accounts):
    response = client.post("/moderate/login", data={"name": "alice", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/moderate/").status_code == 302


def test_the_api_keeps_its_bearer_tokens_and_gets_no_csrf_check(client):
    assert client.post("/v1/comments", json={"comment_id": "c1", "text": HELD}).status_code == 201


HOSTILE = "\"'><img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"


def test_hostile_fields_render_inert_on_every_page(signed_in, app):
    hold(signed_in, "x1", text=f"{HOSTILE} {HELD} {SCRIPT}", author_name=HOSTILE + SCRIPT,
         article_id=HOSTILE)
    store = app.extensions["moderation"].store
    store.save({"comment_id": "x2", "text": f"{SCRIPT} hidden"}, {
        "decision": "review",
        "reasons": [{"code": SCRIPT, "policy": HOSTILE, "action": "review", "source": HOSTILE,
                     "message": SCRIPT, "rule": HOSTILE, "score": 0.5,
                     "spans": [{"start": 0, "end": 8, "text": "<script>"}]}],
        "scores": {HOSTILE: 0.5},
    })
    pages = [signed_in.get(path) for path in ("/moderate/", "/moderate/items/x1", "/moderate/items/x2")]
    decide(signed_in, "x1", note=SCRIPT)
    pages.append(signed_in.get("/moderate/history"))
    for response in pages:
        page = text(response)
        assert response.status_code == 200
        assert "<script>alert" not in page and "<img src=x" not in page and "<script> hidden" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "Content-Security-Policy" in response.headers
    assert "&#34;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;" in text(pages[1])
    assert '<mark title="&lt;script&gt;alert(1)&lt;/script&gt;">&lt;script&gt;</mark>' in text(pages[2])


def test_errors_of_the_pages_are_html_and_the_api_stays_json(signed_in, client):
    for path in ("/moderate/items/nope", "/moderate/no-such-page"):
        response = signed_in.get(path)
        assert response.status_code == 404 and response.mimetype == "text/html"
        assert "<h1>404 Not Found</h1>" in text(response)
    assert client.get("/v1/comments/nope").get_json()["error"] == "not_found"
