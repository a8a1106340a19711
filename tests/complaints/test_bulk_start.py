"""Start means the same thing from the report's page and from the bulk action."""

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from complaints import services
from complaints.models import Event
from complaints.workflow import Status
from municipality.models import Role
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, UtilityFactory, make_user, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral():
    DistrictFactory()
    roads = DepartmentFactory(code="roads")
    water = UtilityFactory(code="water")
    report = submit(CategoryFactory(default_department=roads))
    services.complaint_refer(
        complaint=report, actor=make_user("officer", Role.OFFICER, department=roads), utility=water, reason="A burst pipe"
    )
    return report, make_user("liaison", Role.LIAISON, utility=water)


def kinds(report) -> list[str]:
    return list(report.events.order_by("created_at", "pk").values_list("kind", flat=True))


def test_a_liaisons_bulk_start_on_a_referral_acknowledges_it_like_the_single_start(client, referral):
    report, liaison = referral
    client.force_login(liaison)
    response = client.post(
        reverse("admin:complaints_complaint_changelist"),
        {"action": "bulk_start", helpers.ACTION_CHECKBOX_NAME: [report.pk], "index": 0},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS
    assert kinds(report)[-2:] == [Event.Kind.ACKNOWLEDGED, Event.Kind.STARTED]


def test_the_single_start_on_a_referral_writes_the_same_events(client, referral):
    report, liaison = referral
    client.force_login(liaison)
    response = client.post(reverse("admin:complaints_complaint_workflow", args=[report.pk, "start"]), {"note": ""})
    assert response.status_code == 302
    report.refresh_from_db()
    assert kinds(report)[-2:] == [Event.Kind.ACKNOWLEDGED, Event.Kind.STARTED]


def test_the_bulk_actions_offered_are_generated_from_the_workflow_table(rf):
    from django.contrib.admin.sites import site

    from complaints.models import Complaint
    from complaints.workflow import BULK_ACTIONS

    request = rf.get("/")
    request.user = make_user("admin", Role.ADMIN)
    offered = site.get_model_admin(Complaint).get_actions(request)
    assert {name for name in offered if name.startswith("bulk_")} == {f"bulk_{action}" for action in BULK_ACTIONS}


def test_every_action_on_the_reports_page_has_its_service_named_in_services():
    from complaints.admin.panel import WORKFLOW

    assert set(WORKFLOW) == set(services.STAFF_ACTIONS)
