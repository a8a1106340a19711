"""PDPL retention: reporters' contact details go after the retention period; every figure stays."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, IncomingMessage
from complaints.tasks import anonymise_reporters
from complaints.workflow import ClosureReason, Status
from notifications.models import Outbox
from routing.duplicates import complaint_follow
from routing.models import Follower
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports():
    DistrictFactory()
    category = CategoryFactory(default_department=DepartmentFactory())
    old = submit(category, phone="0501111111", reporter_name="سالم", reporter_email="s@example.com")
    complaint_follow(complaint=old, phone="0552222222")
    services.complaint_close(complaint=old, actor=None, reason=ClosureReason.NOT_VALID, note="غير صحيح")
    Complaint.objects.filter(pk=old.pk).update(closed_at=timezone.now() - timedelta(days=400))
    recent = submit(category, phone="0503333333", reporter_name="نورة")
    services.complaint_close(complaint=recent, actor=None, reason=ClosureReason.NOT_VALID, note="غير صحيح")
    still_open = submit(category, phone="0504444444")
    Complaint.objects.filter(pk=still_open.pk).update(created_at=timezone.now() - timedelta(days=900))
    return old, recent, still_open


def test_the_command_blanks_old_closed_reports_only_and_keeps_their_figures(reports):
    old, recent, still_open = reports
    before = Complaint.objects.filter(pk=old.pk).values("status", "closed_at", "category_id", "department_id", "created_at")[0]
    out = StringIO()
    call_command("anonymise_reporters", "--older-than", "365", stdout=out)
    old.refresh_from_db()
    assert (old.reporter_name, old.reporter_phone, old.reporter_email) == ("", "", "")
    assert Complaint.objects.filter(pk=old.pk).values(*before)[0] == before
    assert old.events.count() >= 2 and not Follower.objects.filter(complaint=old).exists()
    assert Complaint.objects.get(pk=recent.pk).reporter_phone == "+966503333333"
    assert Complaint.objects.get(pk=still_open.pk).reporter_phone == "+966504444444"
    assert "1" in out.getvalue()
    call_command("anonymise_reporters", "--older-than", "365", stdout=StringIO())  # again: nothing more


def test_the_beat_task_follows_the_setting(reports, settings):
    old = reports[0]
    settings.BALAGH_ANONYMISE_AFTER_DAYS = 0
    assert anonymise_reporters() == 0 and Complaint.objects.get(pk=old.pk).reporter_phone
    settings.BALAGH_ANONYMISE_AFTER_DAYS = 365
    assert anonymise_reporters() == 1 and Complaint.objects.get(pk=old.pk).reporter_phone == ""
    assert Complaint.objects.get(pk=old.pk).status == Status.CLOSED


def test_a_bad_period_is_refused():
    with pytest.raises(CommandError):
        call_command("anonymise_reporters", "--older-than", "0")


def test_the_number_does_not_survive_in_the_messages_sent_or_received(reports):
    old, recent, _open = reports
    IncomingMessage.objects.create(
        complaint=old, channel="whatsapp", sender="+966501111111", text="حفرة", received_at=timezone.now(), data={"name": "سالم"}
    )
    sent_to_old = Outbox.objects.filter(complaint=old, recipient="+966501111111")
    assert sent_to_old.exists()
    counts = (Outbox.objects.count(), IncomingMessage.objects.count())
    services.reporters_anonymise(older_than_days=365)
    for row in Outbox.objects.filter(complaint=old, is_citizen=True):
        assert "501111111" not in f"{row.recipient} {row.body} {row.context}" and "سالم" not in f"{row.body} {row.context}"
    message = IncomingMessage.objects.get(complaint=old)
    assert (message.sender, message.data, message.text) == ("", {}, "حفرة")
    assert (Outbox.objects.count(), IncomingMessage.objects.count()) == counts  # the figures stay
    assert Outbox.objects.filter(complaint=recent, recipient="+966503333333").exists()
