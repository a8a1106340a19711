"""The role sets live in complaints.access, and every page answers by them: walked as each role."""

import pytest

from complaints import access
from complaints.models import Complaint
from complaints.workflow import Status
from municipality.models import Role
from tests.factories import DepartmentFactory, UtilityFactory, make_user

pytestmark = pytest.mark.django_db
ROLES = [Role.ADMIN, Role.AGENT, Role.OFFICER, Role.HEAD, Role.LIAISON, Role.COMMITTEE, Role.MAYOR]
PAGES = {
    "/reports/": access.DASHBOARD_ROLES,
    "/reports/weekly/": access.WEEKLY_REPORT_ROLES,
    "/routing/joint-operations/": access.BOARD_ROLES,
}


@pytest.fixture
def users():
    roads, water = DepartmentFactory(code="roads"), UtilityFactory(code="water")
    return {
        role: make_user(
            role, role, department=roads if role in access.WORK_ROLES else None, utility=water if role == Role.LIAISON else None
        )
        for role in ROLES
    }


@pytest.mark.parametrize("role", ROLES)
def test_each_page_opens_for_exactly_the_roles_its_set_names(client, users, role):
    client.force_login(users[role])
    opened = {page: client.get(page).status_code == 200 for page in PAGES}
    assert opened == {page: role in roles for page, roles in PAGES.items()}


@pytest.mark.parametrize("status", list(Status))
def test_an_agent_works_only_unstarted_reports(users, status):
    assert access.can_work(users[Role.AGENT], Complaint(status=status)) == (status in (Status.NEW, Status.ASSIGNED))
