"""The city's KPI cube (reports.kpi_cube, PostgreSQL): every view of the period summed from it equals
a fresh computation at the cube's moment, figure by figure; the dashboard reads it while it is fresh."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.models import Complaint
from municipality.models import Role
from reports import kpi_cube, kpis
from reports.filters import ComplaintReportFilter
from reports.models import KpiCube
from reports.selectors import _selection
from tests.factories import make_user
from tests.reports.conftest import at
from tests.reports.test_kpi_scan import PERIODS, _filters, edges  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

ON_POSTGRES = connection.vendor == "postgresql"
VIEWS = ["the whole city", "department", "main type", "sub-type", "channel", "district", "priority", "department and channel"]


def _view(d, which: str) -> tuple[ComplaintReportFilter, kpi_cube.Selection]:
    data = {} if which == "the whole city" else _filters(d)[which]
    flt = ComplaintReportFilter({k: v for k, v in data.items() if v is not None}, queryset=Complaint.objects.all())
    assert flt.form.is_valid(), flt.form.errors
    selection = _selection(flt, None)  # as the dashboard reads the filters
    assert selection is not None
    return flt, selection


@pytest.mark.skipif(not ON_POSTGRES, reason="the cube is read with PostgreSQL's statements")
@pytest.mark.parametrize("which", VIEWS)
@pytest.mark.parametrize("name", ["the week", "28 days"])
@pytest.mark.parametrize("moment", ["long after", "inside the period"])
def test_a_view_summed_from_the_cube_equals_a_fresh_computation(edges, which, name, moment):  # noqa: F811
    period = PERIODS[name]
    now = timezone.now() if moment == "long after" else min(period.end, at(3.3))
    cube = kpi_cube.loads(kpi_cube.dumps(kpi_cube.build(period=period, now=now)))  # as kept in the database
    flt, selection = _view(edges, which)

    from_cube = kpis.compile_kpis(
        period=period,
        queryset=flt.complaints,
        now=cube.now,
        overdue_limit=20,
        scanned=kpi_cube.scan_from(cube, selection, hotspot_limit=kpis.HOTSPOT_LIMIT),
    )
    fresh = kpis.compile_kpis(period=period, queryset=flt.complaints, now=now, overdue_limit=20)
    for key, value in fresh.items():
        assert from_cube[key] == value, key
    assert fresh["summary"]["received"] or fresh["summary"]["backlog"] or which != "the whole city"


@pytest.mark.skipif(not ON_POSTGRES, reason="the cube is read with PostgreSQL's statements")
def test_a_filter_value_the_cube_never_saw_gives_empty_figures(edges):  # noqa: F811
    cube = kpi_cube.build(period=PERIODS["the week"])
    scanned = kpi_cube.scan_from(cube, kpi_cube.Selection(channel="walk_in", priority="urgent"), hotspot_limit=50)
    assert scanned["groups"]["all"]["received"] == 0 and scanned["groups"]["department"] == []
    assert scanned["hotspots"] == [] and scanned["received_by"] == {}
    assert scanned["percentiles"]["current"] == {0.5: None, 0.9: None}


@pytest.mark.skipif(not ON_POSTGRES, reason="the cube is read with PostgreSQL's statements")
def test_the_dashboard_sums_a_fresh_cube_and_computes_when_it_is_stale(client, edges, settings):  # noqa: F811
    settings.BALAGH_REPORTS_CACHE_SECONDS = 600
    client.force_login(make_user("member", Role.COMMITTEE))
    period = ComplaintReportFilter(None, queryset=Complaint.objects.all()).period
    kpi_cube.refresh(period=period)
    assert KpiCube.objects.count() == 1

    channel = {"channel": "phone_940"}
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/reports/", channel)
    assert response.status_code == 200
    assert not [q for q in queries.captured_queries if q["sql"].startswith("WITH kpi_rows")]  # no scan of the reports
    from_cube = response.context["k"]

    from django.core.cache import cache

    cache.clear()
    KpiCube.objects.update(computed_at=timezone.now() - timedelta(seconds=601))  # older than the page may show
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/reports/", channel)
    assert [q for q in queries.captured_queries if q["sql"].startswith("WITH kpi_rows")]  # computed again
    for key in ("summary", "previous_summary", "departments", "categories", "trend", "hotspots"):
        assert response.context["k"][key] == from_cube[key], key


@pytest.mark.skipif(not ON_POSTGRES, reason="the cube is read with PostgreSQL's statements")
def test_a_heads_view_from_the_cube_is_their_department_only(client, edges):  # noqa: F811
    period = ComplaintReportFilter(None, queryset=Complaint.objects.all()).period
    kpi_cube.refresh(period=period)
    client.force_login(make_user("head2", Role.HEAD, department=edges.dept2))
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/reports/")
    assert not [q for q in queries.captured_queries if q["sql"].startswith("WITH kpi_rows")]
    assert all(row["id"] == edges.dept2.pk for row in response.context["k"]["departments"])
    # Another department named in the address: not the head's figures, and not from the cube either.
    response = client.get("/reports/", {"department": edges.dept1.pk})
    assert all(row["id"] != edges.dept1.pk for row in response.context["k"]["departments"])


def test_on_sqlite_there_is_no_cube(edges):  # noqa: F811
    if ON_POSTGRES:
        pytest.skip("SQLite's behaviour")
    assert kpi_cube.build(period=PERIODS["the week"]) is None
    assert kpi_cube.fresh(period=PERIODS["the week"], max_age_seconds=600) is None


@pytest.mark.skipif(not ON_POSTGRES, reason="the cube is read with PostgreSQL's statements")
def test_a_city_without_reports_has_an_empty_cube_and_empty_figures(db):
    period = ComplaintReportFilter(None, queryset=Complaint.objects.all()).period
    kpi_cube.refresh(period=period)
    cube = kpi_cube.fresh(period=period, max_age_seconds=600)
    assert cube is not None and len(cube.arrays["keys"]) == 0
    scanned = kpi_cube.scan_from(cube, kpi_cube.Selection(), hotspot_limit=50)
    assert scanned["groups"]["all"]["received"] == 0 and scanned["previous"]["backlog"] == 0
    assert scanned["groups"]["department"] == [] and scanned["received_by"] == {} and scanned["hotspots"] == []
    figures = kpis.compile_kpis(period=period, now=cube.now, scanned=scanned)
    assert figures["summary"]["received"] == 0
