"""A signed WhatsApp webhook POST: the real worker (Redis, PostgreSQL) runs the conversation and files the report."""

import json
import time

import pytest
from django.test import Client

from channels.whatsapp import simulate
from channels.whatsapp.models import InboundMessage
from complaints.models import Complaint
from municipality.celery import app
from notifications.models import Outbox
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory

NUMBER = "966501234567"


@pytest.fixture
def whatsapp_file(monkeypatch, tmp_path):
    """The worker (started after this) writes WhatsApp answers to a file we can read."""
    path = tmp_path / "whatsapp.log"
    monkeypatch.setenv("WHATSAPP_BACKEND", "file")
    monkeypatch.setenv("WHATSAPP_FILE_PATH", str(path))
    return path


@pytest.fixture
def not_eager():
    """``.delay()`` in this process goes through Redis to the worker, as on the site."""
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


def wait_for(predicate, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.integration
def test_a_signed_webhook_post_makes_the_worker_file_the_report(whatsapp_file, real_worker, not_eager, settings):
    DistrictFactory(code="centre")
    CategoryFactory(code="pothole", default_department=DepartmentFactory(code="roads"))
    client = Client()
    clock = int(time.time()) - 60
    first = simulate.text(NUMBER, "حفرة كبيرة أمام المدرسة تعيق السيارات", ts=clock)
    messages = [
        first,
        simulate.location(NUMBER, 18.30, 42.73, ts=clock + 5),
        simulate.list_reply(NUMBER, "pothole", ts=clock + 10),
        simulate.button_reply(NUMBER, "confirm", ts=clock + 15),
    ]
    for message in messages:
        body = simulate.encode(simulate.notification(messages=[message]))
        response = client.post(
            "/webhooks/whatsapp/", data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=simulate.signed(body)
        )
        assert response.status_code == 200
        # Each answer before the next message, as a citizen reads before answering.
        wait_for(
            lambda m=message: InboundMessage.objects.filter(external_id=m["id"], processed_at__isnull=False).exists(), "the turn"
        )

    wait_for(lambda: Complaint.objects.exists(), "the report")
    complaint = Complaint.objects.get()
    assert complaint.channel == "whatsapp" and complaint.external_id == first["id"]
    wait_for(
        lambda: Outbox.objects.filter(complaint=complaint, channel="whatsapp", template="created", status="sent").exists(),
        "the tracking number on WhatsApp",
    )
    sent = [json.loads(line) for line in whatsapp_file.read_text(encoding="utf-8").splitlines()]
    assert complaint.tracking_number in sent[-1]["body"] and sent[-1]["to"] == f"+{NUMBER}"
