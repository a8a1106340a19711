"""Redis is unreachable (a port nobody listens on): citizens' reports are still taken, quickly, and the API answers JSON.

The cache and the broker are both pointed at the dead Redis, configured as ``municipality.settings``
configures them for a ``REDIS_URL``; tasks are not run eagerly, so handing a message to Celery
really tries the broker. (``tests/integration/test_fault_redis_outage.py`` stops a real Redis
under a real server and worker.)
"""

from __future__ import annotations

import socket
import time

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from rest_framework.test import APIClient

from complaints.models import Complaint
from municipality.celery import app as celery_app
from municipality.env import cache_config
from municipality.failopen_cache import FailOpenRedisCache
from notifications.models import Outbox
from tests.complaints.test_citizen_form import confirm_payload, form_data, review
from tests.factories import CategoryFactory, DistrictFactory
from tests.integration.brokers import fresh_broker_pools

pytestmark = pytest.mark.django_db

#: A report the citizen waits for at most this long with Redis down (it took 2–20 s).
SUBMIT_SECONDS = 1.5


@pytest.fixture
def dead_redis(settings):
    """The cache and the broker on a Redis port that refuses connections; everything put back afterwards."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound but not listening: connections are refused
    url = f"redis://127.0.0.1:{closed.getsockname()[1]}/0"
    settings.CACHES = cache_config(url, settings.VAR_DIR / "cache")
    keys = ("broker_url", "broker_transport_options", "result_backend", "task_always_eager")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.broker_url = url
    celery_app.conf.broker_transport_options = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": settings.BALAGH_BROKER_CONNECT_TIMEOUT,
        "socket_timeout": 10,
    }
    celery_app.conf.result_backend = url if settings.CELERY_RESULT_BACKEND else None
    celery_app.conf.task_always_eager = False
    fresh_broker_pools()
    try:
        yield url
    finally:
        for key, value in saved.items():
            celery_app.conf[key] = value
        fresh_broker_pools()
        closed.close()


@pytest.fixture
def category():
    DistrictFactory()
    return CategoryFactory(code="roads-potholes")


def api_payload(category, n: int) -> dict:
    return {
        "category": category.code,
        "description": "حفرة عميقة أمام المسجد تعيق السير",
        "lat": 18.30,
        "lon": 42.73,
        "reporter_phone": "0501234567",
        "external_id": f"app-outage-{n}",
    }


def test_a_redis_cache_falls_back_to_memory_while_redis_is_down(dead_redis):
    assert isinstance(caches["default"], FailOpenRedisCache)
    started = time.monotonic()
    cache.set("balagh:test", 1, 60)
    assert cache.get("balagh:test") == 1 and cache.incr("balagh:test") == 2
    assert caches["default"].is_down
    assert time.monotonic() - started < SUBMIT_SECONDS


def test_the_api_takes_reports_while_redis_is_down_and_their_messages_wait(dead_redis, category):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    answers = []
    for n in range(5):
        started = time.monotonic()
        response = api.post("/api/v1/complaints/", api_payload(category, n), format="json")
        answers.append((response.status_code, response["Content-Type"], time.monotonic() - started))
        assert response.json()["tracking_number"]
    assert [code for code, _, _ in answers] == [201] * 5
    assert all(kind.startswith("application/json") for _, kind, _ in answers)
    assert max(seconds for _, _, seconds in answers) < SUBMIT_SECONDS, answers
    assert Complaint.objects.count() == 5  # nothing lost
    # One "report received" SMS each, waiting for the periodic re-send.
    assert Outbox.objects.filter(template="created", channel="sms", status="pending").count() == 5


def test_the_api_throttle_still_counts_while_redis_is_down(dead_redis, category, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/min"}}
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    codes = [api.get("/api/v1/categories/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]  # counted in this process's memory meanwhile


def test_the_citizen_form_is_answered_quickly_while_redis_is_down(dead_redis, client):
    sub_type = CategoryFactory(name_ar="حفرة في الطريق", name_en="Pothole")
    payload = confirm_payload(review(client, form_data(sub_type)))
    started = time.monotonic()
    response = client.post("/", {"payload": payload, "submit": "1"})
    seconds = time.monotonic() - started
    assert response.status_code == 302 and response.url == "/done/"
    assert seconds < SUBMIT_SECONDS
    complaint = Complaint.objects.get()
    assert complaint.tracking_number in client.get(response.url).content.decode()
    assert Outbox.objects.get(complaint=complaint, channel="sms").status == "pending"


def test_the_tracking_page_still_limits_guesses_while_redis_is_down(dead_redis, client):
    answers = [client.post("/track/", {"tracking_number": "2611-999999", "phone": "0501234567"}) for _ in range(12)]
    assert [response.status_code for response in answers] == [400] * 10 + [429] * 2  # "no such report", then blocked
    assert answers[-1].status_code == 429  # the per-process counter took over


def test_api_errors_stay_json_when_a_cache_fails_without_a_fallback(dead_redis, category, settings):
    """Django's own Redis cache raises on a dead server: the app still gets a translated JSON answer, not an HTML page."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "BACKEND": "django.core.cache.backends.redis.RedisCache"}}
    api = APIClient(HTTP_ACCEPT_LANGUAGE="ar")
    response = api.post("/api/v1/complaints/", api_payload(category, 1), format="json")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response["Retry-After"] == "30"
    assert response.json()["detail"] == "الخدمة غير متاحة لحظيًا. أعد إرسال طلبك بعد دقيقة."
    assert Complaint.objects.count() == 0


def test_healthz_still_says_the_broker_is_down(dead_redis, client):
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    body = response.json()
    assert body["database"]["ok"] is True and body["broker"]["ok"] is False


def test_the_settings_give_no_result_store_and_fail_fast_publishing():
    """What keeps ``.delay()`` from waiting 20 s on a dead Redis (the result store's retry loop)."""
    assert settings.CELERY_RESULT_BACKEND is None
    assert settings.CELERY_TASK_PUBLISH_RETRY_POLICY["max_retries"] <= 1
