"""Working reports through the admin: filing for a caller, workflow actions and bulk actions."""

import pytest
from django.contrib.admin import helpers
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from complaints import services
from complaints.models import Attachment, Channel, Complaint, Event
from complaints.workflow import Action, ClosureReason, Status, TransitionError, guard
from municipality.models import Role
from tests.factories import (
    INSIDE,
    OUTSIDE,
    CategoryFactory,
    DepartmentFactory,
    DistrictFactory,
    UtilityFactory,
    make_user,
    photo_file,
    submit,
)

pytestmark = pytest.mark.django_db


def list_url():
    return reverse("admin:complaints_complaint_changelist")


def change_url(c):
    return reverse("admin:complaints_complaint_change", args=[c.pk])


def action_url(c, action):
    return reverse("admin:complaints_complaint_workflow", args=[c.pk, action])


def refusal(status, action) -> str:
    """The state machine's own message, in Arabic (the admin's language), HTML-escaped as on the page."""
    from django.utils.html import escape

    with translation.override("ar"):
        try:
            guard(status, action)
        except TransitionError as exc:
            return escape(str(exc))
    raise AssertionError("the transition was allowed")


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def town():
    DistrictFactory()
    t = type("Town", (), {})()
    t.roads, t.cleaning = DepartmentFactory(code="roads"), DepartmentFactory(code="cleaning")
    t.water = UtilityFactory(code="water")
    t.pothole = CategoryFactory(default_department=t.roads)
    t.officer = make_user("officer", Role.OFFICER, department=t.roads)
    t.colleague = make_user("colleague", Role.OFFICER, department=t.roads)
    t.agent = make_user("agent", Role.AGENT)
    t.admin = make_user("boss", Role.ADMIN)
    t.report = submit(t.pothole)
    return t


# --------------------------------------------------------------------------- filing for a caller


def agent_post(t, **overrides):
    data = {
        "category": t.pothole.pk,
        "description": "A caller says the street light by the school has been off for a week",
        "lat": INSIDE[0],
        "lon": INSIDE[1],
        "address": "King Khalid Road",
        "reporter_name": "Saad",
        "reporter_phone": "0551234567",
        "reporter_email": "",
        "channel": Channel.PHONE_940,
        "priority": "",
    }
    data.update(overrides)
    return data


def test_an_agent_files_a_940_call_and_it_is_numbered_and_routed(client, town):
    client.force_login(town.agent)
    response = client.post(reverse("admin:complaints_complaint_add"), agent_post(town, photos=[photo_file()]))
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    complaint = Complaint.objects.exclude(pk=town.report.pk).get()
    assert complaint.tracking_number
    assert complaint.channel == Channel.PHONE_940
    assert complaint.reporter_phone == "+966551234567"
    assert complaint.department == town.roads and complaint.status == Status.ASSIGNED
    assert complaint.created_by == town.agent
    assert complaint.attachments.count() == 1
    assert Event.objects.filter(complaint=complaint, kind=Event.Kind.CREATED, actor=town.agent).exists()
    assert response["Location"] == change_url(complaint)
    assert any(complaint.tracking_number in m for m in texts(response))


def test_an_agent_may_file_for_an_anonymous_caller(client, town):
    client.force_login(town.agent)
    response = client.post(
        reverse("admin:complaints_complaint_add"), agent_post(town, reporter_phone="", reporter_name="", channel=Channel.WHATSAPP)
    )
    assert response.status_code == 302
    assert Complaint.objects.filter(channel=Channel.WHATSAPP, is_anonymous=True).count() == 1


def test_bad_input_on_the_agent_form_is_shown_on_its_fields_and_nothing_is_saved(client, town):
    client.force_login(town.agent)
    before = Complaint.objects.count()
    response = client.post(
        reverse("admin:complaints_complaint_add"),
        agent_post(town, description="short", lat=OUTSIDE[0], lon=OUTSIDE[1], reporter_phone="12345"),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"description", "lat", "reporter_phone"} <= set(errors)
    assert Complaint.objects.count() == before
    page = response.content.decode()
    assert "King Khalid Road" in page and 'value="Saad"' in page  # what was typed is kept


def test_a_main_type_or_a_foreign_channel_is_refused(client, town):
    client.force_login(town.agent)
    response = client.post(
        reverse("admin:complaints_complaint_add"), agent_post(town, category=town.pothole.parent_id, channel=Channel.WEB)
    )
    assert response.status_code == 200
    assert {"category", "channel"} <= set(response.context["adminform"].form.errors)


def test_committee_and_liaisons_cannot_file(client, town):
    for user in (make_user("committee", Role.COMMITTEE), make_user("liaison", Role.LIAISON, utility=town.water)):
        client.force_login(user)
        assert client.post(reverse("admin:complaints_complaint_add"), agent_post(town)).status_code == 403


# --------------------------------------------------------------------------- workflow actions on one report


def test_the_workflow_panel_offers_what_the_status_and_role_allow(client, town):
    client.force_login(town.officer)
    names = [p["name"] for p in client.get(change_url(town.report)).context["workflow_panels"]]
    assert Action.START in names and Action.TRANSFER in names and Action.REFER in names and "note" in names
    assert Action.HOLD not in names and Action.RESUME not in names and Action.RETURN not in names
    client.force_login(town.agent)
    names = [p["name"] for p in client.get(change_url(town.report)).context["workflow_panels"]]
    assert Action.ASSIGN in names and Action.START not in names and Action.TRANSFER not in names


def test_an_officer_works_a_report_to_resolution_through_the_admin(client, town):
    client.force_login(town.officer)
    r = town.report
    response = client.post(action_url(r, "start"), {"wf-note": ""})
    assert response.status_code == 302 and response["Location"] == change_url(r)
    r.refresh_from_db()
    assert r.status == Status.IN_PROGRESS and r.assignee == town.officer
    assert Event.objects.filter(complaint=r, kind=Event.Kind.STARTED, actor=town.officer).exists()

    client.post(action_url(r, "hold"), {"wf-reason": "Waiting for asphalt delivery"})
    r.refresh_from_db()
    assert r.status == Status.ON_HOLD
    client.post(action_url(r, "resume"), {"wf-note": ""})
    client.post(action_url(r, "note"), {"wf-text": "Crew B will go tomorrow", "wf-public": ""})
    client.post(action_url(r, "note"), {"wf-text": "We will fix it tomorrow", "wf-public": "on"})
    response = client.post(action_url(r, "resolve"), {"wf-note": "The pothole was filled", "wf-photo": photo_file("after.jpg")})
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.status == Status.RESOLVED
    assert r.attachments.filter(kind=Attachment.Kind.AFTER).count() == 1
    assert Event.objects.get(complaint=r, kind=Event.Kind.NOTE).is_public is False
    assert Event.objects.get(complaint=r, kind=Event.Kind.UPDATE).is_public is True

    page = client.get(change_url(r)).content.decode()
    assert "Crew B will go tomorrow" in page and "is-internal" in page and "is-public" in page


def test_an_illegal_action_shows_the_translated_refusal_and_changes_nothing(client, town):
    client.force_login(town.officer)
    r = town.report  # assigned: cannot be put on hold before work starts
    events = r.events.count()
    response = client.post(action_url(r, "hold"), {"wf-reason": "Waiting for the contractor"})
    assert response.status_code == 409
    page = response.content.decode()
    assert refusal(Status.ASSIGNED, Action.HOLD) in page
    assert "Waiting for the contractor" in page  # what was typed is kept
    r.refresh_from_db()
    assert r.status == Status.ASSIGNED and r.events.count() == events


def test_resolving_a_new_report_is_refused(client, town):
    orphan_type = CategoryFactory(default_department=None, parent__default_department=None)
    orphan = submit(orphan_type)
    assert orphan.status == Status.NEW and orphan.department is None
    client.force_login(town.admin)
    response = client.post(action_url(orphan, "resolve"), {"wf-note": "done"})
    assert response.status_code == 409
    assert refusal(Status.NEW, Action.RESOLVE) in response.content.decode()
    orphan.refresh_from_db()
    assert orphan.status == Status.NEW


def test_a_missing_reason_keeps_the_form_open_with_its_error(client, town):
    client.force_login(town.officer)
    response = client.post(action_url(town.report, "transfer"), {"wf-department": town.cleaning.pk, "wf-reason": ""})
    assert response.status_code == 400
    panel = next(p for p in response.context["workflow_panels"] if p["name"] == "transfer")
    assert panel["open"] and "reason" in panel["form"].errors
    town.report.refresh_from_db()
    assert town.report.department == town.roads


def test_an_agent_assigns_a_triage_report_to_a_department(client, town):
    orphan = submit(CategoryFactory(default_department=None, parent__default_department=None))
    client.force_login(town.agent)
    response = client.post(action_url(orphan, "assign"), {"wf-department": town.cleaning.pk, "wf-assignee": ""})
    assert response.status_code == 302
    orphan.refresh_from_db()
    assert orphan.status == Status.ASSIGNED and orphan.department == town.cleaning


def test_an_officer_transfers_and_loses_the_report(client, town):
    client.force_login(town.officer)
    response = client.post(
        action_url(town.report, "transfer"), {"wf-department": town.cleaning.pk, "wf-reason": "Garbage, not roads"}
    )
    assert response.status_code == 302
    town.report.refresh_from_db()
    assert town.report.department == town.cleaning
    assert client.get(change_url(town.report)).status_code == 404


def test_priority_and_type_are_changed_through_the_services(client, town):
    client.force_login(town.officer)
    client.post(action_url(town.report, "priority"), {"wf-priority": "urgent"})
    town.report.refresh_from_db()
    assert town.report.priority == "urgent"
    assert Event.objects.filter(complaint=town.report, kind=Event.Kind.PRIORITY).exists()


# --------------------------------------------------------------------------- bulk actions


def bulk(client, action, reports, **data):
    payload = {"action": action, helpers.ACTION_CHECKBOX_NAME: [r.pk for r in reports], **data}
    return client.post(list_url(), payload)


def test_bulk_start_reports_what_succeeded_and_why_others_failed(client, town):
    second = submit(town.pothole, description="Another pothole near the roundabout")
    third = submit(town.pothole, description="A third pothole near the market")
    services.complaint_start(complaint=third, actor=town.officer)
    client.force_login(town.officer)
    response = bulk(client, "bulk_start", [town.report, second, third], index=0)
    assert response.status_code == 302
    assert Complaint.objects.filter(pk__in=[town.report.pk, second.pk], status=Status.IN_PROGRESS).count() == 2
    messages = texts(response)
    assert any(third.tracking_number in m for m in messages)


def test_bulk_transfer_asks_for_the_department_and_reason_first(client, town):
    second = submit(town.pothole, description="Another pothole near the roundabout")
    client.force_login(town.officer)
    page = bulk(client, "bulk_transfer", [town.report, second], index=0)
    assert page.status_code == 200 and "department" in page.context["form"].fields
    assert Complaint.objects.filter(department=town.roads).count() == 2
    done = bulk(client, "bulk_transfer", [town.report, second], apply="1", department=town.cleaning.pk, reason="Cleaning's job")
    assert done.status_code == 302
    assert Complaint.objects.filter(department=town.cleaning).count() == 2
    assert Event.objects.filter(kind=Event.Kind.TRANSFERRED, actor=town.officer).count() == 2


def test_bulk_hold_and_close_as_duplicate(client, town):
    second = submit(town.pothole, description="Another pothole near the roundabout")
    services.complaint_start(complaint=town.report, actor=town.officer)
    client.force_login(town.officer)
    # Without a reason the intermediate page comes back with its error.
    page = bulk(client, "bulk_hold", [town.report], apply="1", reason="")
    assert page.status_code == 200 and "reason" in page.context["form"].errors
    bulk(client, "bulk_hold", [town.report], apply="1", reason="Waiting for the contractor")
    town.report.refresh_from_db()
    assert town.report.status == Status.ON_HOLD
    bulk(client, "bulk_close", [second], apply="1", reason=ClosureReason.DUPLICATE, note="Same as the report next door")
    second.refresh_from_db()
    assert second.status == Status.CLOSED and second.closure_reason == ClosureReason.DUPLICATE


def test_bulk_actions_never_touch_reports_outside_the_scope(client, town):
    other = submit(CategoryFactory(default_department=town.cleaning), description="Garbage piling up by the park")
    client.force_login(town.officer)
    bulk(client, "bulk_start", [other], index=0)
    other.refresh_from_db()
    assert other.status == Status.ASSIGNED
