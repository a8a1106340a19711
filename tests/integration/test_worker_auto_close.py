"""A real Celery worker on the real Redis and PostgreSQL runs a task against the test database."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from complaints import services
from complaints.models import Complaint
from complaints.workflow import ClosureReason, Status
from municipality.celery import app
from municipality.models import Role
from tests.factories import CategoryFactory, DepartmentFactory, make_user, submit


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
