"""Hidden mobiles stay hidden in the admin: no filter the page does not offer, masked for roles that do not need them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from complaints import services
from municipality.models import Role
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, UtilityFactory, make_user, submit

pytestmark = pytest.mark.django_db

LIST = "/admin/complaints/complaint/"
EXPORT = "/admin/complaints/complaint/export/"


@pytest.fixture
def report():
    DistrictFactory()
    roads = DepartmentFactory(code="roads")
    return submit(CategoryFactory(default_department=roads), phone="0501234134", reporter_name="سالم")


def login(client, role, report):
    department = report.department if role in (Role.OFFICER, Role.HEAD) else None
    client.force_login(make_user(f"u-{role}", role, department=department))


@pytest.mark.parametrize("role", [Role.COMMITTEE, Role.MAYOR, Role.OFFICER, Role.ADMIN])
def test_filters_the_page_does_not_offer_are_refused_for_every_role(client, report, role):
    login(client, role, report)
    for lookup in ("reporter_phone__startswith", "reporter_phone", "reporter_name__contains", "token__startswith"):
        value = {"reporter_phone__startswith": "+9665", "reporter_phone": "+966501234134"}.get(lookup, "a")
        assert client.get(LIST, {lookup: value}).status_code == 400, (role, lookup)
        assert client.get(EXPORT, {lookup: value}).status_code == 400, (role, lookup)


def test_the_offered_filters_still_work(client, report):
    login(client, Role.COMMITTEE, report)
    assert client.get(LIST, {"status__exact": "assigned"}).status_code == 200
    assert client.get(LIST, {"department__id__exact": report.department_id}).status_code == 200
    assert client.get(LIST, {"due": "overdue", "created_at__year": "2026"}).status_code == 200
    assert client.get(EXPORT, {"status__exact": "assigned"}).status_code == 200


@pytest.mark.parametrize("role", [Role.COMMITTEE, Role.MAYOR])
def test_roles_that_do_not_need_the_number_see_it_masked_on_the_page_and_in_the_export(client, report, role):
    login(client, role, report)
    page = client.get(reverse("admin:complaints_complaint_change", args=[report.pk])).content.decode()
    assert "+9665•••••134" in page and "+966501234134" not in page and "سالم" not in page
    export = b"".join(client.get(EXPORT).streaming_content).decode()
    assert "+9665•••••134" in export and "+966501234134" not in export and "سالم" not in export
    # Searching by the number finds nothing for them.
    listing = client.get(LIST, {"q": "0501234134"}).content.decode()
    assert report.tracking_number not in listing


def test_roles_that_work_the_report_see_the_number(client, report):
    login(client, Role.OFFICER, report)
    page = client.get(reverse("admin:complaints_complaint_change", args=[report.pk])).content.decode()
    assert "+966501234134" in page
    assert report.tracking_number in client.get(LIST, {"q": "0501234134"}).content.decode()


def test_a_utility_liaison_sees_the_referred_report_with_the_number_masked(client, report):
    officer = make_user("roads1", Role.OFFICER, department=report.department)
    water = UtilityFactory(code="water")
    services.complaint_refer(complaint=report, actor=officer, utility=water, reason="Water main leak under the road")
    client.force_login(make_user("water1", Role.LIAISON, utility=water))
    page = client.get(reverse("admin:complaints_complaint_change", args=[report.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "+9665•••••134" in html and "+966501234134" not in html and "سالم" not in html
    export = b"".join(client.get(EXPORT).streaming_content).decode()
    assert report.tracking_number in export and "+966501234134" not in export
    assert report.tracking_number not in client.get(LIST, {"q": "0501234134"}).content.decode()
