"""PDPL retention reaches the channels' own logs: after it, a database dump no longer ties an old
report to the citizen's number, handle or address, while what is still live of the same citizen stays."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import models
from django.db.models.functions import Cast
from django.utils import timezone

from channels.whatsapp import simulate
from channels.whatsapp.models import Conversation, InboundMessage, WhatsAppContact
from channels.x.models import XReply
from complaints import services
from complaints.models import Complaint, IncomingMessage
from complaints.workflow import ClosureReason
from notifications.models import Outbox
from tests.channels.whatsapp import conftest as whatsapp
from tests.factories import submit

pytestmark = pytest.mark.django_db

# The WhatsApp citizen played through the real webhook (tests/channels/whatsapp/conftest.py).
city, whatsapp_files, make_citizen = whatsapp.city, whatsapp.whatsapp_files, whatsapp.make_citizen

NUMBER = "966501111111"
DIGITS = "501111111"  # the mobile without its country code: how it shows in any form
INSIDE = (18.30, 42.73)
CHANNEL_TABLES = ("channels", "notifications", "complaints")


def file_by_whatsapp(citizen, text: str, *, another: bool = False) -> Complaint:
    if another:
        citizen.says("بلاغ جديد")  # soon after a filing, a message is taken for a question about it
    citizen.says(text)
    citizen.sends_location(*INSIDE)
    citizen.chooses("pothole")
    citizen.taps("confirm")
    return Complaint.objects.get(description=text)


def age(complaint: Complaint, days: int = 400) -> None:
    services.complaint_close(complaint=complaint, actor=None, reason=ClosureReason.NOT_VALID, note="غير صحيح")
    Complaint.objects.filter(pk=complaint.pk).update(closed_at=timezone.now() - timedelta(days=days))


def rows_holding(needle: str, app_labels=CHANNEL_TABLES) -> list[tuple[str, int, str]]:
    """Every (table, pk, column) whose text or JSON holds ``needle``: what a dump of the database would show."""
    found = []
    for label in app_labels:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.concrete_fields:
                if not isinstance(field, models.CharField | models.TextField | models.JSONField):
                    continue
                hits = (
                    model._default_manager.annotate(_text=Cast(field.name, models.TextField()))
                    .filter(_text__contains=needle)
                    .values_list("pk", flat=True)
                )
                found += [(model._meta.db_table, pk, field.name) for pk in hits]
    return found


def tied_to(complaint: Complaint) -> set[tuple[str, int]]:
    """The channel rows that belong to ``complaint``: its conversation, its messages and their delivery statuses."""
    conversations = Conversation.objects.filter(complaint=complaint)
    messages = InboundMessage.objects.filter(conversation__in=conversations)
    return {("channels_conversation", pk) for pk in conversations.values_list("pk", flat=True)} | {
        ("channels_inboundmessage", pk) for pk in messages.values_list("pk", flat=True)
    }


def deliver(citizen, complaint: Complaint) -> list[int]:
    """WhatsApp reports delivery of everything sent about the report: status rows naming the citizen's number."""
    ids = list(Outbox.objects.filter(complaint=complaint).exclude(provider_id="").values_list("provider_id", flat=True))
    assert ids
    citizen.post(statuses=[simulate.status(i, "delivered", recipient=NUMBER) for i in ids])
    return list(InboundMessage.objects.filter(kind="status", payload__id__in=ids).values_list("pk", flat=True))


def test_an_old_reports_whatsapp_trail_loses_the_number_while_the_citizens_open_report_keeps_it(make_citizen):
    citizen = make_citizen(NUMBER)
    old = file_by_whatsapp(citizen, "حفرة كبيرة أمام المدرسة تعيق السيارات")
    old_statuses = deliver(citizen, old)
    age(old)
    current = file_by_whatsapp(citizen, "إنارة الشارع مطفأة منذ أسبوع أمام المسجد", another=True)
    old_rows = tied_to(old) | {("channels_inboundmessage", pk) for pk in old_statuses}
    counts = (InboundMessage.objects.count(), Conversation.objects.count(), Outbox.objects.count())
    assert {(table, pk) for table, pk, _column in rows_holding(DIGITS)} & old_rows  # before: the trail names them

    assert services.reporters_anonymise(older_than_days=365) == 1

    left = rows_holding(DIGITS)
    assert not {(table, pk) for table, pk, _column in left} & old_rows, left
    old_conversation = Conversation.objects.get(complaint=old)
    assert old_conversation.texts == [] and str(old_conversation.contact) == "—"
    assert old_conversation.status == Conversation.Status.FILED and Complaint.objects.get(pk=old.pk).channel == "whatsapp"
    # What is still live of the same citizen stays: their contact, the open report's conversation and messages.
    contact = WhatsAppContact.objects.get(wa_id=NUMBER)
    new_conversation = Conversation.objects.get(complaint=current)
    assert new_conversation.contact == contact and new_conversation.texts
    assert set(InboundMessage.objects.filter(conversation=new_conversation).values_list("sender", flat=True)) == {NUMBER}
    assert Complaint.objects.get(pk=current.pk).reporter_phone == f"+{NUMBER}"
    assert (InboundMessage.objects.count(), Conversation.objects.count(), Outbox.objects.count()) == counts  # figures stay

    assert services.reporters_anonymise(older_than_days=365) == 0  # again: harmless
    assert rows_holding(DIGITS) == left and WhatsAppContact.objects.filter(wa_id=NUMBER).exists()

    # Their last report too passes the retention time: nothing of the number is left anywhere.
    age(current)
    counts = (InboundMessage.objects.count(), Conversation.objects.count(), Outbox.objects.count())  # + its closing message
    assert services.reporters_anonymise(older_than_days=365) == 1
    assert rows_holding(DIGITS) == [] and not WhatsAppContact.objects.filter(wa_id=NUMBER).exists()
    assert (InboundMessage.objects.count(), Conversation.objects.count(), Outbox.objects.count()) == counts


def test_a_conversation_in_progress_keeps_the_contact(make_citizen):
    citizen = make_citizen(NUMBER)
    old = file_by_whatsapp(citizen, "حفرة كبيرة أمام المدرسة تعيق السيارات")
    age(old)
    citizen.says("بلاغ جديد")
    citizen.says("النفايات متراكمة بجانب الحاوية منذ أيام")  # a new report under way

    services.reporters_anonymise(older_than_days=365)

    in_progress = Conversation.objects.get(status=Conversation.Status.OPEN)
    assert in_progress.contact.wa_id == NUMBER and in_progress.texts
    assert not {(t, pk) for t, pk, _c in rows_holding(DIGITS)} & tied_to(old)
    citizen.sends_location(*INSIDE)  # the conversation goes on
    citizen.chooses("pothole")
    citizen.taps("confirm")
    assert Complaint.objects.exclude(pk=old.pk).get().reporter_phone == f"+{NUMBER}"


def test_an_x_reply_and_the_mail_and_message_ids_no_longer_point_to_the_author(make_citizen, city):
    citizen = make_citizen(NUMBER)
    old = file_by_whatsapp(citizen, "حفرة كبيرة أمام المدرسة تعيق السيارات")
    XReply.objects.create(
        tweet_id="1866000000000000001", complaint=old, text="شكراً", status="sent", reply_id="1866000000000000002"
    )
    IncomingMessage.objects.create(
        complaint=old,
        channel="email",
        external_id="<CAF+citizen.name@mail.example.com>",
        sender="Citizen <citizen.name@example.com>",
        text="حفرة",
        received_at=timezone.now(),
    )
    age(old)
    keep = submit(city["pothole"], phone="0509999999")
    Complaint.objects.filter(pk=keep.pk).update(channel="open311", external_id="partner-42")
    age(keep)

    services.reporters_anonymise(older_than_days=365)

    for needle in ("1866000000000000001", "1866000000000000002", "citizen.name"):
        assert rows_holding(needle) == [], needle
    reply = XReply.objects.get(complaint=old)
    assert (reply.status, reply.text) == ("sent", "شكراً")
    assert not Complaint.objects.get(pk=old.pk).external_id
    assert Complaint.objects.get(pk=keep.pk).external_id == "partner-42"  # an API partner's id is theirs, not a citizen's
