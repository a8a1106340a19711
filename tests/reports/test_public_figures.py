"""/figures/: the city's figures for anyone, and an open-data file with nothing that points at a person."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from django.http import StreamingHttpResponse

from complaints.models import Complaint
from reports import services
from reports.kpis import RIYADH
from reports.models import WeeklyReport
from reports.selectors import OPEN_DATA_FIELDS
from sla import clock as sla
from tests.browser import js_errors, open_page
from tests.factories import CategoryFactory, MainCategoryFactory
from tests.reports.conftest import WEEK

pytestmark = pytest.mark.django_db


def download(client) -> tuple[StreamingHttpResponse, list[list[str]], str]:
    response = client.get("/figures/open-data.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return response, list(csv.reader(io.StringIO(text))), text


def test_anyone_reads_the_weeks_figures_from_the_frozen_snapshots(client, week_data):
    services.weekly_report_compile(week_start=WEEK, render_pdf=False)
    # Data changed after the week was frozen: the public page still shows the snapshot.
    Complaint.objects.filter(pk=week_data.c["F"].pk).delete()
    response = client.get("/figures/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'dir="rtl"' in page and "أرقام المدينة" in page
    week = response.context["weeks"][0]
    assert week["week_start"] == WEEK and week["received"] == 9
    assert '<span class="rp-date">2026-11-01</span> – <span class="rp-date">2026-11-07</span>' in page
    assert response["Cache-Control"] == "public, max-age=600"


def test_the_english_page_is_its_own_address(client, week_data):
    response = client.get("/figures/?lang=en")
    page = response.content.decode()
    assert 'lang="en"' in page and "The city's figures" in page and response["Content-Language"] == "en"
    assert 'href="?lang=ar"' in page
    assert "csrfmiddlewaretoken" not in page  # nothing personal in a page shared caches keep


def test_a_week_compiled_before_it_ended_is_not_published(client, week_data):
    wednesday = datetime(2026, 11, 4, 12, 0, tzinfo=RIYADH)
    services.weekly_report_compile_now(week_start=WEEK, actor=None, now=wednesday)
    assert WeeklyReport.objects.get().is_partial
    assert client.get("/figures/").context["weeks"] == []


def test_departments_are_ranked_by_on_time_completion(client, week_data):
    services.weekly_report_compile(week_start=WEEK, render_pdf=False)
    ranking = client.get("/figures/?lang=en").context["departments"]
    snapshot = {row["id"]: row for row in WeeklyReport.objects.get().kpis["departments"] if row["id"]}
    assert [r["name_ar"] for r in ranking] == [
        row["name_ar"]
        for row in sorted(snapshot.values(), key=lambda row: (row["sla_pct"] is None, -(row["sla_pct"] or 0), -row["finished"]))
    ]
    assert ranking[0]["on_time_pct"] >= ranking[-1]["on_time_pct"]


def test_the_published_service_levels_are_the_clocks_own(client, week_data):
    groups = client.get("/figures/").context["sla_groups"]
    sub = groups[0]["subs"][0]
    category = sub["category"]

    target = sla.target_for(category=category, priority=category.default_priority)
    assert sub["resolution_hours"] == round(target.resolution.total_seconds() / 3600, 1)


def test_the_open_data_file_streams_every_report_without_personal_data(client, week_data):
    marked = week_data.c["A"]
    Complaint.objects.filter(pk=marked.pk).update(
        description="حفرة أمام منزل أبو فهد الشهري",
        reporter_name="فهد الشهري",
        reporter_phone="0551234567",
        reporter_email="fahad@example.com",
        address="شارع الملك فيصل، منزل 12",
        rating_comment="شكرا للأخ سعيد",
        lat=18.312345,
        lon=42.734567,
    )
    response, rows, text = download(client)
    assert isinstance(response, StreamingHttpResponse)
    assert response["Cache-Control"] == "public, max-age=600" and "license" in response["Link"]
    assert rows[0] == [name for name, _help in OPEN_DATA_FIELDS]
    assert len(rows) == 1 + Complaint.objects.count()
    for secret in ("فهد", "0551234567", "fahad@", "الملك فيصل", "سعيد", "منزل", marked.tracking_number, marked.token):
        assert secret not in text, secret
    for number in Complaint.objects.values_list("tracking_number", flat=True):
        assert number not in text
    latitudes = {row[rows[0].index("latitude")] for row in rows[1:]}
    assert "18.312" in latitudes and all(len(value.split(".")[1]) == 3 for value in latitudes)
    received = {row[rows[0].index("received_date")] for row in rows[1:]}
    assert all(len(value) == 10 for value in received)  # the day, not the minute


def test_the_page_lists_the_files_columns_and_licence(client, db):
    page = client.get("/figures/?lang=en").content.decode()
    for name, _help in OPEN_DATA_FIELDS:
        assert f"<code>{name}</code>" in page
    assert 'rel="license"' in page and "Creative Commons Attribution 4.0 International" in page
    arabic = client.get("/figures/?lang=ar").content.decode()
    assert "المشاع الإبداعي" in arabic and "Creative Commons" not in arabic and "UTF-8" not in arabic


@pytest.mark.browser
def test_the_figures_page_in_chromium_in_both_languages(live_server, transactional_db):

    CategoryFactory(parent=MainCategoryFactory(name_ar="الطرق", name_en="Roads"), name_ar="حفرة", name_en="Pothole")
    with open_page(live_server, locale="en-US", viewport=(390, 844)) as page:
        page.goto(live_server.url + "/figures/")
        assert page.get_by_role("heading", level=1).inner_text() == "أرقام المدينة"
        assert page.get_by_role("table", name="الطرق").is_visible()
        page.get_by_role("link", name="English").click()
        page.wait_for_url("**/figures/?lang=en")
        assert page.get_by_role("heading", level=1).inner_text() == "The city's figures"
        assert page.get_by_role("link", name="Download the open data (CSV file)").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert js_errors(page) == []
