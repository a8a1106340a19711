"""Administrators see what WhatsApp brought in and can process a stuck message again; other roles see nothing."""

import pytest

from channels.whatsapp import simulate
from channels.whatsapp.models import Conversation, InboundMessage
from complaints.models import Complaint, ContactRead
from municipality.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db

LIST = "/admin/channels/inboundmessage/"


def test_an_administrator_sees_the_messages_and_processes_a_stuck_one_again(client, citizen):
    citizen.post(simulate.text(citizen.number, "حفرة كبيرة أمام المدرسة تعيق السيارات"))
    InboundMessage.objects.update(processed_at=None, attempts=5, last_error="OperationalError: boom")
    client.force_login(make_user("boss", Role.ADMIN))
    response = client.get(LIST)
    assert response.status_code == 200 and "boom" in response.content.decode()
    stuck = InboundMessage.objects.get()
    with citizen.capture(execute=True):
        response = client.post(LIST, {"action": "process_again", "_selected_action": [stuck.pk]})
    assert response.status_code == 302
    stuck.refresh_from_db()
    assert stuck.processed_at is not None and stuck.attempts == 0
    assert client.get("/admin/channels/conversation/").status_code == 200


@pytest.mark.parametrize("role", [Role.AGENT, Role.OFFICER])
def test_other_roles_do_not_see_whatsapp_messages(client, role, city):
    client.force_login(make_user("someone", role, department=city["pothole"].default_department))
    assert client.get(LIST).status_code == 403


def test_the_lists_mask_citizens_numbers_and_a_detail_page_logs_the_read(client, citizen):
    citizen.says("حفرة كبيرة أمام المدرسة تعيق السيارات")
    citizen.sends_location(18.30, 42.73)
    citizen.chooses("pothole")
    citizen.taps("confirm")
    complaint = Complaint.objects.get()
    client.force_login(make_user("boss", Role.ADMIN))
    for page in (LIST, "/admin/channels/conversation/"):
        html = client.get(page).content.decode()
        assert "501234567" not in html and "+9665" in html, page  # masked: +9665••••567
        assert ">مواطن<" not in html  # nor the profile name
    assert not ContactRead.objects.exists()

    message = InboundMessage.objects.filter(conversation__complaint=complaint).first()
    assert "966501234567" in client.get(f"{LIST}{message.pk}/change/").content.decode()
    conversation = Conversation.objects.get(complaint=complaint)
    assert "966501234567" in client.get(f"/admin/channels/conversation/{conversation.pk}/change/").content.decode()
    reads = ContactRead.objects.filter(complaint=complaint, where=ContactRead.Where.WHATSAPP)
    assert reads.count() == 2 and set(reads.values_list("user__username", flat=True)) == {"boss"}
