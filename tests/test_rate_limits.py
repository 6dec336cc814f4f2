"""Per-token rate limits: 429 with Retry-After, per token and role, in memory or shared in Redis."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

from moderation import create_app
from moderation.settings import LimitsSettings

from .conftest import MODERATOR_TOKEN, SITE_TOKEN

OTHER_SITE_TOKEN = "second-site-token-0123456789"
REDIS = os.environ.get("MODERATION_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def limited_app(make_settings, storage: str | None = None, site_token: str = SITE_TOKEN, **limits):
    env = {"MODERATION_SITE_TOKENS": f"{site_token},{OTHER_SITE_TOKEN}",
           "MODERATION_MODERATOR_TOKENS": MODERATOR_TOKEN}
    if storage:
        env["MODERATION_RATELIMIT_STORAGE"] = storage
    settings = make_settings(**env)
    file = settings.file.model_copy(update={"limits": LimitsSettings(**limits)})
    return create_app(settings.model_copy(update={"file": file}))


def check(client, token=SITE_TOKEN, **headers):
    return client.post("/v1/check", json={"text": "A fair report."},
                       headers={"Authorization": f"Bearer {token}", **headers})


def test_past_the_limit_a_token_gets_429_with_retry_after(make_settings):
    app = limited_app(make_settings, site="3 per minute")
    client = app.test_client()
    assert [check(client).status_code for _ in range(3)] == [200, 200, 200]
    refused = check(client)
    assert refused.status_code == 429
    assert refused.get_json()["error"] == "too_many_requests"
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert "Retry-After" not in check(client, OTHER_SITE_TOKEN).headers  # a 200 has nothing to retry


def test_each_token_and_role_has_its_own_budget(make_settings):
    app = limited_app(make_settings, site="2 per minute", moderator="4 per minute")
    client = app.test_client()
    assert [check(client).status_code for _ in range(3)] == [200, 200, 429]
    assert [check(client, OTHER_SITE_TOKEN).status_code for _ in range(3)] == [200, 200, 429]
    assert [check(client, MODERATOR_TOKEN).status_code for _ in range(5)] == [200] * 4 + [429]


def test_requests_without_a_valid_token_share_the_anonymous_budget_per_address(make_settings):
    app = limited_app(make_settings, anonymous="2 per minute")
    client = app.test_client()
    codes = [check(client, f"made-up-token-{n:04d}-abcdef").status_code for n in range(3)]
    assert codes == [401, 401, 429]  # rotating invented tokens does not buy a fresh budget
    assert check(client).status_code == 200


def test_health_probes_are_never_limited(make_settings):
    app = limited_app(make_settings, anonymous="1 per minute")
    client = app.test_client()
    assert {client.get("/healthz").status_code for _ in range(5)} == {200}
    assert {client.get("/readyz").status_code for _ in range(5)} == {200}


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_url():
    if not _redis_up():
        message = "Redis is not reachable at 127.0.0.1:6379"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return REDIS


def test_app_servers_sharing_redis_share_one_budget(make_settings, redis_url):
    # A token of its own per run: the counters in Redis outlive the test.
    token = f"site-token-{uuid.uuid4().hex}"
    first = limited_app(make_settings, redis_url, token, site="4 per minute").test_client()
    second = limited_app(make_settings, redis_url, token, site="4 per minute").test_client()
    # Each app alone would allow 4; together they allow 4 in all.
    codes = [check(client, token).status_code for client in (first, second, first, second, first, second)]
    assert codes == [200, 200, 200, 200, 429, 429]


def test_an_unreachable_redis_falls_back_to_limits_in_memory(make_settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    app = limited_app(make_settings, f"redis://127.0.0.1:{dead_port}/0", site="2 per minute")
    client = app.test_client()
    assert [check(client).status_code for _ in range(3)] == [200, 200, 429]
