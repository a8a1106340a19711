"""The outbox when things break mid-send: a worker dies, a send is slow, the database connection drops.

Never lost, never sent twice where the outbox can know, and a repeat recognisable by the gateway.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from complaints.services import Submission, complaint_submit
from notifications import services as notify
from notifications.models import Outbox
from notifications.tasks import resend_pending_outbox
from tests.factories import CategoryFactory, DepartmentFactory
from tests.notifications.backends import SlowSMSBackend, WorkerDiesMidSend

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.BALAGH_SMS_BACKEND = "notifications.backends.FileSMSBackend"
    settings.BALAGH_SMS_FILE = str(tmp_path / "sms.log")
    return tmp_path / "sms.log"


def sms_lines(path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def category():
    return CategoryFactory(default_department=DepartmentFactory(code="lighting"))


def file(category, *, email: str = ""):
    return complaint_submit(
        submission=Submission(
            category=category,
            description="عمود الإنارة مطفأ منذ أسبوع",
            lat=18.30,
            lon=42.73,
            reporter_phone="0501234567",
            reporter_email=email,
        )
    )


def citizen_sms() -> Outbox:
    return Outbox.objects.get(channel="sms", template="created")


def test_a_message_caught_mid_send_goes_back_to_the_resend_once_its_lease_has_passed(category, sms_file, settings):
    file(category)
    row = citizen_sms()
    settings.BALAGH_SMS_BACKEND = "tests.notifications.backends.DyingSMSBackend"
    claimed_at = timezone.now()
    with pytest.raises(WorkerDiesMidSend):
        notify.outbox_deliver(outbox_id=row.pk, now=claimed_at)
    row.refresh_from_db()
    assert row.status == "sending" and row.lease_until == claimed_at + timedelta(seconds=settings.BALAGH_OUTBOX_LEASE_SECONDS)

    lease = timedelta(seconds=settings.BALAGH_OUTBOX_LEASE_SECONDS)
    assert notify.outbox_due_ids(now=claimed_at + lease - timedelta(seconds=1)) == []  # it may still be sending
    assert notify.outbox_due_ids(now=claimed_at + lease + timedelta(seconds=1)) == [row.pk]  # not ten minutes later

    settings.BALAGH_SMS_BACKEND = "notifications.backends.FileSMSBackend"
    notify.enqueue([row.pk])
    assert [line["key"] for line in sms_lines(sms_file)] == [row.idempotency_key]
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2 and row.lease_until is None


def test_a_message_caught_mid_send_waits_less_than_two_minutes(settings):
    """The lease plus the re-send's period (its entry in CELERY_BEAT_SCHEDULE)."""
    (resend,) = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "notifications.tasks.resend_pending_outbox"]
    period = resend["schedule"].total_seconds()
    assert settings.BALAGH_OUTBOX_LEASE_SECONDS + period < 120
    assert settings.BALAGH_OUTBOX_LEASE_SECONDS > max(settings.BALAGH_SMS_HTTP_TIMEOUT, settings.EMAIL_TIMEOUT)


@pytest.mark.django_db(transaction=True)
def test_a_slow_send_keeps_its_lease_so_the_resend_does_not_send_it_twice(category, sms_file, settings, monkeypatch):
    """The send lasts longer than the lease: renewed meanwhile, the row is not taken back by a re-send."""
    file(category)  # outside a transaction here: the row is handed over at once and sent
    sent_first = sms_lines(sms_file)
    assert len(sent_first) == 1
    Outbox.objects.filter(channel="sms").update(status="pending", attempts=0)
    row = citizen_sms()
    seen_during_send = []
    settings.BALAGH_SMS_BACKEND = "tests.notifications.backends.SlowSMSBackend"
    settings.BALAGH_OUTBOX_LEASE_SECONDS = 0.9  # renewed every 0.3 s
    monkeypatch.setattr(SlowSMSBackend, "seconds", 1.5)
    monkeypatch.setattr(
        SlowSMSBackend, "during_send", staticmethod(lambda: seen_during_send.append(notify.outbox_due_ids(now=timezone.now())))
    )
    assert notify.outbox_deliver(outbox_id=row.pk) is None
    assert seen_during_send == [[]]  # still leased after 1.5 s: nothing to re-send
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 1
    assert len(sms_lines(sms_file)) == 2  # the first send and this one: not a third


def test_an_email_carries_the_outbox_key_as_its_message_id_on_every_attempt(category, settings):
    file(category, email="citizen@example.com")
    row = Outbox.objects.get(channel="email", template="created")
    notify.outbox_deliver(outbox_id=row.pk)
    Outbox.objects.filter(pk=row.pk).update(status="pending")  # as if the first attempt's outcome was lost
    notify.outbox_deliver(outbox_id=row.pk)
    first, second = mail.outbox
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"] == notify.email_message_id(row)
    assert first.message()["Message-ID"] == notify.email_message_id(row)
    other = Outbox.objects.get(channel="sms", template="created")
    assert notify.email_message_id(other) != notify.email_message_id(row)


def test_the_sms_gateway_gets_the_outbox_key(category, sms_file):
    file(category)
    row = citizen_sms()
    notify.outbox_deliver(outbox_id=row.pk)
    assert [line["key"] for line in sms_lines(sms_file)] == [row.idempotency_key]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_send_is_recorded_even_when_the_database_connection_drops_right_after_it(category, sms_file, settings):
    """The gateway took the message, then the connection was terminated: reconnect, record "sent", never resend."""
    file(category)  # sent at once (no transaction around it)
    Outbox.objects.filter(channel="sms").update(status="pending", attempts=0)
    row = citizen_sms()
    settings.BALAGH_SMS_BACKEND = "tests.notifications.backends.ConnectionCutSMSBackend"
    backend_before = (connection.ensure_connection(), connection.connection.info.backend_pid)[1]

    assert notify.outbox_deliver(outbox_id=row.pk) is None

    assert connection.connection.info.backend_pid != backend_before  # it did reconnect
    row.refresh_from_db()
    assert row.status == "sent" and row.lease_until is None
    far_later = timezone.now() + timedelta(hours=1)
    assert row.pk not in notify.outbox_due_ids(now=far_later, older_than_seconds=0)
    resend_pending_outbox(older_than_seconds=0)
    assert len([line for line in sms_lines(sms_file) if line["key"] == row.idempotency_key]) == 2  # the first, this one
