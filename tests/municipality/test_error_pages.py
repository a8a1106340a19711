"""Refusals and mistakes get a page in the reader's language with the reason and a way back."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from municipality.models import Role
from tests.browser import js_errors, log_in, open_page
from tests.factories import DepartmentFactory, make_user

pytestmark = pytest.mark.django_db


def arabic(client: Client) -> Client:
    return client


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def test_a_citizen_on_a_missing_page_reads_arabic_with_a_way_back(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'dir="rtl"' in page and "هذه الصفحة غير موجودة" in page
    assert 'href="/track/"' in page and 'href="/"' in page


def test_the_same_page_in_english(client):
    page = english(client).get("/track/nonsense-token-x/").content.decode()
    assert 'dir="ltr"' in page and "This page does not exist" in page


def test_an_officer_refused_the_committee_pages_reads_why_and_where_to_go(client):
    officer = make_user("roads1", Role.OFFICER, department=DepartmentFactory())
    client.force_login(officer)
    response = english(client).get("/reports/weekly/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "You may not open this page" in page
    assert "for the follow-up committee, the mayor and administrators" in page  # the reason the view gave
    assert 'href="/admin/"' in page  # the officer's start page
    assert "/reports/weekly/" not in page.split("error-links", 1)[1]  # no link to what was refused


def test_a_head_refused_the_weekly_report_gets_links_to_what_they_may_open(client):
    head = make_user("head1", Role.HEAD, department=DepartmentFactory())
    client.force_login(head)
    page = client.get("/reports/weekly/").content.decode()
    assert "لا يمكنك فتح هذه الصفحة" in page
    way_back = page.split("error-links", 1)[1]
    assert 'href="/reports/"' in way_back and 'href="/routing/joint-operations/"' in way_back


def test_the_500_page_needs_no_database_and_points_home():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "حدث خطأ من جهتنا" in page and 'href="/track/"' in page


def test_a_refused_next_lands_on_the_roles_start_page_not_accounts_profile(client):
    make_user("chair", Role.COMMITTEE)
    response = client.post(
        "/admin/login/?next=https://evil.example/steal",
        {"username": "chair", "password": "pw", "next": "https://evil.example/steal"},
    )
    assert response.status_code == 302 and response["Location"] == "/staff/"
    assert client.get("/staff/")["Location"] == "/reports/"
    make_user("roads2", Role.OFFICER, department=DepartmentFactory())
    other = Client()
    other.post("/admin/login/", {"username": "roads2", "password": "pw", "next": "//evil.example"})
    assert other.get("/staff/")["Location"] == "/admin/"


@pytest.mark.browser
def test_a_refused_page_in_chromium_reads_as_the_municipalitys_page(live_server, transactional_db):
    officer = make_user("roads3", Role.OFFICER, department=DepartmentFactory())
    with open_page(live_server, locale="en-US", viewport=(390, 800)) as page:
        log_in(page, live_server, officer)
        response = page.goto(live_server.url + "/reports/")
        assert response.status == 403
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.get_by_role("heading", level=1).inner_text() == "لا يمكنك فتح هذه الصفحة"
        page.get_by_role("link", name="اذهب إلى صفحة البداية").click()
        page.wait_for_url("**/admin/")
        assert js_errors(page) == []
