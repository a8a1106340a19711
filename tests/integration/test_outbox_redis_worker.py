"""Redis stops while citizens submit: the reports are saved, and their SMS go out once — when Redis is back.

A real Celery worker (subprocess) and a real, second redis-server on a spare port that this test
starts and stops itself; PostgreSQL is the pytest test database, shared with the worker.
"""

import json
import time
from pathlib import Path

import pytest

from complaints.models import Complaint
from municipality.celery import app
from notifications.models import Outbox
from notifications.tasks import resend_pending_outbox
from tests.factories import CategoryFactory, submit
from tests.integration.brokers import fresh_broker_pools
from tests.integration.faults import RedisServer
from tests.integration.workers import start_worker, worker_env

PHONES = ["0501110001", "0501110002", "0501110003"]


def point_app_at(broker: str | None, *, eager: bool):
    """Re-point this process's Celery app (the one ``.delay()`` uses) at another broker."""
    app.conf.task_always_eager = eager
    if broker:
        app.conf.update(broker_url=broker, result_backend=None)
    fresh_broker_pools()


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def spare_redis():
    server = RedisServer()  # on a free port, stopped by its process id
    server.start()
    yield server
    server.stop()


@pytest.fixture
def worker(transactional_db, spare_redis, tmp_path):
    sms_file = tmp_path / "sms.log"
    env = worker_env(
        REDIS_URL=spare_redis.url,
        SMS_BACKEND="file",
        SMS_FILE_PATH=str(sms_file),
        BALAGH_VAR_DIR=str(tmp_path / "var"),
    )
    old = (app.conf.broker_url, app.conf.result_backend, app.conf.task_always_eager)
    point_app_at(spare_redis.url, eager=False)
    try:
        proc = start_worker(env, tmp_path, "outbox")
        try:
            yield proc, sms_file, spare_redis
        finally:
            proc.stop()
    finally:
        app.conf.broker_url, app.conf.result_backend = old[0], old[1]
        point_app_at(None, eager=old[2])


def sms_lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.integration
def test_sms_written_while_redis_is_down_go_out_once_when_it_is_back(worker):
    proc, sms_file, redis_server = worker
    category = CategoryFactory()

    redis_server.stop()  # the broker is gone while citizens submit
    reports = [submit(category, phone=phone) for phone in PHONES]
    assert Complaint.objects.filter(pk__in=[r.pk for r in reports]).count() == 3  # nothing lost
    pending = Outbox.objects.filter(channel="sms", template="created", status="pending")
    assert pending.count() == 3
    assert sms_lines(sms_file) == []

    redis_server.start()  # Redis is back; the worker reconnects by itself
    wait_for(lambda: bool(app.control.ping(timeout=1.0)), 90, "the worker to reconnect")
    resend_pending_outbox(older_than_seconds=0)  # what beat runs every two minutes
    wait_for(
        lambda: not Outbox.objects.filter(channel="sms", template="created").exclude(status="sent").exists(),
        60,
        "the SMS to be sent",
    )

    resend_pending_outbox(older_than_seconds=0)  # a second pass finds nothing to send
    time.sleep(2)
    lines = sms_lines(sms_file)
    assert sorted(line["to"] for line in lines) == sorted(f"+966{p[1:]}" for p in PHONES)  # each exactly once
    for report in reports:
        assert sum(report.tracking_number in line["body"] for line in lines) == 1
