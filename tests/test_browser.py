"""A moderator's round trip in a real browser: sign in, open a held comment, reject it by keyboard.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright against the real app
served on a loopback port. Skipped where Chromium or Playwright is missing, except
under CI=true, where a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.request
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from moderation import create_app
from moderation.store.accounts import Moderators

from .test_webhooks import SECRET, receiver  # noqa: F401  (the site's webhook endpoint, by name)

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PASSWORD = "correct horse battery"
TIMEOUT_MS = 5000


def _sync_playwright():
    problem = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "playwright is not installed (pip install -e '.[test]')"
    if problem is None and not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    return sync_playwright


@pytest.fixture
def server(make_settings, receiver):  # noqa: F811
    """The app on 127.0.0.1 at a free port, in a background thread; yields its base URL.
    Outcomes go to ``receiver``, standing in for the site."""
    app = create_app(make_settings(MODERATION_WEBHOOK_URL=receiver.url, MODERATION_WEBHOOK_SECRET=SECRET))
    Moderators(app.extensions["moderation"].store).add("alice", PASSWORD)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=5)
        app.extensions["moderation"].sender.stop()
        app.extensions["moderation"].store.close()


def api(base: str, method: str, path: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def test_moderator_rejects_a_held_comment_with_the_keyboard(server, receiver):  # noqa: F811
    sync_playwright = _sync_playwright()
    held = api(server, "POST", "/v1/comments", {
        "comment_id": "site-101", "article_id": "aid-report", "author_name": "reader42",
        "text": "The minister stole the aid money. Everyone in that office knows it."})
    assert held["decision"] == "review"
    api(server, "POST", "/v1/comments", {"comment_id": "site-102", "text": "I know where you live."})

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.set_default_timeout(TIMEOUT_MS)

            page.goto(server + "/moderate/")
            assert "/moderate/login" in page.url
            page.fill("#name", "alice")
            page.fill("#password", PASSWORD)
            page.click("button:has-text('Sign in')")
            page.wait_for_url(server + "/moderate/")

            page.click("a.excerpt:has-text('The minister stole')")
            page.wait_for_url(server + "/moderate/items/site-101")
            marks = page.locator(".comment-text mark")
            assert marks.all_inner_texts() == ["minister", "stole the aid money"]
            assert page.locator("#reason").input_value() == "defamation"
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "review-item.png"), full_page=True)

            # Typing in the note never fires a shortcut; Esc leaves the field, then r rejects.
            page.fill("#note", "Unsupported accusation, no sou")
            page.locator("#note").press_sequentially("rce")
            assert page.url == server + "/moderate/items/site-101"
            page.keyboard.press("Escape")
            page.keyboard.press("r")

            # On to the next free item, then Esc back to the queue, which no longer lists it.
            page.wait_for_url(server + "/moderate/items/site-102")
            assert "Rejected: site-101" in page.inner_text(".flash")
            page.keyboard.press("Escape")
            page.wait_for_url(server + "/moderate/")
            assert page.locator("a[href='/moderate/items/site-101']").count() == 0
            assert page.locator("a[href='/moderate/items/site-102']").count() == 1
        finally:
            browser.close()

    record = api(server, "GET", "/v1/comments/site-101")
    assert record["decision"] == "reject"
    assert record["moderation"]["moderator"] == "alice"
    assert record["moderation"]["note"] == "Unsupported accusation, no source"
    # The site hears the outcome: the record, signed, from the service's own sender.
    [delivery] = receiver.wait_for(1)
    assert json.loads(delivery["body"]) == record
    assert delivery["headers"]["x-moderation-signature"].startswith("sha256=")
