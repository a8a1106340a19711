"""PDPL: staff reads of a reporter's full number are logged (who, when, which report), visible to administrators."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from complaints.models import ContactRead
from municipality.models import Role
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
