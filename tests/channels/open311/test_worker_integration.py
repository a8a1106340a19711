"""End to end on PostgreSQL and Redis: an Open311 client files a report, a real worker texts the citizen."""

from __future__ import annotations

import time

import pytest

from complaints.models import Channel, Complaint
from municipality.celery import app
from notifications.models import Outbox
from tests.factories import INSIDE
from tests.integration.brokers import fresh_broker_pools
from tests.integration.conftest import real_worker  # noqa: F401  (the fixture)


@pytest.fixture
def queued_tasks():
    """This process hands its tasks to the broker (tests run them eagerly otherwise)."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    fresh_broker_pools()
    yield
    app.conf.task_always_eager = eager
    fresh_broker_pools()


@pytest.mark.integration
def test_a_report_filed_through_open311_is_answered_by_sms_through_the_worker(real_worker, queued_tasks, client, town, make_key):  # noqa: F811
    _key, raw = make_key()
    response = client.post(
        "/open311/v2/requests.xml",
        {
            "api_key": raw,
            "service_code": "roads-potholes",
            "lat": str(INSIDE[0]),
            "long": str(INSIDE[1]),
            "description": "A deep pothole in front of the mosque",
            "phone": "0501234567",
            "attribute[fixmystreet_id]": "99",
        },
    )
    assert response.status_code == 201
    complaint = Complaint.objects.get(channel=Channel.OPEN311)
    assert f"<service_request_id>{complaint.tracking_number}</service_request_id>" in response.content.decode()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        sent = Outbox.objects.filter(complaint=complaint, recipient="+966501234567", status=Outbox.Status.SENT)
        if sent.exists():
            break
        time.sleep(0.5)
    assert sent.exists(), list(Outbox.objects.filter(complaint=complaint).values("status", "last_error"))
    assert complaint.tracking_number in sent.first().body
