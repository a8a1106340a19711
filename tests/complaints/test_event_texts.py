"""Timeline texts are rendered in the reader's language, whoever caused the event and in whichever language.

An event stores its message and values (``data["msg"]``); the admin page, the tracking page, the
API, WhatsApp's status answer and Open311 render it for their reader. Rows written before that
get their message back from their text (migration 0012).
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import translation

from complaints import event_texts, services
from complaints.event_texts import recover, say
from complaints.models import Channel, Event, Priority
from complaints.workflow import ClosureReason
from municipality.models import Role
from routing.duplicates import complaint_merge
from tests.factories import CategoryFactory, DepartmentFactory, make_user, submit

pytestmark = pytest.mark.django_db

RECEIVED_EN = "Report received through Website."
RECEIVED_AR = "تم استلام البلاغ عبر الموقع الإلكتروني."


@pytest.fixture
def category():
    department = DepartmentFactory(name_ar="إدارة الطرق", name_en="Roads Department")
    return CategoryFactory(name_ar="حفرة", name_en="Pothole", default_department=department)


def test_the_arabic_name_of_the_web_channel_is_what_the_test_expects():
    with translation.override("ar"):
        assert Channel.WEB.label == "الموقع الإلكتروني"


def test_an_event_caused_in_english_reads_in_arabic_on_the_arabic_tracking_page(client, category):
    with translation.override("en"):
        complaint = submit(category, language="en")
    created = complaint.events.get(kind=Event.Kind.CREATED)
    assert created.text == RECEIVED_EN  # written in English, the reporter's language

    client.cookies["django_language"] = "ar"
    arabic = client.get(reverse("citizen:track", args=[complaint.token])).content.decode()
    assert RECEIVED_AR in arabic
    assert "أُحيل إلى إدارة الطرق (الإدارة الافتراضية للتصنيف)." in arabic
    assert RECEIVED_EN not in arabic and "Roads Department" not in arabic and "Sent to" not in arabic

    client.cookies["django_language"] = "en"
    english = client.get(reverse("citizen:track", args=[complaint.token])).content.decode()
    assert RECEIVED_EN in english and "Sent to Roads Department (" in english
    assert RECEIVED_AR not in english


def test_an_event_caused_in_arabic_reads_in_english_on_the_english_admin_page(client, category):
    officer = make_user("officer", Role.OFFICER, department=category.default_department)
    with translation.override("ar"):
        complaint = submit(category)
        services.complaint_start(complaint=complaint, actor=officer)
        services.complaint_set_priority(complaint=complaint, actor=officer, priority=Priority.URGENT)
        services.complaint_resolve(complaint=complaint, actor=officer, note="تم ردم الحفرة")
        services.complaint_close(complaint=complaint, actor=officer, reason=ClosureReason.FIXED)
    assert complaint.events.get(kind=Event.Kind.PRIORITY).text == "تغيرت الأولوية من عادي إلى عاجل."

    client.force_login(officer)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).content.decode()
    for english in (
        RECEIVED_EN,
        "Work on the report has started.",
        "Priority changed from Normal to Urgent.",
        "Closed: Fixed.",
    ):
        assert english in page
    for arabic in (RECEIVED_AR, "بدأ العمل على البلاغ.", "تغيرت الأولوية", "إدارة الطرق ("):
        assert arabic not in page

    client.cookies["django_language"] = "ar"
    page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).content.decode()
    assert RECEIVED_AR in page and "تغيرت الأولوية من عادي إلى عاجل." in page
    assert "Priority changed" not in page


def test_what_a_person_typed_stays_as_typed(category):
    officer = make_user("officer", Role.OFFICER, department=category.default_department)
    complaint = submit(category)
    services.complaint_start(complaint=complaint, actor=officer)
    services.complaint_hold(complaint=complaint, actor=officer, reason="بانتظار قطع الغيار")
    held = complaint.events.get(kind=Event.Kind.HELD)
    assert "msg" not in held.data
    with translation.override("en"):
        assert held.display_text == "بانتظار قطع الغيار"


def test_names_are_kept_as_they_were_then_in_both_languages(category):
    complaint = submit(category)
    routed = complaint.events.get(kind=Event.Kind.ROUTED)
    assert routed.data["msg"]["owner"] == {"id": category.default_department_id, "ar": "إدارة الطرق", "en": "Roads Department"}
    category.default_department.name_en = "Streets"
    category.default_department.save()
    with translation.override("en"):
        assert Event.objects.get(pk=routed.pk).display_text.startswith("Sent to Roads Department (")


def test_the_api_answers_the_timeline_in_the_requests_language(client, category):
    with translation.override("ar"):
        complaint = submit(category, phone="0501234567")
    answer = client.get(f"/api/v1/track/{complaint.tracking_number}/", {"phone": "0501234567"}, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 200, answer.content
    texts = [event["text"] for event in answer.json()["timeline"]]
    assert RECEIVED_EN in texts and RECEIVED_AR not in texts


def test_merge_and_escalation_texts_follow_the_reader(category):
    with translation.override("ar"):
        master, duplicate = submit(category), submit(category, phone="0507654321")
        complaint_merge(duplicate=duplicate, master=master, actor=None)
    merged = duplicate.events.get(kind=Event.Kind.MERGED)
    closed = duplicate.events.get(kind=Event.Kind.CLOSED)
    with translation.override("en"):
        assert merged.display_text == f"Merged into {master.tracking_number}."
        assert closed.display_text.startswith(f"The same problem was already reported as {master.tracking_number};")
    with translation.override("en"):
        escalated = say("escalated_2")
    assert str(escalated) == "Escalated to level 2: the follow-up committee."
    with translation.override("ar"):
        assert event_texts.render(escalated.msg) == "صُعِّد إلى المستوى الثاني: لجنة المتابعة."


def test_old_rows_get_their_message_back_from_their_text(category):
    complaint = submit(category)
    department = category.default_department
    old = [
        Event.objects.create(complaint=complaint, kind=kind, text=text, created_at=complaint.created_at)
        for kind, text in (
            (Event.Kind.CREATED, RECEIVED_EN),
            (Event.Kind.CREATED, "تم استلام البلاغ عبر واتساب."),
            (Event.Kind.ROUTED, "Sent to Roads Department (Routing rule #7: Pothole × any district → Roads Department)."),
            (Event.Kind.ROUTED, "أُحيل إلى إدارة الطرق (الإدارة الافتراضية للتصنيف)."),
            (Event.Kind.PRIORITY, "Priority changed from Normal to Urgent."),
            (Event.Kind.CLOSED, "أغلق: تمت المعالجة."),
            (Event.Kind.HELD, "Waiting for parts."),  # typed by a person: left alone
        )
    ]
    migration = importlib.import_module("complaints.migrations.0012_timeline_texts_in_the_readers_language")
    migration.recover_messages(django_apps, None)
    received_en, received_ar, rule, default, priority, closed, held = (Event.objects.get(pk=e.pk) for e in old)
    assert received_en.data["msg"] == {"id": "received", "channel": "web"}
    assert received_ar.data["msg"] == {"id": "received", "channel": "whatsapp"}
    owner = {"id": department.pk, "ar": "إدارة الطرق", "en": "Roads Department"}
    assert rule.data["msg"] == {"id": "routed", "owner": owner, "reason": {"basis": "rule", "rule": 7}}
    assert default.data["msg"]["reason"] == {"basis": "type"}
    assert priority.data["msg"] == {"id": "priority", "old": "normal", "new": "urgent"}
    assert closed.data["msg"] == {"id": "closed", "reason": "fixed"}
    assert "msg" not in held.data
    with translation.override("ar"):
        assert received_en.display_text == RECEIVED_AR
        assert rule.display_text == "أُحيل إلى إدارة الطرق (قاعدة التوجيه رقم 7)."
    with translation.override("en"):
        assert closed.display_text == "Closed: Fixed."
        assert held.display_text == "Waiting for parts."
    migration.recover_messages(django_apps, None)  # again: nothing changes
    assert Event.objects.get(pk=rule.pk).data == rule.data


def test_an_unknown_message_falls_back_to_the_stored_text(category):
    complaint = submit(category)
    event = Event.objects.create(
        complaint=complaint,
        kind=Event.Kind.NOTE,
        text="as written",
        data={"msg": {"id": "gone"}},
        created_at=complaint.created_at,
    )
    assert event.display_text == "as written"
    assert recover(kind=Event.Kind.NOTE, text="as written", find_name=lambda arg, words: None) is None
