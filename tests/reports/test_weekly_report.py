"""The weekly snapshot: compiled once, recompiled on request, rendered to PDF and e-mailed."""

from __future__ import annotations

import subprocess
from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from complaints.models import Complaint
from municipality.models import Role
from reports import services
from reports.kpis import RIYADH
from reports.models import WeeklyReport
from reports.tasks import compile_and_send_weekly_report
from tests.factories import make_user
from tests.reports.conftest import WEEK

pytestmark = pytest.mark.django_db


def pdf_text(report) -> str:
    with report.pdf.open("rb") as fh:
        data = fh.read()
    assert data.startswith(b"%PDF")
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return result.stdout.decode()


def test_compiling_a_week_twice_returns_the_same_snapshot(week_data):
    first = services.weekly_report_compile(week_start=WEEK, render_pdf=False)
    assert first.kpis["summary"]["received"] == 9
    # The data changes afterwards; the snapshot does not.
    Complaint.objects.filter(pk=week_data.c["F"].pk).delete()
    again = services.weekly_report_compile(week_start=WEEK, render_pdf=False)
    assert again.pk == first.pk
    assert again.kpis["summary"]["received"] == 9
    assert WeeklyReport.objects.count() == 1


def test_recompile_records_who_did_it(week_data):
    report = services.weekly_report_compile(week_start=WEEK, render_pdf=False)
    Complaint.objects.filter(pk=week_data.c["F"].pk).delete()
    redone = services.weekly_report_recompile(report=report, actor=week_data.admin)
    assert redone.pk == report.pk
    assert redone.kpis["summary"]["received"] == 8
    assert redone.recompiled_by == week_data.admin and redone.recompiled_at is not None
    assert redone.pdf.name.endswith(".pdf")


def test_the_pdf_carries_the_arabic_summary(week_data):
    report = services.weekly_report_compile(week_start=WEEK)
    text = pdf_text(report)
    # Arabic words come back as words (shaped and in logical order), not boxes or isolated letters.
    for words in ("التقرير الأسبوعي", "ملخص", "البلاغات", "المتأخرة"):
        assert words in text, words
    assert week_data.c["F"].tracking_number in text  # the worst overdue report is on the first page
    first_page = text.split("\f")[0]
    assert week_data.c["F"].tracking_number in first_page


def test_the_mayor_and_committee_get_the_pdf_by_email(week_data, settings):
    settings.SITE_URL = "https://balagh.example.sa"
    mayor = make_user("mayor", Role.MAYOR)
    mayor.email = "mayor@example.sa"
    mayor.save()
    member = make_user("member", Role.COMMITTEE)
    member.email = "committee@example.sa"
    member.save()
    officer = make_user("officer", Role.OFFICER, department=week_data.dept1)
    officer.email = "officer@example.sa"
    officer.save()
    make_user("silent", Role.COMMITTEE)  # no e-mail address

    compile_and_send_weekly_report.delay(WEEK.isoformat())

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["committee@example.sa", "mayor@example.sa"]
    name, content, mimetype = message.attachments[0]
    assert mimetype == "application/pdf" and content.startswith(b"%PDF") and name.endswith("2026-11-01.pdf")
    assert "https://balagh.example.sa/reports/weekly/2026-11-01/" in message.body
    report = WeeklyReport.objects.get(week_start=WEEK)
    assert report.sent_at is not None and sorted(report.recipients) == ["committee@example.sa", "mayor@example.sa"]
    # Running the task again (a retry, a second beat) sends nothing more.
    compile_and_send_weekly_report.delay(WEEK.isoformat())
    assert len(mail.outbox) == 1


def test_the_task_compiles_the_week_before_by_default():
    sunday_morning = datetime(2026, 11, 22, 7, 0, tzinfo=RIYADH)
    assert services.last_complete_week_start(sunday_morning) == date(2026, 11, 15)
    saturday_night = datetime(2026, 11, 21, 23, 59, tzinfo=RIYADH)
    assert services.last_complete_week_start(saturday_night) == date(2026, 11, 8)


def test_the_command_compiles_and_refuses_bad_dates(week_data, capsys):
    call_command("compile_weekly_report", "--week", "2026-11-04", "--no-send")  # a Wednesday: its week
    assert WeeklyReport.objects.filter(week_start=WEEK).exists()
    assert "received 9" in capsys.readouterr().out
    with pytest.raises(CommandError, match="2026-13-45"):
        call_command("compile_weekly_report", "--week", "2026-13-45")
    future = date.today() + timedelta(days=30)
    with pytest.raises(CommandError, match=services.week_start_for(future).isoformat()):
        call_command("compile_weekly_report", "--week", future.isoformat())
    assert WeeklyReport.objects.count() == 1


def test_an_empty_week_still_makes_a_report(db):
    report = services.weekly_report_compile(week_start=date(2026, 6, 7))
    assert report.kpis["summary"]["received"] == 0
    assert "التقرير الأسبوعي" in pdf_text(report)


def test_weekly_report_is_scheduled_on_sunday_at_seven(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["weekly-report"]
    assert entry["task"] == "reports.tasks.compile_and_send_weekly_report"
    schedule = entry["schedule"]
    assert schedule.hour == {7} and schedule.minute == {0} and schedule.day_of_week == {0}
    assert settings.CELERY_TIMEZONE == "Asia/Riyadh"


def test_the_admin_recompile_action_records_who_did_it(client, week_data):
    report = services.weekly_report_compile(week_start=WEEK, render_pdf=False)
    admin_user = make_user("chief", Role.ADMIN)
    client.force_login(admin_user)
    response = client.post(
        "/admin/reports/weeklyreport/",
        {"action": "recompile", "_selected_action": [report.pk]},
        follow=True,
    )
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.recompiled_by == admin_user and report.recompiled_at is not None
    assert report.pdf.name.endswith(".pdf")


def test_the_archive_lists_weeks_and_the_page_shows_the_snapshot(client, week_data):
    report = services.weekly_report_compile(week_start=WEEK)
    client.force_login(make_user("mayor2", Role.MAYOR))
    archive = client.get("/reports/weekly/")
    assert archive.status_code == 200 and "/reports/weekly/2026-11-01/" in archive.content.decode()
    page = client.get("/reports/weekly/2026-11-01/")
    assert page.status_code == 200 and page.context["k"]["summary"]["received"] == 9
    assert 'dir="rtl"' in page.content.decode()
    pdf = client.get("/reports/weekly/2026-11-01/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert client.get("/reports/weekly/2026-11-02/").status_code == 404  # no report for that day
    assert client.get("/reports/weekly/yesterday/").status_code == 404
    assert report.pdf.name
