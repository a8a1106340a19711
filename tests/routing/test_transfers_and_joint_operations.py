"""Transfers (access follows the report), utility referrals and the Joint Operations board (bulk transfer: tests/complaints/test_admin_actions.py)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from complaints import access, services
from complaints.models import Event
from complaints.workflow import Status, TransitionError
from municipality.models import Role
from routing.selectors import open_referrals_by_utility
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, UtilityFactory, make_user, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    DistrictFactory()
    t = type("Town", (), {})()
    t.roads, t.cleaning = DepartmentFactory(code="roads"), DepartmentFactory(code="cleaning")
    t.water, t.power = UtilityFactory(code="water"), UtilityFactory(code="power")
    t.pothole = CategoryFactory(default_department=t.roads)
    t.report = submit(t.pothole)
    t.roads_officer = make_user("roads_officer", Role.OFFICER, department=t.roads)
    t.roads_head = make_user("roads_head", Role.HEAD, department=t.roads)
    t.cleaning_officer = make_user("cleaning_officer", Role.OFFICER, department=t.cleaning)
    t.cleaning_head = make_user("cleaning_head", Role.HEAD, department=t.cleaning)
    t.water_liaison = make_user("water_liaison", Role.LIAISON, utility=t.water)
    t.power_liaison = make_user("power_liaison", Role.LIAISON, utility=t.power)
    t.committee = make_user("committee", Role.COMMITTEE)
    t.agent = make_user("agent", Role.AGENT)
    t.admin = make_user("boss", Role.ADMIN)
    return t


def change_url(c):
    return reverse("admin:complaints_complaint_change", args=[c.pk])


def test_after_a_transfer_the_old_department_loses_access_also_by_url(client, town):
    client.force_login(town.roads_officer)
    assert client.get(change_url(town.report)).status_code == 200
    services.complaint_transfer(
        complaint=town.report, actor=town.roads_officer, department=town.cleaning, reason="ليست من اختصاص الطرق"
    )
    town.report.refresh_from_db()
    assert town.report.department == town.cleaning and town.report.transfer_count == 1
    assert client.get(change_url(town.report)).status_code in (302, 403, 404)
    assert not access.can_view(town.roads_officer, town.report)
    assert not access.can_work(town.roads_officer, town.report)
    with pytest.raises(PermissionDenied):
        services.complaint_add_note(complaint=town.report, actor=town.roads_officer, text="محاولة", public=False)
    client.force_login(town.cleaning_officer)
    assert client.get(change_url(town.report)).status_code == 200
    event = town.report.events.get(kind=Event.Kind.TRANSFERRED)
    assert event.actor == town.roads_officer and event.text == "ليست من اختصاص الطرق"


def test_a_transfer_needs_a_reason(town):
    with pytest.raises(TransitionError):
        services.complaint_transfer(complaint=town.report, actor=town.roads_officer, department=town.cleaning, reason=" ")


def refer(town, utility=None):
    return services.complaint_refer(
        complaint=town.report, actor=town.roads_officer, utility=utility or town.water, reason="تسرب مياه من الشبكة"
    )


def test_liaison_sees_and_works_only_their_utilitys_referrals(client, town):
    assert not access.can_view(town.water_liaison, town.report)
    refer(town)
    town.report.refresh_from_db()
    assert access.can_view(town.water_liaison, town.report) and access.can_work(town.water_liaison, town.report)
    assert not access.can_view(town.power_liaison, town.report)
    with pytest.raises(PermissionDenied):
        services.complaint_start(complaint=town.report, actor=town.power_liaison)
    client.force_login(town.power_liaison)
    assert client.get(change_url(town.report)).status_code in (302, 403, 404)
    client.force_login(town.water_liaison)
    assert client.get(change_url(town.report)).status_code == 200


def test_the_referring_department_keeps_read_only_oversight(client, town):
    refer(town)
    town.report.refresh_from_db()
    for user in (town.roads_officer, town.roads_head):
        assert access.can_view(user, town.report)
        assert not access.can_work(user, town.report)
        assert town.report in access.visible_complaints(user)
    assert not access.can_view(town.cleaning_officer, town.report)
    with pytest.raises(PermissionDenied):
        services.complaint_add_note(complaint=town.report, actor=town.roads_officer, text="متابعة", public=True)
    with pytest.raises(PermissionDenied):
        services.complaint_resolve(complaint=town.report, actor=town.roads_officer, note="تم")
    client.force_login(town.roads_officer)
    assert client.get(change_url(town.report)).status_code == 200


def test_liaison_acknowledges_by_starting_then_updates_and_resolves(town):
    refer(town)
    town.report.refresh_from_db()
    services.complaint_start(complaint=town.report, actor=town.water_liaison)
    town.report.refresh_from_db()
    assert town.report.status == Status.IN_PROGRESS and town.report.first_response_at is not None
    kinds = list(town.report.events.values_list("kind", flat=True))
    assert kinds[-2:] == [Event.Kind.ACKNOWLEDGED, Event.Kind.STARTED]
    with pytest.raises(TransitionError):
        services.complaint_start(complaint=town.report, actor=town.water_liaison)
    services.complaint_add_note(complaint=town.report, actor=town.water_liaison, text="الفريق في الموقع", public=True)
    assert town.report.events.filter(kind=Event.Kind.UPDATE, is_public=True, actor=town.water_liaison).exists()
    services.complaint_resolve(complaint=town.report, actor=town.water_liaison, note="تم إصلاح التسرب")
    town.report.refresh_from_db()
    assert town.report.status == Status.RESOLVED


def test_liaison_returns_a_referral_with_a_reason(town):
    refer(town)
    town.report.refresh_from_db()
    with pytest.raises(TransitionError):
        services.complaint_return(complaint=town.report, actor=town.water_liaison, reason="")
    services.complaint_return(complaint=town.report, actor=town.water_liaison, reason="ليست من شبكة المياه")
    town.report.refresh_from_db()
    assert town.report.utility is None and town.report.department == town.roads and town.report.status == Status.ASSIGNED
    assert access.can_work(town.roads_officer, town.report)
    assert not access.can_view(town.water_liaison, town.report)


def test_joint_operations_board_lists_open_referrals_oldest_first(client, town):
    refer(town)
    newer = submit(town.pothole)
    services.complaint_refer(complaint=newer, actor=town.roads_officer, utility=town.water, reason="تسرب")
    other = submit(CategoryFactory(default_department=town.cleaning))
    services.complaint_refer(complaint=other, actor=town.cleaning_officer, utility=town.power, reason="عمود كهرباء")
    board = open_referrals_by_utility()
    assert [g.utility.code for g in board] == ["water", "power"]
    assert [c.pk for c in board[0].referrals] == [town.report.pk, newer.pk]
    assert board[0].open_count == 2 and board[0].referrals[0].age.total_seconds() >= 0
    client.force_login(town.committee)
    page = client.get(reverse("routing:joint_operations"))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(town.report.tracking_number) < html.index(newer.tracking_number) < html.index(other.tracking_number)
    # A head sees their own department's referrals only.
    client.force_login(town.cleaning_head)
    html = client.get(reverse("routing:joint_operations")).content.decode()
    assert other.tracking_number in html and town.report.tracking_number not in html


@pytest.mark.parametrize("who", ["roads_officer", "water_liaison", "agent"])
def test_joint_operations_board_is_refused_to_other_roles(client, town, who):
    client.force_login(getattr(town, who))
    assert client.get(reverse("routing:joint_operations")).status_code == 403


def test_joint_operations_board_needs_a_login(client, town):
    response = client.get(reverse("routing:joint_operations"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_liaison_acknowledges_from_the_admin_page(client, town):
    refer(town)
    client.force_login(town.water_liaison)
    url = reverse("admin:complaints_complaint_workflow", args=[town.report.pk, "start"])
    response = client.post(url, {"note": "استلمنا البلاغ وسيتوجه الفريق"})
    assert response.status_code == 302
    town.report.refresh_from_db()
    assert town.report.status == Status.IN_PROGRESS
    ack = town.report.events.get(kind=Event.Kind.ACKNOWLEDGED)
    assert ack.actor == town.water_liaison and ack.is_public
    # The referring department may look but not act.
    client.force_login(town.roads_officer)
    response = client.post(
        reverse("admin:complaints_complaint_workflow", args=[town.report.pk, "note"]), {"text": "x", "public": ""}
    )
    assert response.status_code == 403
