"""A conversation the citizen leaves with a description for 30 minutes is filed with what it has."""

from datetime import timedelta

import pytest
from django.utils import timezone

from channels.whatsapp.models import Conversation
from channels.whatsapp.tasks import file_abandoned
from complaints.models import Complaint

pytestmark = pytest.mark.django_db


def age(minutes: int) -> None:
    Conversation.objects.update(last_message_at=timezone.now() - timedelta(minutes=minutes))


def run_sweep(citizen) -> int:
    with citizen.capture(execute=True):
        return file_abandoned.delay().get()


def test_a_conversation_with_everything_but_the_confirmation_is_filed_after_30_minutes(citizen):
    first = citizen.says("حفرة كبيرة أمام المدرسة تعيق السيارات")
    citizen.sends_location(18.30, 42.73)
    citizen.chooses("pothole")
    age(29)
    assert run_sweep(citizen) == 0
    age(31)
    assert run_sweep(citizen) == 1
    complaint = Complaint.objects.get()
    assert complaint.channel == "whatsapp" and complaint.external_id == first
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


def test_a_description_without_type_or_location_waits_for_triage(citizen):
    citizen.says("حفرة كبيرة أمام المدرسة تعيق السيارات")
    age(120)
    assert run_sweep(citizen) == 0  # no report without a type and a pin until the triage service exists
    assert Conversation.objects.get().status == Conversation.Status.OPEN


def test_the_citizen_coming_back_after_the_sweep_gets_the_status(citizen):
    citizen.says("حفرة كبيرة أمام المدرسة تعيق السيارات")
    citizen.sends_location(18.30, 42.73)
    citizen.chooses("pothole")
    age(31)
    run_sweep(citizen)
    citizen.taps("confirm")  # taps the old summary later
    complaint = Complaint.objects.get()
    assert complaint.tracking_number in citizen.last["body"]
