"""Incomplete reports are still reports: a message without a sub-type or a pin waits in triage.

The agent sees the original message and completes type and pin in the admin; routing and the
clock start then. Every page that lists or shows reports copes with one that has neither.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, Event, IncomingMessage
from complaints.photos import clean_photo
from complaints.workflow import Status, TransitionError
from municipality.models import Role
from notifications.models import Outbox
from reports import services as reports_services
from reports.services import week_start_for
from routing.duplicates import complaint_merge
from sla.sweep import escalate_overdue
from tests.factories import INSIDE, OUTSIDE, CategoryFactory, DepartmentFactory, DistrictFactory, make_user, photo_file
from tests.factories import submit as submit_complete

pytestmark = pytest.mark.django_db


def triage_report(**kwargs) -> Complaint:
    values: dict[str, Any] = {
        "channel": "email",
        "external_id": "<abc@example.org>",
        "description": "حفرة كبيرة في شارع الملك فهد أمام الصيدلية",
        "sender": "Sara <sara@example.org>",
        "subject": "حفرة",
        "reporter_name": "Sara",
        "reporter_email": "sara@example.org",
        "received_at": timezone.now() - timedelta(minutes=5),
        "original": {"from": "sara@example.org"},
    }
    values.update(kwargs)
    return services.complaint_submit_incomplete(**values)


@pytest.fixture
def town():
    DistrictFactory()
    t = type("Town", (), {})()
    t.roads = DepartmentFactory(code="roads")
    t.pothole = CategoryFactory(default_department=t.roads)
    t.agent = make_user("agent", Role.AGENT)
    t.officer = make_user("officer", Role.OFFICER, department=t.roads)
    return t


# --------------------------------------------------------------------------- the service


def test_an_email_without_type_or_pin_gets_a_number_and_waits_in_triage(town):
    complaint = triage_report()
    assert complaint.tracking_number
    assert complaint.status == Status.NEW and complaint.channel == "email"
    assert complaint.category is None and complaint.lat is None and complaint.district is None
    assert complaint.department is None and complaint.resolution_due_at is None  # no clock yet
    original = IncomingMessage.objects.get(complaint=complaint)
    assert original.is_original and original.sender == "Sara <sara@example.org>" and "حفرة كبيرة" in original.text
    created = complaint.events.get(kind=Event.Kind.CREATED)
    assert created.data == {"channel": "email", "triage": True, "msg": {"id": "received", "channel": "email"}}
    assert "E-mail" in created.text or "البريد" in created.text  # the timeline says which channel


def test_the_sender_gets_the_tracking_number_by_email_through_the_outbox(town):
    complaint = triage_report()
    row = Outbox.objects.get(complaint=complaint, channel="email", recipient="sara@example.org")
    assert row.template == "created" and row.context["tracking_number"] == complaint.tracking_number


def test_the_answer_says_the_report_is_being_sorted_instead_of_an_empty_type(town, django_capture_on_commit_callbacks):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        complaint = triage_report()
    (sent,) = mail.outbox
    assert complaint.tracking_number in sent.body
    assert "قيد الفرز" in sent.body and "()" not in sent.body


def test_the_same_message_twice_makes_one_report(town):
    first = triage_report()
    again = triage_report(description="something else entirely")
    assert again.pk == first.pk
    assert Complaint.objects.count() == 1 and IncomingMessage.objects.count() == 1


def test_a_very_long_message_id_is_still_recognised(town):
    long_id = "<" + "x" * 300 + "@example.org>"
    first = triage_report(external_id=long_id)
    assert triage_report(external_id=long_id).pk == first.pk
    assert len(first.external_id) <= 120


def test_a_message_with_type_and_pin_inside_the_city_is_routed_at_once(town):
    complaint = triage_report(category=town.pothole, lat=INSIDE[0], lon=INSIDE[1])
    assert complaint.status == Status.ASSIGNED and complaint.department == town.roads
    assert complaint.resolution_due_at is not None


def test_a_pin_outside_the_city_is_dropped_and_the_report_waits_in_triage(town):
    complaint = triage_report(category=town.pothole, lat=OUTSIDE[0], lon=OUTSIDE[1])
    assert complaint.lat is None and complaint.status == Status.NEW and complaint.department is None


def test_an_empty_message_is_refused_and_nothing_is_saved(town):
    with pytest.raises(ValidationError):
        triage_report(description="  ", subject="")
    assert not Complaint.objects.exists() and not IncomingMessage.objects.exists()


def test_a_photo_only_message_is_filed_with_its_photo(town):

    complaint = triage_report(description="", subject="", photos=[clean_photo(photo_file())])
    assert complaint.attachments.count() == 1 and complaint.description


def test_completing_triage_routes_the_report_and_starts_the_clock(town):
    complaint = triage_report()
    done = services.complaint_complete_triage(
        complaint=complaint, actor=town.agent, category=town.pothole, lat=INSIDE[0], lon=INSIDE[1]
    )
    assert done.category == town.pothole and done.district is not None
    assert done.status == Status.ASSIGNED and done.department == town.roads
    assert done.resolution_due_at is not None and done.assigned_at is not None
    kinds = list(done.events.values_list("kind", flat=True))
    assert kinds == [Event.Kind.CREATED, Event.Kind.TRIAGED, Event.Kind.ROUTED]


def test_triage_refuses_a_main_type_a_point_outside_and_a_second_completion(town):
    complaint = triage_report()
    with pytest.raises(TransitionError):
        services.complaint_complete_triage(
            complaint=complaint, actor=town.agent, category=town.pothole.parent, lat=INSIDE[0], lon=INSIDE[1]
        )
    with pytest.raises(TransitionError):
        services.complaint_complete_triage(
            complaint=complaint, actor=town.agent, category=town.pothole, lat=OUTSIDE[0], lon=OUTSIDE[1]
        )
    services.complaint_complete_triage(complaint=complaint, actor=town.agent, category=town.pothole, lat=INSIDE[0], lon=INSIDE[1])
    with pytest.raises(TransitionError):
        services.complaint_complete_triage(
            complaint=complaint, actor=town.agent, category=town.pothole, lat=INSIDE[0], lon=INSIDE[1]
        )


def test_an_officer_cannot_complete_triage(town):
    from django.core.exceptions import PermissionDenied

    complaint = triage_report()
    with pytest.raises(PermissionDenied):
        services.complaint_complete_triage(
            complaint=complaint, actor=town.officer, category=town.pothole, lat=INSIDE[0], lon=INSIDE[1]
        )


def test_a_reply_from_the_citizen_is_an_event_not_a_new_report(town):
    complaint = triage_report()
    event = services.complaint_add_citizen_message(
        complaint=complaint, channel="email", external_id="<reply-1@example.org>", text="الحفرة كبرت اليوم"
    )
    assert event.kind == Event.Kind.CITIZEN_MESSAGE and "كبرت" in event.text
    again = services.complaint_add_citizen_message(
        complaint=complaint, channel="email", external_id="<reply-1@example.org>", text="الحفرة كبرت اليوم"
    )
    assert again is None
    assert Complaint.objects.count() == 1 and complaint.events.filter(kind=Event.Kind.CITIZEN_MESSAGE).count() == 1


def test_the_first_message_and_a_reply_are_kept_alike_for_the_agent(town):
    long = {
        "sender": "Sara " + "x" * 300 + " <sara@example.org>",
        "subject": "  حفرة  ",
        "received_at": timezone.now() - timedelta(minutes=5),
        "original": {"from": "sara@example.org"},
        "photos": [clean_photo(photo_file())],
    }
    complaint = triage_report(description="ح" * (services.MAX_MESSAGE_CHARS + 50), **long)
    services.complaint_add_citizen_message(
        complaint=complaint,
        channel="email",
        external_id="<reply-1@example.org>",
        text="ح" * (services.MAX_MESSAGE_CHARS + 50),
        **long,
    )
    first, reply = IncomingMessage.objects.filter(complaint=complaint).order_by("-is_original", "pk")
    assert (first.is_original, reply.is_original) == (True, False)
    assert (first.external_id, reply.external_id) == ("<abc@example.org>", "<reply-1@example.org>")
    for kept in (first, reply):
        assert kept.channel == "email" and kept.received_at == long["received_at"]
        assert kept.sender == long["sender"][:254] and kept.subject == "حفرة"
        assert len(kept.text) == services.MAX_MESSAGE_CHARS
        assert kept.data == {"from": "sara@example.org", "photos": 1}


# --------------------------------------------------------------------------- the admin


def test_the_agent_sees_the_triage_report_in_the_list_and_its_original_message(client, town):
    complaint = triage_report()
    submit_complete(town.pothole)
    client.force_login(town.agent)
    response = client.get(reverse("admin:complaints_complaint_changelist"), follow=True)  # opens on open work
    assert response.status_code == 200
    html = response.content.decode()
    assert complaint.tracking_number in html
    triage_only = client.get(reverse("admin:complaints_complaint_changelist"), {"triage": "yes"})
    assert triage_only.status_code == 200
    listed = list(triage_only.context["cl"].result_list)
    assert listed == [complaint]
    page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "sara@example.org" in html and "حفرة كبيرة في شارع الملك فهد" in html
    assert '<span class="balagh-chip">البريد الإلكتروني</span>' in html  # the timeline says which channel
    assert reverse("admin:complaints_complaint_workflow", args=[complaint.pk, "triage"]) in html
    # Until it has a type and a pin it can only be completed or closed (not assigned or transferred).
    assert reverse("admin:complaints_complaint_workflow", args=[complaint.pk, "close"]) in html
    assert reverse("admin:complaints_complaint_workflow", args=[complaint.pk, "assign"]) not in html
    assert reverse("admin:complaints_complaint_workflow", args=[complaint.pk, "transfer"]) not in html


def test_the_agent_completes_type_and_pin_in_the_admin(client, town):
    complaint = triage_report()
    client.force_login(town.agent)
    url = reverse("admin:complaints_complaint_workflow", args=[complaint.pk, "triage"])
    response = client.post(url, {"wf-category": town.pothole.pk, "wf-lat": INSIDE[0], "wf-lon": INSIDE[1]})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.department == town.roads and complaint.status == Status.ASSIGNED
    assert complaint.resolution_due_at is not None


def test_a_pin_outside_the_city_in_the_admin_is_a_clear_error(client, town):
    complaint = triage_report()
    client.force_login(town.agent)
    url = reverse("admin:complaints_complaint_workflow", args=[complaint.pk, "triage"])
    response = client.post(url, {"wf-category": town.pothole.pk, "wf-lat": OUTSIDE[0], "wf-lon": OUTSIDE[1]})
    assert response.status_code == 409
    assert "outside" in response.content.decode() or "خارج" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.category is None


def test_an_officer_of_a_department_does_not_see_untriaged_reports(client, town):
    complaint = triage_report()
    client.force_login(town.officer)
    listing = client.get(reverse("admin:complaints_complaint_changelist"))
    assert complaint.tracking_number not in listing.content.decode()
    assert client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).status_code == 404
    url = reverse("admin:complaints_complaint_workflow", args=[complaint.pk, "triage"])
    assert client.post(url, {"wf-category": town.pothole.pk, "wf-lat": INSIDE[0], "wf-lon": INSIDE[1]}).status_code == 404


def test_the_csv_export_of_the_admin_lists_a_triage_report(client, town):
    complaint = triage_report()
    client.force_login(town.agent)
    response = client.get(reverse("admin:complaints_complaint_export"))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert any(row[0] == complaint.tracking_number for row in rows[1:])


# --------------------------------------------------------------------------- the citizen and the committee


def test_the_tracking_page_of_a_triage_report_says_it_is_received(client, town):
    complaint = triage_report()
    response = client.get(reverse("citizen:track", args=[complaint.token]))
    assert response.status_code == 200
    html = response.content.decode()
    assert complaint.tracking_number in html
    assert "يطّلع فريقنا على رسالتك وسيحدد نوع البلاغ." in html


def test_the_dashboard_and_its_exports_count_a_triage_report(client, town):
    triage_report()
    client.force_login(make_user("member", Role.COMMITTEE))
    response = client.get("/reports/")
    assert response.status_code == 200
    assert response.context["k"]["summary"]["received"] == 1
    assert client.get("/reports/export/complaints.csv").status_code == 200
    assert client.get("/reports/export/complaints.xlsx").status_code == 200


def test_the_weekly_report_counts_a_triage_report_under_no_type(town):

    complaint = triage_report()
    report = reports_services.weekly_report_compile(week_start=week_start_for(timezone.localdate(complaint.created_at)))
    assert report.kpis["summary"]["received"] == 1
    assert [row["name_en"] for row in report.kpis["categories"]] == ["Not set"]


def test_assigning_or_transferring_a_triage_report_is_refused_with_a_reason(town):
    complaint = triage_report()
    with pytest.raises(TransitionError):
        services.complaint_assign(complaint=complaint, actor=town.agent, department=town.roads)
    with pytest.raises(TransitionError):
        services.complaint_transfer(complaint=complaint, actor=town.agent, department=town.roads, reason="roads")


def test_a_triage_report_can_be_merged_into_the_report_it_repeats(town):

    known = submit_complete(town.pothole)
    tweet = triage_report(channel="twitter", external_id="1864", reporter_email="")
    closed = complaint_merge(duplicate=tweet, master=known, actor=town.agent)
    assert closed.status == Status.CLOSED and closed.duplicate_of == known


def test_the_escalation_sweep_passes_over_triage_reports(town):

    complaint = triage_report()
    Complaint.objects.filter(pk=complaint.pk).update(created_at=timezone.now() - timedelta(days=30))
    escalate_overdue()
    complaint.refresh_from_db()
    assert complaint.escalation_level == 0 and complaint.pending_steps.count() == 0


def test_the_open_data_file_lists_a_triage_report_with_empty_type_and_place(client, town):
    complaint = triage_report()
    response = client.get("/figures/open-data.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header, (row,) = rows[0], rows[1:]
    assert row[header.index("channel")] == "email" and row[header.index("latitude")] == ""
    assert "sara" not in ",".join(row) and complaint.tracking_number not in ",".join(row)


def test_the_api_tracks_a_triage_report_without_a_type(client, town):
    complaint = triage_report(reporter_phone="0501234567")
    response = client.get(f"/api/v1/track/{complaint.tracking_number}/", {"phone": "0501234567"})
    assert response.status_code == 200
    assert response.json()["category"] is None and response.json()["main_category"] is None
