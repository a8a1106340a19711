"""The dashboard, its filters and the exports."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from complaints.models import Channel, Complaint
from complaints.workflow import Status
from municipality.models import Department, Role
from reports.filters import report_filter
from reports.kpis import RIYADH
from reports.selectors import dashboard_cache_key
from reports.tasks import refresh_dashboard, warm_dashboard
from tests.factories import CategoryFactory, MainCategoryFactory, make_user

pytestmark = pytest.mark.django_db
WEEK = {"date_from": "2026-11-01", "date_to": "2026-11-07"}


@pytest.fixture
def committee(client):
    client.force_login(make_user("member", Role.COMMITTEE))
    return client


def test_the_dashboard_shows_the_numbers_charts_map_and_admin_links(committee, week_data):
    response = committee.get("/reports/", WEEK)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html  # the trend chart, drawn without JavaScript libraries
    assert 'id="rp-hotspots"' in html and "leaflet" in html.lower()
    assert f"/admin/complaints/complaint/{week_data.c['F'].pk}/change/" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert "66,7" in html or "66.7" in html or "٦٦" in html  # completion


def test_filters_narrow_the_numbers(committee, week_data):
    by_channel = committee.get("/reports/", {**WEEK, "channel": "phone_940"}).context["k"]
    assert by_channel["summary"]["received"] == 0
    by_type = committee.get("/reports/", {**WEEK, "category": week_data.cat2.parent_id}).context["k"]
    assert by_type["summary"]["received"] == 2  # B and F, filed under the main type's sub-type
    by_dept = committee.get("/reports/", {**WEEK, "department": week_data.dept2.pk}).context["k"]
    assert by_dept["summary"]["received"] == 3


def test_bad_dates_get_a_clear_error_and_keep_the_input(committee, week_data):
    response = committee.get("/reports/", {"date_from": "2026-11-07", "date_to": "2026-11-01"})
    assert response.status_code == 400  # the page with the errors, as a 400
    html = response.content.decode()
    assert "2026-11-07" in html  # what was typed is still in the form
    assert response.context["filter"].form.non_field_errors()
    response = committee.get("/reports/", {"date_from": "not-a-date"})
    assert response.context["filter"].form.errors["date_from"]


def test_csv_export_of_the_filtered_complaints(committee, week_data):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = committee.get("/reports/export/complaints.csv", {**WEEK, "department": week_data.dept2.pk})
    assert response.streaming and response["X-Accel-Buffering"] == "no"  # a proxy passes it on as it comes
    with CaptureQueriesContext(connection):  # as with DEBUG on: every statement is also logged
        text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    numbers = {r[1] for r in rows[1:]}
    assert numbers == {week_data.c[n].tracking_number for n in "BFG"}

    # Times in Riyadh's local time, to the minute; a time not reached yet is left empty.

    by_number = {r[1]: r for r in rows[1:]}
    for name in "BFG":
        c = week_data.c[name]
        c.refresh_from_db()
        assert by_number[c.tracking_number][2] == c.created_at.astimezone(RIYADH).strftime("%Y-%m-%d %H:%M")
        for column, moment in ((15, c.resolution_due_at), (16, c.resolved_at), (17, c.closed_at)):
            assert by_number[c.tracking_number][column] == (
                moment.astimezone(RIYADH).strftime("%Y-%m-%d %H:%M") if moment else ""
            )
    assert by_number[week_data.c["B"].tracking_number][16]  # B was resolved: its time is there
    # Channel and status as the reader's words (Arabic here), not the stored codes.
    assert {r[5] for r in rows[1:]} <= {str(label) for label in Channel.labels}
    assert {r[7] for r in rows[1:]} <= {str(label) for label in Status.labels} and rows[1][7] not in Status.values


def test_a_name_that_looks_like_a_formula_is_exported_as_text(committee, week_data):

    Department.objects.filter(pk=week_data.dept2.pk).update(name_ar='=HYPERLINK("http://evil.example","اضغط")')
    response = committee.get("/reports/export/complaints.csv", {**WEEK, "department": week_data.dept2.pk})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert {r[9] for r in rows[1:]} == {'\'=HYPERLINK("http://evil.example","اضغط")'}  # not run by a spreadsheet
    # The XLSX keeps it as it is: its cells are text, never formulas.
    book = load_workbook(
        io.BytesIO(
            b"".join(
                committee.get("/reports/export/complaints.xlsx", {**WEEK, "department": week_data.dept2.pk}).streaming_content
            )
        )
    )
    cells = [row[9] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert cells and all(c.startswith("=HYPERLINK") for c in cells)
    assert all(cell.data_type == "s" for row in book.active.iter_rows(min_row=2) for cell in row[9:10])


def test_xlsx_export_of_the_department_table(committee, week_data):
    response = committee.get("/reports/export/departments.xlsx", WEEK)
    assert response.status_code == 200 and response.streaming
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) == 3  # header + two departments
    received = {r[0]: r[1] for r in rows[1:]}
    assert received[week_data.dept1.name_ar] == 6 and received[week_data.dept2.name_ar] == 3


def test_a_kpi_table_downloads_with_the_figures_of_the_page_it_came_from(committee, week_data):

    page = committee.get("/reports/", WEEK).context["k"]["departments"]
    # A report leaves the week after the page was shown; the download still matches the page.
    Complaint.objects.filter(pk=week_data.c["J"].pk).update(created_at=week_data.c["H"].created_at)
    response = committee.get("/reports/export/departments.csv", WEEK)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert {r[0]: int(r[1]) for r in rows[1:]} == {row["name_ar"]: row["received"] for row in page}
    assert rows[0][-2:] == ["التقدير", "المحوّلة لغيرها"]  # grade and transfers out, as on the page
    assert {r[0]: r[-2] for r in rows[1:]} == {row["name_ar"]: row["grade"] or "" for row in page}


def test_xlsx_export_of_the_complaints(committee, week_data):
    response = committee.get("/reports/export/complaints.xlsx", WEEK)
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert len(list(book.active.iter_rows(values_only=True))) == 10  # header + nine received


def test_the_dashboard_runs_a_fixed_number_of_queries(committee, week_data, django_assert_max_num_queries):
    with django_assert_max_num_queries(40):
        committee.get("/reports/", WEEK)


def test_the_dashboard_reuses_its_figures_for_the_same_filters(committee, week_data, django_assert_max_num_queries):
    committee.get("/reports/", WEEK)
    with django_assert_max_num_queries(8):  # session, user, filter choices; no KPI query
        response = committee.get("/reports/", WEEK)
    assert response.context["k"]["summary"]["received"] == 9


def test_the_warmer_prepares_the_default_dashboard(committee, week_data, django_assert_max_num_queries):

    warm_dashboard.delay()
    with django_assert_max_num_queries(8):
        response = committee.get("/reports/")
    assert response.status_code == 200 and "summary" in response.context["k"]


def test_the_warmer_prepares_each_heads_landing_page_and_only_theirs(client, week_data, django_assert_max_num_queries):

    head = make_user("head1", Role.HEAD, department=week_data.dept1)
    keys = warm_dashboard.delay().get()
    assert len(keys) == 3  # the committee's default view and each department's
    client.force_login(head)
    with django_assert_max_num_queries(8):  # no KPI query: the figures are ready
        response = client.get("/reports/")
    departments = response.context["k"]["departments"]
    assert [row["id"] for row in departments] in ([], [week_data.dept1.pk])  # never another department's row
    # A head of department 2, appointed after the warmer ran, finds their department ready too.
    client.force_login(make_user("head2", Role.HEAD, department=week_data.dept2))
    with django_assert_max_num_queries(8):
        response = client.get("/reports/")
    assert all(row["id"] == week_data.dept2.pk for row in response.context["k"]["departments"])


def test_a_heads_view_and_the_committees_department_filter_share_their_figures(client, week_data, django_assert_max_num_queries):
    head = make_user("head1", Role.HEAD, department=week_data.dept1)
    client.force_login(head)
    mine = client.get("/reports/", WEEK).context["k"]
    client.force_login(make_user("member", Role.COMMITTEE))
    with django_assert_max_num_queries(8):  # computed once, for whichever of them came first
        theirs = client.get("/reports/", {**WEEK, "department": week_data.dept1.pk}).context["k"]
    assert theirs == mine and mine["summary"]["received"] == 6
    # The other department, or the whole city, are other keys: a head's figures never stand in for them.
    whole = client.get("/reports/", WEEK).context["k"]
    other = client.get("/reports/", {**WEEK, "department": week_data.dept2.pk}).context["k"]
    assert whole["summary"]["received"] == 9 and other["summary"]["received"] == 3


def _view_key(data: dict | None = None, scope_department=None) -> str:
    """The cache key of the dashboard view with these query parameters."""
    from django.http import QueryDict
    from django.utils.http import urlencode

    flt = report_filter(QueryDict(urlencode(data)) if data else None, scope_department=scope_department)
    return dashboard_cache_key(flt=flt, scope_department=scope_department)


def _age_cached_figures(data: dict | None, *, seconds: float, scope_department=None) -> None:
    """Make the figures cached for this view ``seconds`` older, as if they had been computed that long ago."""
    from django.core.cache import cache

    key = _view_key(data, scope_department)
    entry = cache.get(key)
    assert entry is not None, "nothing cached for this view"
    cache.set(key, {**entry, "computed": entry["computed"] - seconds})


def test_older_figures_are_shown_at_once_while_newer_ones_are_computed(
    committee, week_data, settings, django_assert_max_num_queries
):

    settings.BALAGH_REPORTS_CACHE_SECONDS, settings.BALAGH_REPORTS_STALE_SECONDS = 600, 3600
    first = committee.get("/reports/", WEEK)
    assert first.context["k"]["summary"]["received"] == 9 and "refreshing" not in first.context["k"]
    # A report leaves the week (an administrator corrected its date) and eleven minutes pass.
    Complaint.objects.filter(pk=week_data.c["J"].pk).update(created_at=week_data.c["H"].created_at)
    _age_cached_figures(WEEK, seconds=660)

    stale = committee.get("/reports/", WEEK)
    assert stale.context["k"]["summary"]["received"] == 9  # served at once, as they were
    assert stale.context["k"]["refreshing"] is True
    assert "Newer figures are being computed" in stale.content.decode() or "تُحسب الآن أرقام أحدث" in stale.content.decode()
    # The worker (eager here; tests/integration has the real one) has put the new figures in the cache.
    with django_assert_max_num_queries(8):  # no KPI query
        fresh = committee.get("/reports/", WEEK)
    assert fresh.context["k"]["summary"]["received"] == 8 and "refreshing" not in fresh.context["k"]


def test_figures_past_their_stale_time_are_computed_during_the_request(committee, week_data, settings):

    settings.BALAGH_REPORTS_CACHE_SECONDS, settings.BALAGH_REPORTS_STALE_SECONDS = 600, 0
    committee.get("/reports/", WEEK)
    Complaint.objects.filter(pk=week_data.c["J"].pk).update(created_at=week_data.c["H"].created_at)
    _age_cached_figures(WEEK, seconds=660)  # older than 600 + 0 s: not served even if the cache still has them
    response = committee.get("/reports/", WEEK)
    assert response.context["k"]["summary"]["received"] == 8 and "refreshing" not in response.context["k"]


def test_a_background_refresh_keeps_a_heads_figures_to_their_department(client, week_data, django_assert_max_num_queries):

    head = make_user("head1", Role.HEAD, department=week_data.dept1)
    client.force_login(head)
    client.get("/reports/", WEEK)
    _age_cached_figures(WEEK, seconds=660, scope_department=week_data.dept1)
    stale = client.get("/reports/", WEEK)  # queues the refresh (run eagerly here)
    assert stale.context["k"]["refreshing"] is True
    with django_assert_max_num_queries(8):
        response = client.get("/reports/", WEEK)
    assert "refreshing" not in response.context["k"]
    assert [row["id"] for row in response.context["k"]["departments"]] == [week_data.dept1.pk]
    # A refresh for a department that no longer exists computes nothing (never the whole city under its key).
    assert refresh_dashboard.delay("", 999_999).get() is None


def test_a_reader_arriving_while_the_same_view_is_computed_waits_for_those_figures(
    committee, week_data, django_assert_max_num_queries
):
    import threading
    import time

    from django.core.cache import cache

    figures = committee.get("/reports/", WEEK).context["k"]
    key = _view_key(WEEK)
    entry = cache.get(key)
    cache.delete(key)
    cache.add(key + ":computing", 1, timeout=15)  # another request is computing this view ...

    def other_request_finishes():
        time.sleep(0.4)
        cache.set(key, {**entry, "computed": time.time()})
        cache.delete(key + ":computing")

    threading.Thread(target=other_request_finishes).start()
    with django_assert_max_num_queries(8):  # ... so this one computes nothing itself
        response = committee.get("/reports/", WEEK)
    assert response.context["k"] == figures


def test_when_the_other_computation_fails_the_reader_computes_the_view_itself(committee, week_data):
    import threading

    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    key = _view_key(WEEK)
    cache.add(key + ":computing", 1, timeout=15)
    threading.Timer(0.4, lambda: cache.delete(key + ":computing")).start()  # it stopped without figures
    with CaptureQueriesContext(connection) as queries:
        response = committee.get("/reports/", WEEK)
    assert len(queries) > 8 and response.context["k"]["summary"]["received"] == 9


def test_the_type_filter_groups_sub_types_under_their_main_type(client, db):

    roads = MainCategoryFactory(name_ar="الطرق", name_en="Roads")
    pothole = CategoryFactory(parent=roads, name_ar="حفرة", name_en="Pothole")
    client.force_login(make_user("chair-types", Role.COMMITTEE))
    page = client.get("/reports/").content.decode()
    group = page.split('<optgroup label="الطرق">', 1)[1].split("</optgroup>", 1)[0]
    assert f'value="{roads.pk}"' in group and "كل «الطرق»" in group
    assert f'value="{pothole.pk}"' in group and "حفرة" in group
    filtered = client.get("/reports/", {"category": pothole.pk})
    assert filtered.status_code == 200 and filtered.context["filter"].form.is_valid()
