"""Configuration history (PDPL, accountability): who changed routing, SLA targets, owners and roles, what and when —
recorded for edits through the admin, readable by administrators only."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from municipality.models import Department, Role, StaffProfile
from routing.models import RoutingRule
from sla.models import EscalationStep, PrioritySLA
from tests.factories import CategoryFactory, DepartmentFactory, UtilityFactory, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "the-Right-password-2026"


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(make_user("chief", Role.ADMIN))
    return client


def versions(model, pk):
    return list(model.history.filter(id=pk).order_by("history_date", "history_id"))  # the versions' own pk is history_id


def test_editing_a_routing_rule_in_the_admin_records_who_changed_what(admin_client):
    roads, lights = DepartmentFactory(code="roads"), DepartmentFactory(code="lights")
    pothole = CategoryFactory(default_department=roads)
    response = admin_client.post(
        reverse("admin:routing_routingrule_add"),
        {"category": pothole.pk, "department": roads.pk, "order": 100, "active": "on", "note": ""},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    rule = RoutingRule.objects.get()
    change = reverse("admin:routing_routingrule_change", args=[rule.pk])
    response = admin_client.post(
        change, {"category": pothole.pk, "department": lights.pk, "order": 100, "active": "on", "note": "night crews"}
    )
    assert response.status_code == 302
    created, edited = versions(RoutingRule, rule.pk)
    assert (created.history_type, edited.history_type) == ("+", "~")
    assert created.history_user.username == edited.history_user.username == "chief"
    delta = edited.diff_against(created)
    assert {c.field: (c.old, c.new) for c in delta.changes} == {
        "department": (roads.pk, lights.pk),
        "note": ("", "night crews"),
    }
    page = admin_client.get(reverse("admin:routing_routingrule_history", args=[rule.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "chief" in html and "night crews" in html


def test_sla_targets_and_ladder_steps_keep_their_versions(admin_client):
    target = PrioritySLA.objects.order_by("pk").first()
    response = admin_client.post(
        reverse("admin:sla_prioritysla_change", args=[target.pk]),
        {"priority": target.priority, "clock": target.clock, "response_hours": "3", "resolution_hours": "9"},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    [version] = versions(PrioritySLA, target.pk)
    assert version.history_user.username == "chief" and str(version.resolution_hours) == "9.00"
    step = EscalationStep.objects.order_by("pk").first()
    response = admin_client.post(
        reverse("admin:sla_escalationstep_change", args=[step.pk]),
        {"percent": 60, "audience": step.audience, "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    [version] = versions(EscalationStep, step.pk)
    assert version.percent == 60 and version.history_user.username == "chief"


def test_a_staff_members_role_change_is_on_their_history_page(admin_client):
    roads = DepartmentFactory(code="roads")
    officer = make_user("roads1", Role.OFFICER, department=roads)
    profile = officer.staff_profile
    change = reverse("admin:auth_user_change", args=[officer.pk])
    form = {
        "username": "roads1",
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "is_staff": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "staff_profile-TOTAL_FORMS": "1",
        "staff_profile-INITIAL_FORMS": "1",
        "staff_profile-MIN_NUM_FORMS": "0",
        "staff_profile-MAX_NUM_FORMS": "1",
        "staff_profile-0-id": profile.pk,
        "staff_profile-0-user": officer.pk,
        "staff_profile-0-role": Role.HEAD,
        "staff_profile-0-department": roads.pk,
        "staff_profile-0-phone": "",
    }
    response = admin_client.post(change, form)
    assert response.status_code == 302, response.content.decode()[-3000:]
    latest = StaffProfile.history.filter(id=profile.pk).latest("history_date")
    assert latest.role == Role.HEAD and latest.history_user.username == "chief"
    page = admin_client.get(reverse("admin:auth_user_history", args=[officer.pk])).content.decode()
    assert 'id="role-history"' in page and str(Role.HEAD.label) in page and "chief" in page


def test_signing_in_adds_no_version_and_no_version_keeps_a_password_hash():
    user = make_user("roads1", Role.OFFICER, department=DepartmentFactory(), password=PASSWORD)
    User = get_user_model()
    before = User.history.filter(id=user.pk).count()
    client = Client()
    assert client.post("/admin/login/?next=/admin/", {"username": "roads1", "password": PASSWORD}).status_code == 302
    assert User.history.filter(id=user.pk).count() == before
    assert "password" not in {f.name for f in User.history.model._meta.fields}


@pytest.mark.parametrize("role", [Role.COMMITTEE, Role.MAYOR, Role.HEAD, Role.OFFICER, Role.LIAISON])
def test_nobody_but_an_administrator_reads_the_history(role, admin_client):
    roads = DepartmentFactory(code="roads")
    department = Department.objects.get(pk=roads.pk)
    admin_client.post(
        reverse("admin:municipality_department_change", args=[department.pk]),
        {"name_ar": "الطرق", "name_en": "Roads", "code": "roads", "email": "", "active": "on"},
    )
    assert Department.history.filter(id=department.pk).exists()
    rule_target = PrioritySLA.objects.order_by("pk").first()
    client = Client()
    kwargs = {"department": roads} if role in (Role.HEAD, Role.OFFICER) else {}
    if role == Role.LIAISON:
        kwargs = {"utility": UtilityFactory()}
    client.force_login(make_user(f"u-{role}", role, **kwargs))
    for url in (
        reverse("admin:municipality_department_history", args=[department.pk]),
        reverse("admin:sla_prioritysla_history", args=[rule_target.pk]),
        reverse("admin:auth_user_history", args=[department.pk]),
        reverse("admin:complaints_category_history", args=[CategoryFactory().pk]),
        reverse(
            "admin:municipality_department_simple_history",
            args=[department.pk, Department.history.filter(id=department.pk).latest("history_date").history_id],
        ),
    ):
        response = client.get(url)
        assert response.status_code in (403, 404), (role, url, response.status_code)
        assert "الطرق" not in response.content.decode()
