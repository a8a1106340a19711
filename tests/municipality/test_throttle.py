"""The API's rate limits (municipality.throttle, municipality.rate_window): a sliding window per caller.

On Redis the count is one atomic step, so a burst from one address over many connections gets
exactly the limit through; any other cache counts as DRF does.
"""

from __future__ import annotations

import ipaddress
import os
import threading
import time
import uuid

import pytest
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.test import APIClient

from municipality.failopen_cache import FailOpenRedisCache
from municipality.rate_window import history_hit, window_hit

needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (CI runs it)")


@pytest.fixture
def redis_cache():
    cache = FailOpenRedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": f"throttle-test-{uuid.uuid4().hex}"})
    yield cache
    cache.close()


def test_a_window_lets_the_limit_through_then_says_how_long_to_wait():
    cache = LocMemCache("window-test", {})
    answers = [history_hit(cache, "caller", limit=3, window=60, now=1000.0 + n) for n in range(4)]
    assert answers[:3] == [(True, None)] * 3
    assert answers[3] == (False, 57.0)  # the first of the three leaves the window at 1060
    # The window slides: once the first request is a minute old, one more is counted.
    assert history_hit(cache, "caller", limit=3, window=60, now=1060.5) == (True, None)
    assert history_hit(cache, "caller", limit=3, window=60, now=1060.6)[0] is False
    assert history_hit(cache, "someone-else", limit=3, window=60, now=1060.6) == (True, None)


@needs_redis
def test_on_redis_the_limit_holds_and_the_wait_is_the_oldest_requests_remaining_time(redis_cache):
    answers = [window_hit(redis_cache, "caller", limit=3, window=60) for _ in range(4)]
    assert [allowed for allowed, _ in answers] == [True, True, True, False]
    assert 59 < answers[3][1] <= 60
    assert window_hit(redis_cache, "another-caller", limit=3, window=60) == (True, None)


@needs_redis
def test_on_redis_the_window_slides(redis_cache):
    assert [window_hit(redis_cache, "caller", limit=2, window=1)[0] for _ in range(3)] == [True, True, False]
    time.sleep(1.1)
    assert window_hit(redis_cache, "caller", limit=2, window=1) == (True, None)


@needs_redis
def test_on_redis_a_burst_over_many_connections_gets_exactly_the_limit_through(redis_cache):
    """Read-then-write (DRF's way) lets requests that read the same history at once all pass."""
    allowed = []
    start = threading.Barrier(24)

    def caller():
        start.wait()
        for _ in range(5):
            allowed.append(window_hit(redis_cache, "one-address", limit=30, window=60)[0])

    threads = [threading.Thread(target=caller) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 120
    assert allowed.count(True) == 30


@pytest.mark.django_db
def test_a_refused_citizen_is_told_when_to_try_again(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/min"}}
    settings.BALAGH_TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.9"  # a fresh count in a shared cache
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en", HTTP_X_FORWARDED_FOR=address)
    answers = [api.get("/api/v1/categories/") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert 1 <= int(answers[2]["Retry-After"]) <= 60
    assert "available in" in answers[2].json()["detail"]
    other = APIClient(HTTP_ACCEPT_LANGUAGE="en", HTTP_X_FORWARDED_FOR=address.replace(".9", ".10"))
    assert other.get("/api/v1/categories/").status_code == 200  # counted per citizen
