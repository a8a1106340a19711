"""Citizens and staff get their messages through the outbox: in their language, once, after commit."""

import json

import pytest
from django.core import mail
from django.db import transaction

from complaints import services
from complaints.services import Submission, complaint_submit
from complaints.workflow import ClosureReason
from municipality.models import Role
from notifications import services as notify
from notifications.models import MessageTemplate, Outbox
from notifications.tasks import resend_pending_outbox
from tests.factories import CategoryFactory, DepartmentFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.BALAGH_SMS_BACKEND = "notifications.backends.FileSMSBackend"
    settings.BALAGH_SMS_FILE = str(tmp_path / "sms.log")
    return tmp_path / "sms.log"


def sms_lines(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def category():
    department = DepartmentFactory(code="lighting", email="lighting@balagh.test")
    return CategoryFactory(default_department=department, name_ar="إنارة معطلة", name_en="Street light out")


def file(category, *, language="ar", phone="0501234567", email=""):
    return complaint_submit(
        submission=Submission(
            category=category,
            description="عمود الإنارة مطفأ منذ أسبوع",
            lat=18.30,
            lon=42.73,
            reporter_phone=phone,
            reporter_email=email,
            language=language,
        )
    )


def test_the_citizen_gets_the_tracking_number_and_link_in_arabic(
    category, sms_file, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        c = file(category)
    (sms,) = sms_lines(sms_file)
    assert sms["to"] == "+966501234567"
    assert c.tracking_number in sms["body"] and "تم استلام بلاغك" in sms["body"]
    assert f"{settings.SITE_URL}/track/{c.token}/" in sms["body"]
    row = Outbox.objects.get(template="created")
    assert row.status == "sent" and row.attempts == 1 and row.sent_at and row.body == sms["body"]
    # the department hears about the new report by e-mail
    assert [m.to for m in mail.outbox] == [["lighting@balagh.test"]]
    assert c.tracking_number in mail.outbox[0].subject


def test_english_speakers_get_english_and_every_status_change(category, sms_file, settings, django_capture_on_commit_callbacks):
    settings.BALAGH_SMS_PER_REPORT_PER_DAY = 10
    officer = make_user("officer", Role.OFFICER, department=category.default_department)
    with django_capture_on_commit_callbacks(execute=True):
        c = file(category, language="en", email="citizen@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_start(complaint=c, actor=officer)
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_resolve(complaint=c, actor=officer, note="The lamp was replaced.")
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_reopen(complaint=c, actor=None, reason="It is dark again")
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_resolve(complaint=c, actor=officer, note="Cable repaired.")
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_close(complaint=c, actor=officer, reason=ClosureReason.FIXED)
    bodies = [line["body"] for line in sms_lines(sms_file)]
    assert len(bodies) == 6
    assert "was received" in bodies[0] and "Street light out" in bodies[0] and "Expected by 20" in bodies[0]
    assert "has started" in bodies[1]
    assert "resolved" in bodies[2] and f"/track/{c.token}/#rate" in bodies[2]
    assert "reopened" in bodies[3]
    assert "closed" in bodies[5]
    citizen_mail = [m for m in mail.outbox if m.to == ["citizen@example.com"]]
    assert len(citizen_mail) == 6 and "was received" in citizen_mail[0].subject


def test_a_rolled_back_change_sends_nothing(category, sms_file):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            file(category)
            raise RuntimeError("boom")
    assert not Outbox.objects.exists() and sms_lines(sms_file) == []


def test_the_same_message_is_written_once(category):
    c = file(category)
    message = notify.Message("sms", "+966501234567", "created", "ar", f"test:{c.pk}", {"tracking_number": "x"}, c.pk)
    notify.outbox_write(messages=[message])
    notify.outbox_write(messages=[message])
    assert Outbox.objects.filter(idempotency_key=f"test:{c.pk}").count() == 1


def test_a_message_is_delivered_once_even_when_queued_twice(category, sms_file):
    c = file(category)  # on_commit never runs inside this test's transaction: the row stays pending
    row = Outbox.objects.get(template="created", channel="sms")
    assert row.status == "pending"
    notify.outbox_deliver(outbox_id=row.pk)
    notify.outbox_deliver(outbox_id=row.pk)
    assert len(sms_lines(sms_file)) == 1
    assert c.tracking_number in sms_lines(sms_file)[0]["body"]


def test_the_periodic_resend_delivers_what_the_broker_missed(category, sms_file):
    file(category)
    file(category, phone="0551112222")
    assert Outbox.objects.filter(status="pending", channel="sms").count() == 2
    assert resend_pending_outbox(older_than_seconds=3600) == 0  # too young: the normal path may still send them
    resend_pending_outbox(older_than_seconds=0)
    assert sorted(line["to"] for line in sms_lines(sms_file)) == ["+966501234567", "+966551112222"]
    assert resend_pending_outbox(older_than_seconds=0) == 0


def test_at_most_n_sms_per_report_per_day(category, sms_file, settings):
    settings.BALAGH_SMS_PER_REPORT_PER_DAY = 2
    officer = make_user("officer", Role.OFFICER, department=category.default_department)
    c = file(category)
    services.complaint_start(complaint=c, actor=officer)
    services.complaint_resolve(complaint=c, actor=officer, note="تم استبدال المصباح")
    rows = list(Outbox.objects.filter(channel="sms", is_citizen=True).order_by("pk").values_list("template", "status"))
    assert rows == [("created", "pending"), ("in_progress", "pending"), ("resolved", "skipped")]
    skipped = Outbox.objects.get(template="resolved", channel="sms")
    assert "limit" in skipped.last_error


def test_templates_edited_in_the_admin_are_used(category, sms_file):
    MessageTemplate.objects.filter(code="created", channel="sms", language="ar").update(
        body="بلاغ رقم {{ tracking_number }} — شكراً"
    )
    c = file(category)
    row = Outbox.objects.get(template="created", channel="sms")
    notify.outbox_deliver(outbox_id=row.pk)
    assert sms_lines(sms_file)[0]["body"] == f"بلاغ رقم {c.tracking_number} — شكراً"


def test_staff_are_told_about_an_assignment(category, django_capture_on_commit_callbacks):
    head = make_user("head", Role.HEAD, department=category.default_department)
    officer = make_user("officer2", Role.OFFICER, department=category.default_department)
    officer.email = "officer2@balagh.test"
    officer.save(update_fields=["email"])
    c = file(category)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_assign(complaint=c, actor=head, assignee=officer)
    assert [m.to for m in mail.outbox] == [["officer2@balagh.test"]]
    assert c.tracking_number in mail.outbox[0].body


def test_messages_are_not_visible_to_department_staff(client, category):
    file(category)
    officer = make_user("officer", Role.OFFICER, department=category.default_department)
    client.force_login(officer)
    assert client.get("/admin/notifications/outbox/").status_code == 403
