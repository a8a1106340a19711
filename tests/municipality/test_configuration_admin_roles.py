"""Every configuration page of the admin, walked as each role: administrators only."""

import pytest
from django.contrib import admin
from django.urls import reverse

from complaints.models import Complaint
from municipality.models import Role
from tests.factories import DepartmentFactory, UtilityFactory, make_user

pytestmark = pytest.mark.django_db

# The report admin is the work page, scoped per role (tests/complaints/test_admin_scope.py).
WORK_MODELS = {Complaint}
# Balagh's own apps (plus its staff users); Django's groups and the beat schedules stay superuser-only.
BALAGH_APPS = {"municipality", "complaints", "routing", "sla", "notifications", "reports", "channels"}


def configuration_pages() -> list[str]:
    pages = []
    for model in admin.site._registry:
        if model in WORK_MODELS or (model._meta.app_label not in BALAGH_APPS and model._meta.model_name != "user"):
            continue
        pages.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    return sorted(pages)


@pytest.fixture
def users():
    roads, water = DepartmentFactory(code="roads"), UtilityFactory(code="water")
    return {
        Role.ADMIN: make_user("boss", Role.ADMIN),
        Role.AGENT: make_user("agent", Role.AGENT),
        Role.OFFICER: make_user("officer", Role.OFFICER, department=roads),
        Role.HEAD: make_user("head", Role.HEAD, department=roads),
        Role.LIAISON: make_user("liaison", Role.LIAISON, utility=water),
        Role.COMMITTEE: make_user("committee", Role.COMMITTEE),
        Role.MAYOR: make_user("mayor", Role.MAYOR),
    }


def test_the_walk_covers_the_escalation_ladder_and_the_priority_targets():
    pages = " ".join(configuration_pages())
    assert "escalation" in pages and "prioritysla" in pages


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AGENT, Role.OFFICER, Role.HEAD, Role.LIAISON, Role.COMMITTEE, Role.MAYOR])
def test_each_configuration_page_opens_for_administrators_only(client, users, role):
    client.force_login(users[role])
    answers = {page: client.get(page).status_code for page in configuration_pages()}
    expected = 200 if role == Role.ADMIN else 403
    assert answers == dict.fromkeys(answers, expected)


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    for page in configuration_pages():
        response = client.get(page)
        assert response.status_code == 302 and "/login/" in response.url, page
