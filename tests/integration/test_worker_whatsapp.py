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


@pytest.mark.integration
def test_the_beat_files_an_abandoned_conversation_to_triage_once_on_the_worker(whatsapp_file, real_worker, not_eager):
    """The citizen describes the problem and leaves: the beat's sweep (sent twice, as by two beats) files it once."""
    from datetime import timedelta

    from django.utils import timezone

    from channels.whatsapp.models import Conversation

    DistrictFactory(code="centre")
    CategoryFactory(code="pothole", default_department=DepartmentFactory(code="roads"))
    client = Client()
    message = simulate.text(NUMBER, "حفرة كبيرة أمام المدرسة تعيق السيارات", ts=int(time.time()) - 60)
    body = simulate.encode(simulate.notification(messages=[message]))
    response = client.post(
        "/webhooks/whatsapp/", data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=simulate.signed(body)
    )
    assert response.status_code == 200
    wait_for(lambda: Conversation.objects.filter(status="open").exists(), "the conversation")
    Conversation.objects.update(last_message_at=timezone.now() - timedelta(minutes=31))

    app.send_task("channels.whatsapp.tasks.file_abandoned")
    app.send_task("channels.whatsapp.tasks.file_abandoned")
    wait_for(
        lambda: Outbox.objects.filter(channel="whatsapp", template="created", status="sent").exists(),
        "the tracking number on WhatsApp",
    )
    time.sleep(2)
    complaint = Complaint.objects.get()
    assert complaint.needs_triage and complaint.external_id == message["id"]
    assert Outbox.objects.filter(channel="whatsapp", template="created").count() == 1
    sent = [json.loads(line) for line in whatsapp_file.read_text(encoding="utf-8").splitlines()]
    assert complaint.tracking_number in sent[-1]["body"]


@pytest.mark.integration
def test_two_sweeps_racing_on_postgresql_file_each_conversation_once(transactional_db):
    """Two sweeps at the same moment, each in its own connection: the citizen's row lock lets one file."""
    import threading
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from channels.whatsapp.models import Conversation, WhatsAppContact
    from channels.whatsapp.services import conversations_file_abandoned

    DistrictFactory(code="centre")
    long_ago = timezone.now() - timedelta(minutes=45)
    for n in range(20):
        contact = WhatsAppContact.objects.create(wa_id=f"9665010000{n:02d}")
        Conversation.objects.create(
            contact=contact, first_wamid=f"wamid.race{n}", texts=[[1, f"حفرة رقم {n} أمام المدرسة"]], last_message_at=long_ago
        )
    barrier = threading.Barrier(2)
    results: list[int] = []

    def sweep():
        try:
            barrier.wait()
            results.append(conversations_file_abandoned())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 20
    assert Complaint.objects.count() == 20
    assert Conversation.objects.filter(status="filed", abandoned=True).count() == 20
