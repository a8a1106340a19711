"""A worker is killed (``kill -9``) while the SMS gateway holds a message: it is sent again within the lease, never lost.

The gateway took the message and the worker died before hearing back, so the outbox cannot know
whether it went out: it sends it again once the row's lease has passed (seconds: the lease is the
longest send timeout plus a margin), with the same ``Idempotency-Key``, which the gateway uses
to deliver it once. Every other message is sent exactly once.
"""

from __future__ import annotations

import time

import pytest

from complaints.models import Complaint
from notifications.models import Outbox
from tests.factories import CategoryFactory, DistrictFactory, submit
from tests.integration.faults import Gateway, RedisServer, app_env, app_on, resend_until_sent
from tests.integration.workers import start_worker

PHONES = [f"05044400{n:02d}" for n in range(6)]


@pytest.fixture
def stack(transactional_db, tmp_path):
    redis_server, gateway = RedisServer(), Gateway(delay=1.5)  # long enough to be caught mid-send
    redis_server.start()
    env = app_env(redis_url=redis_server.url, gateway=gateway, var_dir=tmp_path / "var")  # lease: 2 s timeout + 2 s
    workers = []
    with app_on(redis_server.url):
        try:
            yield gateway, lambda name: workers.append(start_worker(env, tmp_path, name)) or workers[-1]
        finally:
            for worker in workers:
                worker.stop()
            redis_server.stop()
            gateway.close()


@pytest.mark.integration
def test_a_worker_killed_mid_send_loses_nothing_and_doubles_nothing(stack):
    gateway, start = stack
    DistrictFactory()
    category = CategoryFactory()
    first = start("worker-1")

    reports = [submit(category, phone=phone) for phone in PHONES]  # each SMS handed to the worker after commit
    assert gateway.in_flight.wait(30), "no message reached the gateway"
    first.kill_9()  # while the gateway holds the first message
    killed_at = time.time()
    [caught] = Outbox.objects.filter(status="sending")
    assert caught.lease_until is not None

    start("worker-2")
    resend_until_sent(60, every=1)  # what beat does every minute
    rows = list(Outbox.objects.filter(template="created", channel="sms"))

    assert Complaint.objects.filter(pk__in=[r.pk for r in reports]).count() == len(PHONES)  # nothing lost
    assert len(rows) == len(PHONES) and all(row.status == "sent" for row in rows)
    assert set(gateway.delivered) == {row.idempotency_key for row in rows}  # each phone got its SMS once
    # Only the message caught mid-send was sent again, with the same key, so the gateway knew it.
    assert gateway.doubled() == {caught.idempotency_key: 2}
    resent_after = Outbox.objects.get(pk=caught.pk).sent_at.timestamp() - killed_at
    assert resent_after < 30  # a new worker, the lease (4 s here, ~30 s by default), a re-send: not 10 minutes
    print(f"\nworker killed mid-send: the message caught was sent again {resent_after:.1f} s after the kill")
