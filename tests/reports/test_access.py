"""Who may open the committee's pages — tried from the refused side."""

from __future__ import annotations

import pytest
from django.urls import reverse

from municipality.models import Role
from reports import services
from tests.factories import UtilityFactory, make_user
from tests.reports.conftest import WEEK

pytestmark = pytest.mark.django_db

PAGES = [
    reverse("reports:dashboard"),
    reverse("reports:overdue"),
    reverse("reports:export_complaints", args=["csv"]),
    reverse("reports:export_kpis", args=["departments", "xlsx"]),
    reverse("reports:weekly_archive"),
]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("role", [Role.OFFICER, Role.LIAISON, Role.AGENT, None])
@pytest.mark.parametrize("url", PAGES)
def test_staff_without_a_report_role_are_refused(client, week_data, role, url):
    user = make_user(
        f"u-{role}",
        role,
        department=week_data.dept1 if role == Role.OFFICER else None,
        utility=UtilityFactory() if role == Role.LIAISON else None,
    )
    client.force_login(user)
    assert client.get(url).status_code == 403


def test_the_weekly_report_and_its_pdf_are_refused_to_officers_and_heads(client, week_data):
    services.weekly_report_compile(week_start=WEEK, render_pdf=False)
    for role in (Role.OFFICER, Role.HEAD):
        client.force_login(make_user(f"w-{role}", role, department=week_data.dept1))
        assert client.get(f"/reports/weekly/{WEEK}/").status_code == 403
        assert client.get(f"/reports/weekly/{WEEK}/pdf/").status_code == 403


@pytest.mark.parametrize("role", [Role.COMMITTEE, Role.MAYOR])
def test_committee_and_mayor_see_every_department(client, week_data, role):
    client.force_login(make_user(f"c-{role}", role))
    response = client.get("/reports/", {"date_from": "2026-11-01", "date_to": "2026-11-07"})
    assert response.status_code == 200
    k = response.context["k"]
    assert k["summary"]["received"] == 9
    assert {r["id"] for r in k["departments"]} == {week_data.dept1.pk, week_data.dept2.pk}


def test_a_head_sees_only_their_department(client, week_data):
    head = make_user("head", Role.HEAD, department=week_data.dept1)
    client.force_login(head)
    week = {"date_from": "2026-11-01", "date_to": "2026-11-07"}
    response = client.get("/reports/", week)
    k = response.context["k"]
    assert k["summary"]["received"] == 6
    assert [r["id"] for r in k["departments"]] == [week_data.dept1.pk]
    assert k["overdue"] == []  # F belongs to the other department
    # Asking for the other department by URL does not widen the scope.
    response = client.get("/reports/", {**week, "department": week_data.dept2.pk})
    assert response.context["k"]["summary"]["received"] == 0
    assert response.context["filter"].form.errors  # not a choice for them
    # Nor do the exports.
    body = b"".join(client.get("/reports/export/complaints.csv", week).streaming_content).decode()
    assert week_data.c["A"].tracking_number in body
    assert week_data.c["F"].tracking_number not in body and week_data.c["B"].tracking_number not in body
    table = b"".join(client.get("/reports/export/departments.csv", week).streaming_content)
    assert week_data.dept1.name_ar.encode() in table and week_data.dept2.name_ar.encode() not in table
    assert client.get("/reports/export/departments.csv", {**week, "department": week_data.dept2.pk}).status_code == 400
    assert client.get("/reports/weekly/").status_code == 403


def test_a_head_refused_the_weekly_report_reads_who_it_is_for_not_that_heads_may(client, week_data):
    """The 403 page gave the dashboard's reason ("… and department heads") to a head refused the weekly report."""
    client.force_login(make_user("w-head", Role.HEAD, department=week_data.dept1))
    client.cookies["django_language"] = "en"
    page = client.get("/reports/weekly/")
    assert page.status_code == 403
    text = page.content.decode()
    assert "the follow-up committee, the mayor and administrators" in text
    assert "department heads" not in text
