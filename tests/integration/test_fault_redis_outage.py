"""Redis stops while citizens submit: every report is taken, quickly, and each message goes out once when it is back.

Production-like: the site under gunicorn and a Celery worker as processes of their own, on the test
database, a redis-server this test starts on a free port and stops, and a fake SMS gateway that
counts what it receives per ``Idempotency-Key``.
"""

from __future__ import annotations

import urllib.request

import pytest

from complaints.models import Complaint
from notifications.models import Outbox
from tests.factories import CategoryFactory, DistrictFactory
from tests.integration.faults import (
    Gateway,
    RedisServer,
    api_submit,
    app_env,
    app_on,
    form_submit,
    http,
    resend_until_sent,
    start_web,
)
from tests.integration.workers import start_worker

#: What a citizen may wait for an answer while Redis is down (it was 2–20 s, or a 500).
ANSWER_SECONDS = 2.0


@pytest.fixture
def stack(transactional_db, tmp_path):
    redis_server, gateway = RedisServer(), Gateway()
    redis_server.start()
    env = app_env(redis_url=redis_server.url, gateway=gateway, var_dir=tmp_path / "var")
    processes = []
    with app_on(redis_server.url):
        try:
            processes.append(start_worker(env, tmp_path))
            web, base = start_web(env, tmp_path)
            processes.append(web)
            yield redis_server, gateway, base
        finally:
            for process in processes:
                process.stop()
            redis_server.stop()
            gateway.close()


@pytest.mark.integration
def test_a_redis_outage_during_intake_loses_nothing_and_sends_each_message_once(stack):
    redis_server, gateway, base = stack
    DistrictFactory()
    category = CategoryFactory(code="roads-potholes")

    before = [api_submit(base, category=category.code, external_id=f"up-{n}", phone=f"050111000{n}") for n in range(2)]
    assert [a.status for a in before] == [201, 201]

    redis_server.stop()  # the broker and the shared cache are gone while citizens submit
    during = [api_submit(base, category=category.code, external_id=f"down-{n}", phone=f"050222000{n}") for n in range(6)]
    forms = [form_submit(base, main_type=category.parent_id, category=category.pk, phone=f"050333000{n}") for n in range(2)]
    health = http(urllib.request.build_opener(), "GET", base + "/healthz")

    print(
        "\nRedis down: API answers "
        + ", ".join(f"{a.status} {a.content_type.split(';')[0]} {a.seconds:.2f}s" for a in during)
        + "; form (send) "
        + ", ".join(f"{send.status} {send.seconds:.2f}s" for _, send in forms)
        + f"; /healthz {health.status} {health.seconds:.2f}s"
    )

    # What the citizens got: a tracking number, in JSON (the app) or the "done" page (the form), at once.
    assert [(a.status, a.is_json) for a in during] == [(201, True)] * 6, during
    assert all(a.json()["tracking_number"] for a in during)
    assert max(a.seconds for a in during) < ANSWER_SECONDS, during
    assert [(review.status, send.status) for review, send in forms] == [(200, 302)] * 2, forms
    assert max(send.seconds for _, send in forms) < ANSWER_SECONDS, forms
    assert health.status == 503 and health.json()["broker"]["ok"] is False
    assert health.seconds < 5

    # Nothing lost: every report is there, its message waiting.
    accepted = {a.json()["tracking_number"] for a in before + during}
    assert set(Complaint.objects.filter(tracking_number__in=accepted).values_list("tracking_number", flat=True)) == accepted
    assert Complaint.objects.count() == 2 + 6 + 2
    assert Outbox.objects.filter(template="created", channel="sms", status="pending").count() == 6 + 2

    redis_server.start()  # Redis is back (empty: what was queued in it is gone, the outbox is not)
    resend_until_sent(90)

    # Each report's SMS reached the gateway exactly once.
    rows = list(Outbox.objects.filter(template="created", channel="sms").values_list("idempotency_key", flat=True))
    assert len(rows) == Complaint.objects.count() == 10
    assert set(gateway.delivered) >= set(rows)
    assert gateway.doubled() == {}
    per_report = Outbox.objects.filter(template="created", channel="sms").count() / Complaint.objects.count()
    print(f"Reports saved: {Complaint.objects.count()}; SMS per report: {per_report:g}; doubled: {len(gateway.doubled())}")
