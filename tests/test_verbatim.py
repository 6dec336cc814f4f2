"""Every field of POST /v1/comments comes back verbatim over HTTP, on SQLite and PostgreSQL.

tests/test_store.py round-trips such values through the Store; here they go the whole way:
JSON in, the database, JSON out of GET /v1/comments/<id> and GET /v1/review/<id>, with the
comment_id itself in the URL. What cannot be stored (NUL) is refused as bad input on both
databases, never reported as the database being unavailable.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from .conftest import MODERATOR_TOKEN, SITE_TOKEN
from .store_fixtures import count_rows, database_url, postgres_database  # noqa: F401  (used by name)
from .test_review_api import db_app  # noqa: F401  (the secured app on each database)

FIELDS = ("article_id", "author_id", "author_name", "parent_id", "language")
VALUES = {
    "sql": "'; DROP TABLE comments; -- \" OR \"1\"=\"1 Robert'); DELETE FROM decisions;--",
    "placeholders": "%s %d %% %(name)s :name ? ?1 $1 @p0 {0} {name} %x %n",
    "backslashes": "\\ \\\\ \\' \\\" \\n \\x00 \\u0000 C:\\path\\to\\ end\\",
    "markup": "<script>alert('x')</script> {{ 7*7 }} {% raw %} \"'> &amp; &lt;b&gt; <!-- --> ${x}",
    "unicode": ("مقال رائع 👍🏽 naïve e\u0301 \u200b\u200d\u2060\ufeff \u202eabc\u202c ﬁ İ ß 𝐟𝐮𝐜𝐤 "
                "\u05e9\u05dc\u05d5\u05dd \U0010ffff \ufffd \uffff"),
    "whitespace": "  leading and trailing \t \r \x01 \x1f \x7f \x85 \u2028 \u2029  ",
    "url": "a/b?c=d&e=f#g %2F %25 + ~ ../.. //x",
}


@pytest.fixture
def db_client(db_app):  # noqa: F811
    return db_app.test_client()


SITE = {"Authorization": f"Bearer {SITE_TOKEN}"}
MODERATOR = {"Authorization": f"Bearer {MODERATOR_TOKEN}"}


def comment(kind: str) -> dict[str, str]:
    value = VALUES[kind]
    return {
        # Prefixed: an id may not start with "/" nor hold a line feed (test below).
        "comment_id": f"id-{kind}-{value}".replace("\n", " "),
        "text": f"The minister stole the aid money. {value}",  # held for review: it is in the queue
        **{field: value for field in FIELDS},
        "language": value[:32],
    }


@pytest.mark.parametrize("kind", VALUES)
def test_every_field_comes_back_verbatim_from_the_record_and_the_queue(db_client, kind):
    sent = comment(kind)
    created = db_client.post("/v1/comments", json=sent, headers=SITE)
    assert created.status_code == 201, created.get_json()
    path = quote(sent["comment_id"], safe="")
    for url, headers in [(f"/v1/comments/{path}", SITE), (f"/v1/review/{path}", MODERATOR),
                         (created.headers["Location"], SITE)]:
        response = db_client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.get_json())
        record = response.get_json()
        assert {field: record[field] for field in sent} == sent, url
    # The same comment again is recognized byte for byte: the stored decision, nothing new.
    again = db_client.post("/v1/comments", json=sent, headers=SITE)
    assert (again.status_code, again.get_json()) == (200, created.get_json())


def test_all_kinds_side_by_side_stay_apart(db_client):
    """Ids that differ only in metacharacters are different comments."""
    for kind in VALUES:
        assert db_client.post("/v1/comments", json=comment(kind), headers=SITE).status_code == 201
    for kind in VALUES:
        sent = comment(kind)
        record = db_client.get(f"/v1/comments/{quote(sent['comment_id'], safe='')}", headers=SITE).get_json()
        assert record["text"] == sent["text"]


@pytest.mark.parametrize("comment_id", ["/leading-slash", "line\nfeed", "nul\x00"], ids=repr)
def test_an_id_that_could_not_be_read_back_is_refused_and_nothing_stored(db_client, comment_id):
    response = db_client.post("/v1/comments", json={"comment_id": comment_id, "text": "Fine words."},
                           headers=SITE)
    assert (response.status_code, response.get_json()["error"]) == (422, "invalid_request")
    assert "comment_id" in response.get_json()["message"]
    store = db_client.application.extensions["moderation"].store
    assert count_rows(store) == {"comments": 0, "decisions": 0, "audit_log": 0}


@pytest.mark.parametrize("method, url, headers, status", [
    ("get", "/v1/comments/a%00b", SITE, 404),
    ("get", "/v1/review/a%00b", MODERATOR, 404),
    ("post", "/v1/review/a%00b", MODERATOR, 404),
    ("delete", "/v1/claims/a%00b", MODERATOR, 404),
    ("get", "/v1/review?reason=%00", MODERATOR, 400),
    ("get", "/v1/review?article_id=a%00", MODERATOR, 400),
    ("post", "/v1/claims?reason=%00", MODERATOR, 400),
])
def test_nul_in_a_path_or_query_is_bad_input_not_an_unavailable_database(db_client, method, url, headers, status):
    """PostgreSQL refuses NUL even in a lookup; that used to come back as 503 "retry"."""
    body = {"json": {"decision": "accept", "reason": "defamation"}} if method == "post" and "review" in url else {}
    response = getattr(db_client, method)(url, headers=headers, **body)
    assert response.status_code == status, response.get_json()
