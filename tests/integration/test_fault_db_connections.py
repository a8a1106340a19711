"""The application's database connections are terminated (``pg_terminate_backend``) during intake and during a sweep.

Intake: the site under gunicorn and a worker, their connections cut every 0.7 s while citizens
submit through the app, and again each time the SMS gateway takes a message (so the worker's
"sent" meets a dead connection). A citizen gets a tracking number, or a JSON 503 to send the same
report again (its ``external_id`` returns the first one): never an HTML page, never two reports,
and each SMS goes out once.

Sweep: ``manage.py escalate_overdue`` as a process of its own, its connection cut while it works
(the first time for certain, between a batch's claim and its messages; then on a timer), run again
until it finishes: every escalation step once.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections import Counter

import pytest

from complaints.models import Complaint, Event
from notifications.models import Outbox
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory
from tests.integration.faults import (
    ConnectionCutter,
    Gateway,
    RedisServer,
    api_submit,
    app_env,
    app_on,
    resend_until_sent,
    start_web,
)
from tests.integration.workers import ROOT, start_worker
from tests.sla.helpers import file_reports, staff, step_counts

REPORTS = 16


@pytest.fixture
def cutter(transactional_db):
    cut = ConnectionCutter()
    yield cut
    cut.close()


@pytest.fixture
def stack(cutter, tmp_path):
    redis_server = RedisServer()
    gateway = Gateway(on_request=lambda key: cutter.cut_now())  # the gateway took it: now cut the sender's connection
    redis_server.start()
    # Without Django's connection pool even when the suite runs with one: a pool's idle connections are
    # always dead under a cut every 0.7 s, so each request waits out its 10 s for a live one (503). A pool
    # recovers within seconds of the last cut (docs/operations.md); this test is about the cuts themselves.
    env = app_env(redis_url=redis_server.url, gateway=gateway, var_dir=tmp_path / "var", DATABASE_POOL_MAX_SIZE="0")
    processes = []
    with app_on(redis_server.url):
        try:
            processes.append(start_worker(env, tmp_path))
            web, base = start_web(env, tmp_path)
            processes.append(web)
            yield gateway, base
        finally:
            for process in processes:
                process.stop()
            redis_server.stop()
            gateway.close()


@pytest.mark.integration
@pytest.mark.postgres
def test_connections_cut_during_intake_lose_nothing_and_send_each_sms_once(stack, cutter):
    gateway, base = stack
    DistrictFactory()
    category = CategoryFactory(code="roads-potholes")

    cutter.every(0.7)
    answers = []
    for n in range(REPORTS):
        for _attempt in range(6):  # the app sends the same report again after a 503
            answer = api_submit(base, category=category.code, external_id=f"cut-{n}", phone=f"05055500{n:02d}")
            answers.append(answer)
            if answer.status != 503:
                break
    cutter.stop()

    statuses = Counter(a.status for a in answers)
    print(f"\nconnections cut: {cutter.cut}; answers {dict(statuses)}; slowest {max(a.seconds for a in answers):.2f} s")
    assert all(a.is_json for a in answers), [a for a in answers if not a.is_json]
    assert set(statuses) <= {200, 201, 503}
    assert max(a.seconds for a in answers) < 5
    final = [a for a in answers if a.status in (200, 201)]
    assert len({a.json()["tracking_number"] for a in final}) == REPORTS  # each citizen has their number

    assert Complaint.objects.count() == REPORTS  # none lost, none twice
    resend_until_sent(60, every=1)
    rows = list(Outbox.objects.filter(template="created", channel="sms").values_list("idempotency_key", flat=True))
    assert len(rows) == REPORTS
    assert set(gateway.delivered) >= set(rows)
    assert gateway.doubled() == {}  # the worker's "sent" survived the cut each time
    assert cutter.cut >= REPORTS  # every SMS had its sender's connection cut right after the gateway took it


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.integration
@pytest.mark.postgres
def test_connections_cut_during_a_sweep_then_rerun_take_each_step_once(cutter, tmp_path, settings):
    department = DepartmentFactory(code="cleaning")
    category = CategoryFactory(default_department=department, response_hours=8, resolution_hours=24)
    staff(department)
    settings.BALAGH_SMS_BACKEND = "notifications.backends.FileSMSBackend"
    settings.BALAGH_SMS_FILE = str(tmp_path / "sms.log")
    n = 40
    file_reports(category, n)
    # The broker is down too (a port nobody listens on): the sweep's messages wait in the outbox.
    env = app_env(redis_url=f"redis://127.0.0.1:{closed_port()}/0", gateway=Gateway(), var_dir=tmp_path / "var")
    command = [sys.executable, "manage.py", "escalate_overdue", "--batch-size", "5"]

    runs = []

    def run_sweep():
        started = time.monotonic()
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        runs.append((result.returncode, round(time.monotonic() - started, 1)))
        return result

    # First run: cut for certain, inside a batch whose reports are claimed and whose messages are not yet written.
    with cutter.cut_when_blocked_on(Outbox._meta.db_table):
        first = run_sweep()
    # Then cuts on a timer, wherever they fall (a short sweep may finish between two).
    cutter.every(0.3)
    for _ in range(5):
        if run_sweep().returncode == 0:
            break
    cutter.stop()
    done_under_cuts = step_counts()
    final = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr[-2000:]
    print(f"\nsweep runs under cuts (exit code, seconds): {runs}; connections cut: {cutter.cut}; done: {done_under_cuts}")

    assert first.returncode != 0, "the first run was not cut short: the fault did not happen"
    assert "terminating connection" in first.stderr and "INSERT INTO notifications_outbox" in first.stderr  # cut mid-batch
    assert step_counts() == {"at_risk": n, "response": n, "level1": n, "level2": n, "level3": n}
    steps = Counter(
        (complaint_id, data["step"])
        for complaint_id, data in Event.objects.filter(kind__in=["at_risk", "escalated"]).values_list("complaint_id", "data")
    )
    assert set(steps.values()) == {1}  # no step twice for any report
    notices = Counter(
        Outbox.objects.exclude(template__in=["created", "assigned"]).values_list(
            "complaint_id", "template", "recipient", "channel"
        )
    )
    assert notices and set(notices.values()) == {1}  # no notice twice
    assert max(seconds for _, seconds in runs) < 60  # a dead broker does not make the sweep crawl
