"""One staff header on the admin and the report pages: who, which role, logout, and the pages the role may open."""

from __future__ import annotations

import pytest

from municipality.models import Role
from tests.browser import js_errors, open_page
from tests.factories import DepartmentFactory, make_user

pytestmark = pytest.mark.django_db


def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.mark.parametrize("role", [Role.COMMITTEE, Role.MAYOR])
def test_the_committee_and_the_mayor_land_on_the_dashboard(client, role):
    make_user("reader", role)
    response = client.post("/admin/login/", {"username": "reader", "password": "pw", "next": "/admin/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/reports/"
    assert response.status_code == 200


def test_an_officer_still_lands_on_the_admin(client):
    client.force_login(make_user("roads", Role.OFFICER, department=DepartmentFactory()))
    assert client.get("/admin/").status_code == 200


def test_a_heads_report_pages_carry_the_header_with_what_a_head_may_open(client):
    head = make_user("head", Role.HEAD, department=DepartmentFactory())
    head.first_name, head.last_name = "Sara", "Qahtani"
    head.save()
    client.force_login(head)
    page = english(client).get("/reports/").content.decode()
    bar = page.split('class="staff-bar"', 1)[1].split("</nav>", 1)[0]
    assert "Sara Qahtani" in bar and "Department head" in bar and "Log out" in bar
    for url in ("/reports/", "/reports/overdue/", "/routing/joint-operations/", "/admin/complaints/complaint/"):
        assert f'href="{url}"' in bar, url
    assert 'href="/reports/weekly/"' not in bar  # the weekly report covers the whole municipality


def test_an_officers_admin_header_links_their_queue_but_not_the_committee_pages(client):
    client.force_login(make_user("roads2", Role.OFFICER, department=DepartmentFactory()))
    page = english(client).get("/admin/complaints/complaint/?due=open").content.decode()
    tools = page.split('id="user-tools"', 1)[1].split("</div>", 1)[0]
    assert "My queue" in tools and "Department officer" in tools
    assert "/reports/" not in tools and "/routing/joint-operations/" not in tools


@pytest.mark.browser
def test_the_committee_signs_in_and_walks_the_header(live_server, transactional_db):
    make_user("chair", Role.COMMITTEE)
    with open_page(live_server, locale="ar", viewport=(1280, 900)) as page:
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", "chair")
        page.fill("#id_password", "pw")
        page.locator("input[type=submit]").click()
        page.wait_for_url("**/reports/")
        bar = page.get_by_role("navigation", name="الموظفون")
        bar.get_by_role("link", name="العمليات المشتركة").click()
        page.wait_for_url("**/routing/joint-operations/")
        page.get_by_role("navigation", name="الموظفون").get_by_role("button", name="تسجيل الخروج").click()
        page.wait_for_load_state()
        assert page.get_by_role("navigation", name="الموظفون").count() == 0
        assert js_errors(page) == []
