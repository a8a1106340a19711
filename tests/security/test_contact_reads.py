"""PDPL: staff reads of a reporter's full number are logged (who, when, which report), visible to administrators."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints.models import ContactRead
from municipality.models import Role
from notifications.models import Outbox
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, make_user, submit

pytestmark = pytest.mark.django_db


def test_showing_the_full_number_is_logged_and_administrators_see_the_log():
    DistrictFactory()
    report = submit(CategoryFactory(default_department=DepartmentFactory(code="roads")), phone="0501234134")
    officer = make_user("roads", Role.OFFICER, department=report.department)
    client = Client()
    client.force_login(officer)
    assert "+966501234134" in client.get(reverse("admin:complaints_complaint_change", args=[report.pk])).content.decode()
    [read] = ContactRead.objects.all()
    assert (read.user, read.complaint) == (officer, report) and read.at
    # The committee sees a masked number: nothing to log.
    committee = Client()
    committee.force_login(make_user("committee", Role.COMMITTEE))
    committee.get(reverse("admin:complaints_complaint_change", args=[report.pk]))
    assert ContactRead.objects.count() == 1
    assert committee.get("/admin/complaints/contactread/").status_code == 403
    admin = Client()
    admin.force_login(make_user("admin1", Role.ADMIN))
    listing = admin.get("/admin/complaints/contactread/").content.decode()
    assert "roads" in listing and report.tracking_number in listing


EXPORT = "/admin/complaints/complaint/export/"


def exported(client, **params) -> str:
    response = client.get(EXPORT, params)
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def insert_statements(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        exported(client)
    return [q["sql"] for q in queries.captured_queries if "contactread" in q["sql"].lower()]


def test_a_download_with_full_numbers_logs_one_read_per_report_in_one_statement():
    DistrictFactory()
    pothole = CategoryFactory(default_department=DepartmentFactory(code="roads"))
    reports = [submit(pothole, phone=f"05012341{i:02d}") for i in range(3)]
    anonymous = submit(
        CategoryFactory(default_department=pothole.default_department, allow_anonymous=True), phone="", is_anonymous=True
    )
    officer = make_user("roads", Role.OFFICER, department=pothole.default_department)
    client = Client()
    client.force_login(officer)
    body = exported(client)
    assert "+966501234100" in body and anonymous.tracking_number in body
    logged = ContactRead.objects.filter(where=ContactRead.Where.EXPORT)
    assert sorted(logged.values_list("complaint_id", flat=True)) == sorted(r.pk for r in reports)
    assert set(logged.values_list("user_id", flat=True)) == {officer.pk}
    # A filtered download logs only what it contains.
    ContactRead.objects.all().delete()
    exported(client, q=reports[0].tracking_number)
    assert list(ContactRead.objects.values_list("complaint_id", flat=True)) == [reports[0].pk]
    # Set-based: twenty more reports cost no more statements.
    for i in range(20):
        submit(pothole, phone=f"05512345{i:02d}")
    ContactRead.objects.all().delete()
    [insert] = insert_statements(client)
    assert insert.upper().startswith("INSERT") and ContactRead.objects.count() == 23


@pytest.mark.parametrize("role", [Role.COMMITTEE, Role.MAYOR])
def test_a_download_with_masked_numbers_logs_nothing(role):
    DistrictFactory()
    submit(CategoryFactory(default_department=DepartmentFactory(code="roads")), phone="0501234134")
    client = Client()
    client.force_login(make_user(f"u-{role}", role))
    body = exported(client)
    assert "+966501234134" not in body and not ContactRead.objects.exists()


def test_the_report_list_shows_no_full_number_even_when_searched_by_it():
    DistrictFactory()
    report = submit(CategoryFactory(default_department=DepartmentFactory(code="roads")), phone="0501234134")
    client = Client()
    client.force_login(make_user("roads", Role.OFFICER, department=report.department))
    page = client.get("/admin/complaints/complaint/", {"q": "0501234134"}).content.decode()
    # Found, but only what was typed is echoed back: the stored number is not shown.
    assert report.tracking_number in page and "+966501234134" not in page
    assert not ContactRead.objects.exists()


def test_the_log_cannot_be_edited_added_to_or_erased_even_by_an_administrator():
    DistrictFactory()
    report = submit(CategoryFactory(default_department=DepartmentFactory(code="roads")), phone="0501234134")
    officer = make_user("roads", Role.OFFICER, department=report.department)
    Client().force_login(officer)
    read = ContactRead.objects.create(complaint=report, user=officer)
    admin = Client()
    admin.force_login(make_user("admin1", Role.ADMIN))
    assert admin.get("/admin/complaints/contactread/add/").status_code == 403
    page = admin.get(f"/admin/complaints/contactread/{read.pk}/change/")
    assert page.status_code == 200 and 'name="where"' not in page.content.decode()
    admin.post(f"/admin/complaints/contactread/{read.pk}/change/", {"where": "export"})
    read.refresh_from_db()
    assert read.where == ContactRead.Where.REPORT_PAGE
    assert admin.post(f"/admin/complaints/contactread/{read.pk}/delete/", {"post": "yes"}).status_code == 403
    admin.post("/admin/complaints/contactread/", {"action": "delete_selected", "_selected_action": [read.pk], "post": "yes"})
    assert ContactRead.objects.filter(pk=read.pk).exists()
    # Nor by deleting the report it is about: that report waits for the retention period instead.
    assert admin.post(f"/admin/complaints/complaint/{report.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ContactRead.objects.filter(pk=read.pk).exists()
    officer_client = Client()
    officer_client.force_login(officer)
    assert officer_client.get("/admin/complaints/contactread/").status_code == 403


def test_the_outbox_masks_citizens_numbers_in_its_list_and_logs_the_message_page():
    DistrictFactory()
    report = submit(CategoryFactory(default_department=DepartmentFactory(code="roads")), phone="0501234134")
    sms = Outbox.objects.filter(complaint=report, recipient="+966501234134").first()
    assert sms is not None and sms.is_citizen
    admin = Client()
    admin.force_login(make_user("admin1", Role.ADMIN))
    listing = admin.get("/admin/notifications/outbox/").content.decode()
    assert "+9665•••••134" in listing and "+966501234134" not in listing and not ContactRead.objects.exists()
    page = admin.get(f"/admin/notifications/outbox/{sms.pk}/change/").content.decode()
    assert "+966501234134" in page
    [read] = ContactRead.objects.all()
    assert (read.complaint_id, read.where, read.user.username) == (report.pk, ContactRead.Where.OUTBOX, "admin1")
