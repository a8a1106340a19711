"""A weekly report from day one: seed_demo compiles the last weeks; the committee compiles this week on request."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.management import call_command

from municipality.models import Role
from reports import services
from reports.kpis import RIYADH
from reports.models import WeeklyReport
from reports.progress import weekly_compile_progress
from tests.browser import js_errors, log_in, open_page
from tests.factories import DepartmentFactory, UtilityFactory, make_user
from tests.reports.conftest import WEEK

pytestmark = pytest.mark.django_db


def test_seed_demo_leaves_the_last_whole_weeks_compiled(client):
    call_command("seed_demo", complaints=20, weeks=2, stdout=open("/dev/null", "w"))
    newest = services.last_complete_week_start()
    assert list(WeeklyReport.objects.values_list("week_start", flat=True)) == [newest, newest - timedelta(weeks=1)]
    assert all(not report.is_partial for report in WeeklyReport.objects.all())
    client.force_login(make_user("chair", Role.COMMITTEE))
    page = client.get("/reports/weekly/").content.decode()
    assert f"/reports/weekly/{newest.isoformat()}/" in page
    assert "No weekly report has been compiled yet." not in page


def test_the_command_compiles_the_last_weeks_and_refuses_nonsense(capsys):
    call_command("compile_weekly_report", last=3, no_send=True)
    assert WeeklyReport.objects.count() == 3
    call_command("compile_weekly_report", last=3, no_send=True)  # kept, not duplicated
    assert WeeklyReport.objects.count() == 3
    with pytest.raises(Exception, match="--last"):
        call_command("compile_weekly_report", last=-2)


def test_the_committee_compiles_this_week_now_and_follows_it(client, django_capture_on_commit_callbacks):
    committee = make_user("chair", Role.COMMITTEE)
    client.force_login(committee)
    archive = client.get("/reports/weekly/").content.decode()
    assert "Compile this week now" in archive or "جمّع هذا الأسبوع الآن" in archive
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/weekly/compile/")
    assert response.status_code == 302 and response["Location"] == "/reports/weekly/"
    this_week = services.this_week_start()
    report = WeeklyReport.objects.get(week_start=this_week)
    assert report.generated_by == committee and report.is_partial
    status = client.get("/reports/weekly/compile/status/").json()
    assert status["state"] == "done" and status["percent"] == 100 and status["url"] == report.get_absolute_url()
    # Asked again the same week: the snapshot is compiled again, not duplicated.
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/reports/weekly/compile/")
    report.refresh_from_db()
    assert WeeklyReport.objects.count() == 1 and report.recompiled_by == committee


@pytest.mark.parametrize("role", [Role.MAYOR, Role.HEAD, Role.OFFICER, Role.LIAISON, Role.AGENT])
def test_only_the_committee_and_administrators_compile(client, role):
    if role == Role.LIAISON:
        user = make_user("someone", role, utility=UtilityFactory())
    else:
        user = make_user("someone", role, department=DepartmentFactory())
    client.force_login(user)
    assert client.post("/reports/weekly/compile/").status_code == 403
    assert client.get("/reports/weekly/compile/status/").status_code == 403
    assert not WeeklyReport.objects.exists()
    assert weekly_compile_progress(week_start=services.this_week_start()) is None


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.post("/reports/weekly/compile/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not WeeklyReport.objects.exists()


def test_a_week_compiled_midweek_is_compiled_again_once_it_is_over(week_data):
    wednesday = datetime(2026, 11, 4, 12, 0, tzinfo=RIYADH)
    partial = services.weekly_report_compile_now(week_start=WEEK, actor=week_data.admin, now=wednesday)
    assert partial.is_partial
    received_by_wednesday = partial.kpis["summary"]["received"]
    after = datetime(2026, 11, 8, 7, 0, tzinfo=RIYADH)
    whole = services.weekly_report_compile(week_start=WEEK, now=after, render_pdf=False)
    assert whole.pk == partial.pk and not whole.is_partial
    assert whole.kpis["summary"]["received"] == 9 >= received_by_wednesday


@pytest.mark.browser
def test_the_committee_clicks_compile_and_sees_the_report_ready(live_server, transactional_db):
    committee = make_user("chair", Role.COMMITTEE)
    with open_page(live_server, locale="en-US", viewport=(1280, 900)) as page:
        log_in(page, live_server, committee)
        page.goto(live_server.url + "/reports/weekly/")
        page.get_by_role("button", name="جمّع هذا الأسبوع الآن").click()
        status = page.get_by_role("status")
        status.get_by_text("اكتمل التجميع.").wait_for()
        assert status.locator("progress").get_attribute("value") == "100"
        page.get_by_role("link", name="افتح التقرير").click()
        page.wait_for_url(f"**/reports/weekly/{services.this_week_start().isoformat()}/")
        assert js_errors(page) == []
