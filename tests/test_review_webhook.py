"""End to end: a moderator's outcome, resolved through the API, reaches the site signed."""

from __future__ import annotations

import hashlib
import hmac
import json

from moderation import create_app

from .conftest import MODERATOR_TOKEN, SITE_TOKEN
from .test_webhooks import SECRET, receiver  # noqa: F401  (fixture used by name)


def test_a_resolved_comment_is_posted_to_the_site_by_the_service(make_settings, receiver):  # noqa: F811
    app = create_app(make_settings(
        MODERATION_SITE_TOKENS=SITE_TOKEN, MODERATION_MODERATOR_TOKENS=MODERATOR_TOKEN,
        MODERATION_WEBHOOK_URL=receiver.url, MODERATION_WEBHOOK_SECRET=SECRET))
    sender = app.extensions["moderation"].sender
    try:
        client = app.test_client()
        site = {"Authorization": f"Bearer {SITE_TOKEN}"}
        moderator = {"Authorization": f"Bearer {MODERATOR_TOKEN}", "X-Moderator": "alice"}
        client.post("/v1/comments", headers=site,
                    json={"comment_id": "w1", "text": "The minister stole the aid money."})
        # Accepting without a moderator sends nothing; only outcomes do.
        client.post("/v1/comments", headers=site, json={"comment_id": "w2", "text": "Fair report."})
        record = client.post("/v1/review/w1", headers=moderator,
                             json={"decision": "reject", "reason": "defamation"}).get_json()
        [request] = receiver.wait_for(1)
        assert json.loads(request["body"]) == record
        expected = hmac.new(SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
        assert request["headers"]["x-moderation-signature"] == f"sha256={expected}"
        assert request["headers"]["x-moderation-event"] == "comment.moderated"
    finally:
        sender.stop()
        app.extensions["moderation"].store.close()
    assert len(receiver.requests) == 1
