"""The officials' admin is scoped by role: tried from the refused side."""

import pytest
from django.urls import reverse

from complaints import services
from complaints.models import Complaint, Event
from complaints.workflow import Status
from municipality.models import Role
from tests.factories import (
    CategoryFactory,
    DepartmentFactory,
    DistrictFactory,
    UtilityFactory,
    make_user,
    submit,
)

pytestmark = pytest.mark.django_db


def change_url(c):
    return reverse("admin:complaints_complaint_change", args=[c.pk])


def action_url(c, action):
    return reverse("admin:complaints_complaint_workflow", args=[c.pk, action])


LIST = "admin:complaints_complaint_changelist"
EXPORT = "admin:complaints_complaint_export"


@pytest.fixture
def town():
    DistrictFactory()
    roads, cleaning = DepartmentFactory(code="roads"), DepartmentFactory(code="cleaning")
    water = UtilityFactory(code="water")
    t = type("Town", (), {})()
    t.roads, t.cleaning, t.water = roads, cleaning, water
    t.pothole = CategoryFactory(default_department=roads)
    t.garbage = CategoryFactory(default_department=cleaning)
    t.a = submit(t.pothole, phone="0501234567")
    t.b = submit(t.garbage, phone="0501234567")
    t.officer_a = make_user("officer_a", Role.OFFICER, department=roads)
    t.officer_b = make_user("officer_b", Role.OFFICER, department=cleaning)
    t.liaison = make_user("liaison", Role.LIAISON, utility=water)
    t.committee = make_user("committee", Role.COMMITTEE)
    t.mayor = make_user("mayor", Role.MAYOR)
    t.admin = make_user("boss", Role.ADMIN)
    return t


def test_reports_are_routed_to_their_departments(town):
    assert town.a.department == town.roads and town.b.department == town.cleaning
    assert town.a.status == town.b.status == Status.ASSIGNED


def test_an_officer_lists_only_their_departments_reports(client, town):
    client.force_login(town.officer_a)
    page = client.get(reverse(LIST), follow=True).content.decode()
    assert town.a.tracking_number in page
    assert town.b.tracking_number not in page


def test_an_officer_cannot_open_another_departments_report_by_url(client, town):
    client.force_login(town.officer_a)
    b = town.b
    assert client.get(change_url(b)).status_code == 404
    assert client.get(reverse("admin:complaints_complaint_history", args=[b.pk])).status_code == 404
    assert client.get(reverse("admin:complaints_complaint_delete", args=[b.pk])).status_code in (403, 404)
    response = client.post(action_url(b, "start"), {"wf-note": ""})
    assert response.status_code == 404
    response = client.post(action_url(b, "note"), {"wf-text": "sneaky", "wf-public": ""})
    assert response.status_code == 404
    b.refresh_from_db()
    assert b.status == Status.ASSIGNED
    assert not Event.objects.filter(complaint=b, text="sneaky").exists()
    # Their own report opens, with its history.
    assert client.get(change_url(town.a)).status_code == 200
    assert client.get(reverse("admin:complaints_complaint_history", args=[town.a.pk])).status_code == 200


def test_an_officer_cannot_post_to_the_change_page_itself(client, town):
    client.force_login(town.officer_a)
    assert client.post(change_url(town.a), {"description": "changed behind the services"}).status_code == 405
    town.a.refresh_from_db()
    assert town.a.description != "changed behind the services"


def test_the_csv_export_holds_only_the_users_reports(client, town):
    client.force_login(town.officer_a)
    response = client.get(reverse(EXPORT))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert town.a.tracking_number in body
    assert town.b.tracking_number not in body
    # Filters of the list apply to the export too.
    body = b"".join(client.get(reverse(EXPORT), {"status__exact": "closed"}).streaming_content).decode("utf-8-sig")
    assert town.a.tracking_number not in body


def test_searching_a_typed_local_mobile_finds_only_own_reports(client, town):
    client.force_login(town.officer_a)
    page = client.get(reverse(LIST), {"q": "0501234567"}).content.decode()
    assert town.a.tracking_number in page
    assert town.b.tracking_number not in page
    page = client.get(reverse(LIST), {"q": "+966 50 123 4567"}).content.decode()
    assert town.a.tracking_number in page


def test_a_tracking_number_typed_in_arabic_digits_is_found(client, town):
    client.force_login(town.officer_a)
    arabic = town.a.tracking_number.replace("-", "").translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    response = client.get(reverse(LIST), {"q": arabic})
    assert list(response.context["cl"].result_list) == [town.a]
    # Another department's number stays hidden.
    response = client.get(reverse(LIST), {"q": town.b.tracking_number})
    assert list(response.context["cl"].result_list) == []


def test_a_liaison_sees_only_what_was_referred_and_can_return_it(client, town):
    services.complaint_refer(complaint=town.a, actor=town.officer_a, utility=town.water, reason="Water main leak under the road")
    client.force_login(town.liaison)
    page = client.get(reverse(LIST), follow=True).content.decode()
    assert town.a.tracking_number in page and town.b.tracking_number not in page
    assert client.get(change_url(town.b)).status_code == 404

    page = client.get(change_url(town.a)).content.decode()
    assert action_url(town.a, "return") in page
    assert action_url(town.a, "transfer") not in page
    # A liaison may not transfer, even by posting by hand.
    response = client.post(action_url(town.a, "transfer"), {"wf-department": town.cleaning.pk, "wf-reason": "not ours"})
    assert response.status_code == 403

    response = client.post(action_url(town.a, "return"), {"wf-reason": "No water network at this point"})
    assert response.status_code == 302
    town.a.refresh_from_db()
    assert town.a.utility is None and town.a.department == town.roads
    assert Event.objects.filter(complaint=town.a, kind=Event.Kind.RETURNED, actor=town.liaison).exists()
    # Once returned, it is out of the liaison's queue.
    assert client.get(change_url(town.a)).status_code == 404


def test_the_referring_department_keeps_read_only_oversight(client, town):
    services.complaint_refer(complaint=town.a, actor=town.officer_a, utility=town.water, reason="Water main leak")
    client.force_login(town.officer_a)
    page = client.get(change_url(town.a))
    assert page.status_code == 200
    assert action_url(town.a, "start") not in page.content.decode()
    assert client.post(action_url(town.a, "start"), {"wf-note": ""}).status_code == 403


@pytest.mark.parametrize(
    "name", ["admin:complaints_complaint_changelist", "admin:complaints_complaint_export", "admin:complaints_complaint_add"]
)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, town, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_an_anonymous_visitor_cannot_open_or_work_a_report(client, town):
    for response in (client.get(change_url(town.a)), client.post(action_url(town.a, "start"), {})):
        assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    town.a.refresh_from_db()
    assert town.a.status == Status.ASSIGNED


@pytest.mark.parametrize("who", ["committee", "mayor"])
def test_committee_and_mayor_read_everything_but_cannot_act(client, town, who):
    client.force_login(getattr(town, who))
    page = client.get(reverse(LIST), follow=True).content.decode()
    assert town.a.tracking_number in page and town.b.tracking_number in page
    assert 'name="action"' not in page  # no bulk actions
    response = client.get(change_url(town.b))
    assert response.status_code == 200
    assert response.context["workflow_panels"] == []
    assert "/workflow/" not in response.content.decode()
    assert not response.context["show_contact"]
    assert town.b.reporter_phone not in response.content.decode()
    for action, data in [("start", {}), ("note", {"wf-text": "hello"}), ("close", {"wf-reason": "not_valid", "wf-note": "x"})]:
        assert client.post(action_url(town.b, action), data).status_code == 403
    town.b.refresh_from_db()
    assert town.b.status == Status.ASSIGNED
    assert client.get(reverse("admin:complaints_complaint_add")).status_code == 403


def test_a_user_without_a_staff_role_sees_nothing(client, town):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get(reverse(LIST)).status_code == 403
    assert client.get(change_url(town.a)).status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "admin:complaints_category_changelist",
        "admin:municipality_department_changelist",
        "admin:municipality_utility_changelist",
        "admin:municipality_district_changelist",
        "admin:auth_user_changelist",
        "admin:complaints_category_add",
    ],
)
def test_organisation_pages_are_for_administrators_only(client, town, name):
    client.force_login(town.officer_a)
    assert client.get(reverse(name)).status_code == 403
    client.force_login(town.admin)
    assert client.get(reverse(name)).status_code == 200


def test_the_admin_index_shows_each_role_only_its_own_modules(client, town):
    client.force_login(town.officer_a)
    page = client.get(reverse("admin:index")).content.decode()
    assert reverse(LIST) in page
    assert reverse("admin:municipality_department_changelist") not in page
    assert reverse("admin:complaints_category_changelist") not in page
    client.force_login(town.admin)
    page = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:municipality_department_changelist") in page
    assert reverse("admin:complaints_category_changelist") in page


def test_only_administrators_may_delete(client, town):
    client.force_login(town.officer_a)
    assert client.post(reverse("admin:complaints_complaint_delete", args=[town.a.pk]), {"post": "yes"}).status_code == 403
    assert Complaint.objects.filter(pk=town.a.pk).exists()
    client.force_login(town.admin)
    assert client.post(reverse("admin:complaints_complaint_delete", args=[town.a.pk]), {"post": "yes"}).status_code == 302
    assert not Complaint.objects.filter(pk=town.a.pk).exists()
