"""A real Celery worker on the real Redis and PostgreSQL runs a task against the test database."""
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from complaints import services
from complaints.models import Complaint
from complaints.workflow import ClosureReason, Status
from municipality.celery import app
from municipality.models import Role
from tests.integration.brokers import fresh_broker_pools
from tests.factories import CategoryFactory, DepartmentFactory, make_user, submit

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def real_worker(transactional_db):
    fresh_broker_pools()  # another test may have re-pointed and closed them
    settings_dict = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "municipality.settings",
        "DEBUG": "1",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DATABASE_URL": f"postgres://{settings_dict['USER'] or 'postgres'}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "municipality", "worker", "--pool=solo", "--loglevel=WARNING",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "-n", f"ci-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail("the worker exited: " + proc.stdout.read().decode(errors="replace")[-2000:])
            if app.control.ping(timeout=1.0):
                break
        else:
            pytest.fail("the worker did not answer a ping within 60 s")
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.integration
def test_worker_closes_reports_the_citizen_left_alone(real_worker):
    department = DepartmentFactory(code="roads")
    officer = make_user("officer", Role.OFFICER, department=department)
    complaint = submit(CategoryFactory(default_department=department))
    services.complaint_start(complaint=complaint, actor=officer)
    services.complaint_resolve(complaint=complaint, actor=officer, note="تم الإصلاح")
    Complaint.objects.filter(pk=complaint.pk).update(resolved_at=timezone.now() - timedelta(days=30))

    app.send_task("complaints.tasks.auto_close_resolved")  # through Redis to the worker process

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        complaint.refresh_from_db()
        if complaint.status == Status.CLOSED:
            break
        time.sleep(0.5)
    assert complaint.status == Status.CLOSED and complaint.closure_reason == ClosureReason.FIXED
    assert complaint.events.filter(kind="closed", is_public=True).exists()
