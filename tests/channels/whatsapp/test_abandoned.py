"""A conversation the citizen leaves with a description for 30 minutes is filed with what it has.

Complete, it is routed like the form's; without a type or a pin it goes to the triage queue. The
citizen is told the tracking number either way, and what they send afterwards goes onto that report.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from channels.whatsapp import simulate
from channels.whatsapp.models import Conversation, InboundMessage
from channels.whatsapp.selectors import abandoned_conversation_ids
from channels.whatsapp.services import conversation_file_abandoned, conversations_file_abandoned
from channels.whatsapp.tasks import file_abandoned
from complaints.models import Complaint, Event, IncomingMessage

pytestmark = pytest.mark.django_db

DESCRIPTION = "حفرة كبيرة أمام المدرسة تعيق السيارات"


def age(minutes: int) -> None:
    Conversation.objects.filter(status=Conversation.Status.OPEN).update(
        last_message_at=timezone.now() - timedelta(minutes=minutes)
    )


def run_sweep(citizen) -> int:
    with citizen.capture(execute=True):
        return file_abandoned.delay().get()


def test_a_conversation_with_everything_but_the_confirmation_is_filed_after_30_minutes(citizen):
    first = citizen.says(DESCRIPTION)
    citizen.sends_location(18.30, 42.73)
    citizen.chooses("pothole")
    age(29)
    assert run_sweep(citizen) == 0
    age(31)
    assert run_sweep(citizen) == 1
    complaint = Complaint.objects.get()
    assert complaint.channel == "whatsapp" and complaint.external_id == first
    assert complaint.department.code == "roads" and not complaint.needs_triage  # routed like the form's
    conversation = Conversation.objects.get()
    assert conversation.status == Conversation.Status.FILED and conversation.abandoned
    assert complaint.tracking_number in citizen.last["body"]  # the citizen still gets the number and link
    assert run_sweep(citizen) == 0  # once


def test_a_conversation_without_a_description_is_never_filed(citizen):
    citizen.sends_location(18.30, 42.73)
    citizen.chooses("pothole")
    age(120)
    assert run_sweep(citizen) == 0
    assert not Complaint.objects.exists()


def test_a_description_without_type_or_location_is_filed_to_triage_with_its_number(citizen):
    first = citizen.says(DESCRIPTION)
    age(31)
    assert run_sweep(citizen) == 1
    complaint = Complaint.objects.get()
    assert complaint.channel == "whatsapp" and complaint.external_id == first
    assert complaint.status == "new" and complaint.needs_triage
    assert complaint.category is None and complaint.lat is None and complaint.department is None
    assert complaint.resolution_due_at is None  # the clock starts when it is complete
    assert complaint.reporter_phone == "+966501234567" and complaint.description == DESCRIPTION
    original = IncomingMessage.objects.get(complaint=complaint, is_original=True)
    assert original.text == DESCRIPTION and original.sender == "+966501234567"
    conversation = Conversation.objects.get()
    assert conversation.status == Conversation.Status.FILED and conversation.abandoned
    assert conversation.complaint == complaint
    # On WhatsApp (the report's channel), the number, the link and what the citizen may still send.
    body = citizen.last["body"]
    assert complaint.tracking_number in body and f"/track/{complaint.token}/" in body
    assert "يمكنك" in body  # Arabic: "you can still send the location and choose the type here"
    assert not citizen.sms
    assert run_sweep(citizen) == 0  # never twice


def test_a_description_and_a_pin_keep_the_pin_in_triage(citizen):
    citizen.says("There is a deep pothole in front of the school", ts=None)
    citizen.sends_location(18.30, 42.73)
    age(31)
    assert run_sweep(citizen) == 1
    complaint = Complaint.objects.get()
    assert complaint.needs_triage and complaint.has_pin and complaint.category is None
    assert complaint.language == "en"
    assert "choose the type" in citizen.last["body"] and "send the location" not in citizen.last["body"]


def test_photos_alone_are_a_description_and_go_with_the_report(citizen):
    citizen.sends_photo()
    age(31)
    assert run_sweep(citizen) == 1
    complaint = Complaint.objects.get()
    assert complaint.needs_triage and complaint.attachments.count() == 1


def test_a_description_of_invisible_characters_files_nothing(citizen):
    citizen.says("\u200b\u200b\u2066\u2069\u200b\u200b\u200b\u200b\u200b\u200b\u200b")
    age(120)
    assert run_sweep(citizen) == 0
    assert not Complaint.objects.exists()
    assert Conversation.objects.get().status == Conversation.Status.CANCELLED  # not looked at again
    assert abandoned_conversation_ids() == []


def test_a_message_still_waiting_in_the_queue_keeps_the_conversation_open(citizen):
    citizen.says(DESCRIPTION)
    age(31)
    # The citizen wrote again; the worker has not processed it yet (a backlog, the broker down).
    later = simulate.text(citizen.number, "وهي عميقة جدا", ts=citizen.tick())
    InboundMessage.objects.create(
        external_id=later["id"], kind="text", sender=citizen.number, sent_at=timezone.now(), payload=later
    )
    assert abandoned_conversation_ids() == []
    assert conversation_file_abandoned(conversation_id=Conversation.objects.get().pk) is None
    assert not Complaint.objects.exists()


def test_two_sweeps_with_the_same_list_file_once(citizen):
    citizen.says(DESCRIPTION)
    age(31)
    ids = abandoned_conversation_ids()  # both sweeps read the list before either filed
    with citizen.capture(execute=True):
        first = [conversation_file_abandoned(conversation_id=pk) for pk in ids]
        second = [conversation_file_abandoned(conversation_id=pk) for pk in ids]
    assert first[0] is not None and second == [None]
    assert Complaint.objects.count() == 1
    assert Event.objects.filter(kind="created").count() == 1


def test_a_citizen_answering_between_the_list_and_the_filing_keeps_the_conversation(citizen):
    citizen.says(DESCRIPTION)
    age(31)
    ids = abandoned_conversation_ids()
    citizen.sends_location(18.30, 42.73)  # processed before the sweep got to this conversation
    assert [conversation_file_abandoned(conversation_id=pk) for pk in ids] == [None]
    assert not Complaint.objects.exists()
    assert Conversation.objects.get().status == Conversation.Status.OPEN


def test_the_citizen_coming_back_completes_the_triage_report(citizen):
    citizen.says(DESCRIPTION)
    age(31)
    run_sweep(citizen)
    complaint = Complaint.objects.get()

    citizen.sends_location(18.30, 42.73, name="مدرسة الحي")
    complaint.refresh_from_db()
    assert complaint.has_pin and complaint.needs_triage and complaint.address == "مدرسة الحي"
    assert complaint.tracking_number in citizen.last["body"]
    assert "pothole" in citizen.last["options"]  # now the type list, its rows the sub-type codes

    citizen.chooses("pothole")
    complaint.refresh_from_db()
    assert not complaint.needs_triage and complaint.category.code == "pothole"
    assert complaint.department.code == "roads" and complaint.resolution_due_at is not None  # routed, clock running
    assert complaint.events.filter(kind="triaged").count() == 1
    assert complaint.tracking_number in citizen.last["body"]
    assert Complaint.objects.count() == 1  # no second report


def test_text_and_photos_after_a_triage_filing_go_onto_the_report(citizen):
    citizen.says(DESCRIPTION)
    age(31)
    run_sweep(citizen)
    complaint = Complaint.objects.get()
    citizen.says("وصارت أعمق بعد المطر")
    citizen.sends_photo(caption="صورة الحفرة")
    messages = list(complaint.events.filter(kind="citizen_message").values_list("text", flat=True))
    assert messages == ["وصارت أعمق بعد المطر", "صورة الحفرة"]
    assert complaint.attachments.count() == 1
    assert Complaint.objects.count() == 1
    assert complaint.tracking_number in citizen.last["body"]
    assert citizen.last["body"].count("\n") >= 1 and "📎" in citizen.last["body"]  # still asks for the location


def test_a_location_outside_the_city_is_refused_and_changes_nothing(citizen):
    citizen.says(DESCRIPTION)
    age(31)
    run_sweep(citizen)
    citizen.sends_location(24.71, 46.67)  # Riyadh
    complaint = Complaint.objects.get()
    assert not complaint.has_pin
    assert "خارج" in citizen.last["body"]


def test_once_staff_completed_the_report_a_later_message_gets_its_status(citizen):
    citizen.says(DESCRIPTION)
    age(31)
    run_sweep(citizen)
    Complaint.objects.update(status="closed")  # an agent closed it meanwhile
    citizen.sends_location(18.30, 42.73)
    complaint = Complaint.objects.get()
    assert not complaint.has_pin  # nothing changed on a report staff have taken over
    assert complaint.tracking_number in citizen.last["body"]


def test_the_citizen_tapping_the_old_confirm_after_the_sweep_gets_the_number(citizen):
    citizen.says(DESCRIPTION)
    citizen.sends_location(18.30, 42.73)
    citizen.chooses("pothole")
    age(31)
    run_sweep(citizen)
    citizen.taps("confirm")  # taps the old summary later
    complaint = Complaint.objects.get()
    assert complaint.tracking_number in citizen.last["body"]


def test_the_sweep_goes_on_past_a_conversation_that_fails(citizen, make_citizen, monkeypatch):
    other = make_citizen("966502222222")
    citizen.says(DESCRIPTION)
    other.says("انارة الشارع مطفأة منذ أسبوع")
    age(31)
    from channels.whatsapp import conversation as chat

    real = chat.file_conversation
    calls = []

    def flaky(*, conversation, **kw):
        calls.append(conversation.pk)
        if len(calls) == 1:
            raise RuntimeError("disk full")
        return real(conversation=conversation, **kw)

    monkeypatch.setattr(chat, "file_conversation", flaky)
    with citizen.capture(execute=True):
        assert conversations_file_abandoned() == 1
        monkeypatch.setattr(chat, "file_conversation", real)
        assert conversations_file_abandoned() == 1  # the failed one, on the next sweep
    assert Complaint.objects.count() == 2


def test_a_citizen_whose_number_is_not_a_saudi_mobile_still_gets_the_number_in_the_chat(make_citizen):
    visitor = make_citizen("14155550123")
    visitor.says("There is a deep pothole in front of the school")
    age(31)
    assert run_sweep(visitor) == 1
    complaint = Complaint.objects.get()
    assert complaint.reporter_phone == "" and complaint.needs_triage
    assert complaint.tracking_number in visitor.last["body"] and f"/track/{complaint.token}/" in visitor.last["body"]
