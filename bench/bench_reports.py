"""Committee reports benchmarks: compiling a week's KPIs and rendering the dashboard at 1,000,000 reports.

    BENCH_REPORTS_REPEAT=3 BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/balagh_reports_bench .venv/bin/python -m bench reports
    # BENCH_REPORTS_PARTS=dashboard runs only the dashboard (parts: exports, weekly, dashboard, cube)
    # (cube: only the KPI cube's read and the first looks from it, which dashboard includes)

* ``weekly compile`` — ``reports.services.weekly_kpis`` (every KPI of the weekly
  report: summary and previous week, percentiles, per department / channel /
  type / district / utility, trend, hotspots, overdue list) against the *same
  aggregates written as plain SQL* (one hand-written query per ORM query),
  timed alternately in the same run. The PDF rendering is timed on its own.
* ``dashboard, cold`` — ``GET /reports/`` through Django's test ``Client``
  logged in as a committee member, with the cache emptied before every
  request (so the KPIs are computed: what a filtered view or an expired cache
  costs), for the default view (last 28 days, no filter) and for one
  department, one main type, one channel, one district (each the largest, the
  worst case) and two priorities ("high", and "normal": 70 % of the reports,
  almost the whole city). Each against, in the same run and alternately, the
  *same figures computed one query per figure* (``compile_kpis_per_query``,
  SQLite's path, with the breakdowns in one grouping-sets query); the default view
  also against the plain-SQL KPIs.
* ``export a year as CSV / XLSX`` — ``GET /reports/export/complaints.csv``
  (then ``.xlsx``) for every report of the last 366 days, streamed to the end,
  once, against PostgreSQL's own ``COPY (the same rows and columns, ordered
  alike) TO STDOUT CSV`` read through psycopg; with when the first bytes left
  and how much the process's peak memory grew meanwhile.
* ``KPI cube read`` — what the beat does every few minutes (``reports.kpi_cube.refresh``),
  beside the default view computed during a request; then ``first look from the cube, …``:
  each view above with the cache emptied and its figures summed from the cube, alternately
  with the same view computed during the request (the cube made older than the page may show).
* ``dashboard, warm`` — the same page with the figures in the cache.
* ``dashboard, older figures`` — the same page when its cached figures are
  older than ``BALAGH_REPORTS_CACHE_SECONDS``: served at once while a refresh
  task is queued (stale-while-revalidate; the bench runs no worker, so the
  task goes to an in-memory broker and is dropped).

Needs ``BENCH_COMPLAINTS`` reports (default 1,000,000); missing ones are added
with ``generate_load`` (:mod:`bench.load`) first (a few minutes on PostgreSQL), shaped by
``BENCH_LOAD_SHAPE`` (``recent``, the default, or ``steady``) and written in
``BENCH_LOAD_ORDER`` (``random``, the default, or ``arrival``). The results
name the data: reports, received in the last 28 days, open.
"""

from __future__ import annotations

import functools
import os
import time
from datetime import timedelta

from bench import Result, interleaved, timeit
from complaints.models import Complaint
from complaints.workflow import OPEN_STATUSES
from municipality.celery import app
from municipality.models import Role, StaffProfile
from reports import kpi_definitions, kpis, services
from reports.filters import ComplaintReportFilter, default_dates, report_filter
from reports.models import KpiCube, WeeklyReport
from reports.selectors import dashboard_cache_key

N = int(os.environ.get("BENCH_COMPLAINTS", "1000000"))
REPEAT = int(os.environ.get("BENCH_REPORTS_REPEAT", "3"))
#: Which parts run: "exports", "weekly", "dashboard", "cube" (comma-separated; default all but "cube",
#: which "dashboard" includes).
PARTS = set(os.environ.get("BENCH_REPORTS_PARTS", "exports,weekly,dashboard").split(","))


def _ensure_load() -> int:
    from django.core.management import call_command

    have = Complaint.objects.count()
    if have < N:
        call_command(
            "generate_load",
            complaints=N - have,
            verbosity=0,
            shape=os.environ.get("BENCH_LOAD_SHAPE", "recent"),
            order=os.environ.get("BENCH_LOAD_ORDER", "random"),
        )
        have = Complaint.objects.count()
    return have


# --------------------------------------------------------------------------- the same KPIs as plain SQL

OPEN = "('new','assigned','in_progress','on_hold')"


def _aggregates_sql() -> str:
    rec = "c.created_at >= %(start)s AND c.created_at < %(end)s"
    fin = "c.closed_at >= %(start)s AND c.closed_at < %(end)s AND c.status = 'closed' AND c.closure_reason <> 'duplicate'"
    backlog = (
        "c.created_at < %(asof)s AND (c.resolved_at IS NULL OR c.resolved_at >= %(asof)s)"
        " AND (c.closed_at IS NULL OR c.closed_at >= %(asof)s)"
    )
    rated = "c.rated_at >= %(start)s AND c.rated_at < %(end)s AND c.rating IS NOT NULL"
    known = f"{rec} AND c.response_due_at IS NOT NULL AND (c.first_response_at IS NOT NULL OR c.response_due_at < %(asof)s)"
    return f"""
        COUNT(*) FILTER (WHERE {rec}) AS received,
        COUNT(*) FILTER (WHERE c.closed_at >= %(start)s AND c.closed_at < %(end)s AND c.status = 'closed') AS closed,
        COUNT(*) FILTER (WHERE {fin}) AS finished,
        COUNT(*) FILTER (WHERE {rec} AND (c.resolved_at < %(asof)s OR c.closed_at < %(asof)s)) AS completed,
        COUNT(*) FILTER (WHERE {backlog}) AS backlog,
        COUNT(*) FILTER (WHERE {backlog} AND c.resolution_due_at < %(asof)s) AS overdue,
        COUNT(*) FILTER (WHERE {fin} AND c.resolution_due_at IS NOT NULL) AS sla_n,
        COUNT(*) FILTER (WHERE {fin} AND COALESCE(c.resolved_at, c.closed_at) <= c.resolution_due_at) AS sla_ok,
        COUNT(*) FILTER (WHERE {known}) AS response_n,
        COUNT(*) FILTER (WHERE {known} AND c.first_response_at <= c.response_due_at) AS response_ok,
        AVG(EXTRACT(EPOCH FROM COALESCE(c.resolved_at, c.closed_at) - c.created_at)) FILTER (WHERE {fin}) AS avg_seconds,
        COUNT(*) FILTER (WHERE {rated}) AS rated,
        AVG(c.rating) FILTER (WHERE {rated}) AS rating_avg,
        COUNT(*) FILTER (WHERE {rated} AND c.rating >= 4) AS satisfied,
        COUNT(*) FILTER (WHERE {fin} AND c.reopen_count > 0) AS reopened,
        COUNT(*) FILTER (WHERE {rec} AND (c.duplicate_of_id IS NOT NULL OR c.closure_reason = 'duplicate')) AS duplicates
    """


def _relevant_sql() -> str:
    return f"""(
        (c.created_at >= %(start)s AND c.created_at < %(end)s)
        OR (c.closed_at >= %(start)s AND c.closed_at < %(end)s)
        OR (c.rated_at >= %(start)s AND c.rated_at < %(end)s)
        OR ((c.status IN {OPEN} OR c.resolved_at >= %(asof)s OR c.closed_at >= %(asof)s) AND c.created_at < %(asof)s)
    )"""


def plain_sql_kpis(period, as_of) -> dict:
    """The weekly report's queries, written by hand. Returns raw rows (enough to check they ran)."""
    from django.db import connection

    p = {"start": period.start, "end": period.end, "asof": as_of}
    prev = period.previous()
    pp = {"start": prev.start, "end": prev.end, "asof": min(prev.end, as_of)}
    agg, rel = _aggregates_sql(), _relevant_sql()
    table = "complaints_complaint c"
    out: dict = {}
    with connection.cursor() as cur:
        for name, params in (("summary", p), ("previous", pp)):
            cur.execute(f"SELECT {agg} FROM {table} WHERE {rel}", params)
            out[name] = cur.fetchone()
            cur.execute(
                f"""SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s), percentile_cont(0.9) WITHIN GROUP (ORDER BY s)
                FROM (SELECT EXTRACT(EPOCH FROM COALESCE(c.resolved_at, c.closed_at) - c.created_at) AS s FROM {table}
                      WHERE {rel} AND c.closed_at >= %(start)s AND c.closed_at < %(end)s AND c.status = 'closed'
                      AND c.closure_reason <> 'duplicate') t""",
                params,
            )
            out[name + "_pct"] = cur.fetchone()
            cur.execute(
                "SELECT COUNT(*) FROM complaints_event e WHERE e.kind = 'transferred' AND e.created_at >= %(start)s AND e.created_at < %(end)s",
                params,
            )
            out[name + "_transfers"] = cur.fetchone()
        groups = {
            "departments": ("c.department_id", "", "municipality_department", True),
            "channels": ("c.channel", "", None, False),
            "categories": (
                "COALESCE(k.parent_id, c.category_id)",
                "JOIN complaints_category k ON k.id = c.category_id",
                "complaints_category",
                False,
            ),
            "districts": ("c.district_id", "", "municipality_district", False),
            "utilities": ("c.utility_id", "", "municipality_utility", False),
        }
        for name, (key, join, names, _dept) in groups.items():
            where = rel + (" AND c.utility_id IS NOT NULL" if name == "utilities" else "")
            sql = f"SELECT {key} AS key, {agg} FROM {table} {join} WHERE {where} GROUP BY 1"
            if names:
                sql = f"SELECT g.*, n.name_ar, n.name_en FROM ({sql}) g LEFT JOIN {names} n ON n.id = g.key"
            cur.execute(sql, p)
            out[name] = cur.fetchall()
        cur.execute(
            """SELECT e.data->>'from', COUNT(*) FROM complaints_event e WHERE e.kind = 'transferred'
               AND e.created_at >= %(start)s AND e.created_at < %(end)s GROUP BY 1""",
            p,
        )
        out["transfers_out"] = cur.fetchall()
        cur.execute(
            """SELECT COALESCE(k.parent_id, c.category_id), COUNT(*) FROM complaints_complaint c
               JOIN complaints_category k ON k.id = c.category_id
               WHERE c.created_at >= %(start)s AND c.created_at < %(end)s GROUP BY 1""",
            pp,
        )
        out["categories_previous"] = cur.fetchall()
        for field, extra in (("created_at", ""), ("closed_at", " AND c.status = 'closed'")):
            cur.execute(
                f"""SELECT (c.{field} AT TIME ZONE 'Asia/Riyadh')::date, COUNT(*) FROM complaints_complaint c
                    WHERE c.{field} >= %(start)s AND c.{field} < %(end)s{extra} GROUP BY 1""",
                p,
            )
            out["trend_" + field] = cur.fetchall()
        cur.execute(
            f"""SELECT FLOOR(c.lat / 0.01)::int, FLOOR(c.lon / 0.01)::int, COUNT(*), COUNT(*) FILTER (WHERE c.status IN {OPEN})
                FROM complaints_complaint c WHERE c.created_at >= %(start)s AND c.created_at < %(end)s
                GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 50""",
            p,
        )
        out["hotspots"] = cur.fetchall()
        cur.execute(
            """SELECT c.id, c.tracking_number, k.name_ar, d.name_ar, u.name_ar, di.name_ar, c.created_at, c.resolution_due_at
               FROM complaints_complaint c JOIN complaints_category k ON k.id = c.category_id
               LEFT JOIN municipality_department d ON d.id = c.department_id
               LEFT JOIN municipality_utility u ON u.id = c.utility_id
               LEFT JOIN municipality_district di ON di.id = c.district_id
               WHERE c.created_at < %(asof)s AND (c.resolved_at IS NULL OR c.resolved_at >= %(asof)s)
                 AND (c.closed_at IS NULL OR c.closed_at >= %(asof)s) AND c.resolution_due_at < %(asof)s
               ORDER BY c.resolution_due_at, c.id LIMIT 20""",
            p,
        )
        out["overdue"] = cur.fetchall()
    return out


# --------------------------------------------------------------------------- the dashboard's views


def _dashboard_views() -> list[tuple[str, dict]]:
    """The default view and one view per filter, each on its largest value (the most rows: the worst case)."""
    from django.db.models import Count, F
    from django.db.models.functions import Coalesce

    def largest(expression):
        rows = (
            Complaint.objects.annotate(_v=expression).exclude(_v=None).values("_v").annotate(n=Count("pk")).order_by("-n", "_v")
        )
        return rows.values_list("_v", flat=True).first()

    views = [
        ("default view (28 days)", {}),
        ("one department", {"department": largest(F("department_id"))}),
        ("one main type", {"category": largest(Coalesce("category__parent_id", "category_id"))}),
        ("one channel", {"channel": largest(F("channel"))}),
        ("one district", {"district": largest(F("district_id"))}),
        ("priority high", {"priority": "high"}),
        ("priority normal (70 %)", {"priority": "normal"}),
        # Filters combined, each on its largest value.
        ("one department, priority normal", {"department": largest(F("department_id")), "priority": "normal"}),
        ("one channel, one district", {"channel": largest(F("channel")), "district": largest(F("district_id"))}),
        (
            "one main type, one district, priority normal",
            {
                "category": largest(Coalesce("category__parent_id", "category_id")),
                "district": largest(F("district_id")),
                "priority": "normal",
            },
        ),
    ]
    return [(label, {k: v for k, v in params.items() if v is not None}) for label, params in views]


def _dashboard_cold(client, params: dict) -> None:
    from django.core.cache import cache

    cache.clear()
    response = client.get("/reports/", params)
    assert response.status_code == 200, response.status_code


def _first_looks_from_the_cube(client, period, data: str) -> list[Result]:
    """Reading the city's KPI cube (what the beat does every few minutes) beside computing the default view
    during a request; then each view's first look (cache emptied) summed from the cube, beside the same view
    computed during the request (the cube made older than the page may show), alternately."""
    from reports import kpi_cube

    def default_view_computed():
        KpiCube.objects.all().delete()
        _dashboard_cold(client, {})

    read_ms, live_ms = interleaved(lambda: kpi_cube.refresh(period=period), default_view_computed, repeat=REPEAT, warmup=0)
    out = [
        Result(
            "reports: KPI cube read (in the background, every 5 min)",
            read_ms,
            "default view computed during the request",
            live_ms,
            data=data,
        )
    ]
    cube = kpi_cube.refresh(period=period)
    assert cube is not None
    combos = len(cube.arrays["keys"])

    def first_look(params: dict, *, from_cube: bool) -> None:
        KpiCube.objects.update(computed_at=cube.now if from_cube else cube.now - timedelta(days=1))
        _dashboard_cold(client, params)

    for label, params in _dashboard_views():
        cube_ms, computed_ms = interleaved(
            functools.partial(first_look, params, from_cube=True),
            functools.partial(first_look, params, from_cube=False),
            repeat=REPEAT,
            warmup=1,
        )
        out.append(
            Result(
                f"reports: first look from the cube, {label}",
                cube_ms,
                "the same view computed during the request",
                computed_ms,
                target="< 500 ms",
                data=f"{data}; cube of {combos:,} combinations",
            )
        )
    KpiCube.objects.update(computed_at=cube.now)
    return out


def _per_query(period, params: dict) -> None:
    """The same figures the way they were computed before the one-statement scan (and still are on SQLite)."""

    flt = ComplaintReportFilter(params or None, queryset=Complaint.objects.all())
    groups = _grouping_sets(period, flt.complaints)
    kpis.compile_kpis_per_query(period=period, queryset=flt.complaints, overdue_limit=20, groups=groups)


def _grouping_sets(period, queryset) -> dict | None:
    """The totals and five breakdowns in ONE query on PostgreSQL, ``GROUP BY GROUPING SETS``, as
    ``kpis.grouped_counts`` returns them: the per-query path's best on PostgreSQL. Every flag is
    computed once per row in an inner query (``OFFSET 0`` keeps the planner from inlining it)."""
    from django.core.exceptions import EmptyResultSet
    from django.db import connection
    from django.db.models import BooleanField, ExpressionWrapper
    from django.utils import timezone

    as_of = period.as_of(timezone.now())
    flags = kpi_definitions.kpi_flags(period, as_of)
    keys = kpi_definitions.dimension_keys()
    base = queryset.filter(kpi_definitions.relevant_q(period, as_of)).annotate(**kpi_definitions.kpi_annotations())
    columns = {f"_f_{name}": ExpressionWrapper(q, output_field=BooleanField()) for name, q in flags.items()}
    values = [value for value, _flag in kpi_definitions.KPI_AVERAGES.values()]
    inner = base.annotate(**keys, **columns).values(*keys, *columns, *values).order_by()
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # ``queryset.none()`` after invalid filters
        return None
    qn = connection.ops.quote_name
    selects = [qn(k) for k in keys]
    selects += [f"COUNT(*) FILTER (WHERE {qn('_f_' + name)}) AS {qn(name)}" for name in flags]
    selects += [
        f"AVG({qn(value)}) FILTER (WHERE {qn('_f_' + flag)}) AS {qn(name)}"
        for name, (value, flag) in kpi_definitions.KPI_AVERAGES.items()
    ]
    sets = ", ".join(f"({qn(k)})" for k in keys)
    query = f"SELECT {', '.join(selects)} FROM ({sql} OFFSET 0) AS kpi_rows GROUP BY GROUPING SETS ({sets}, ())"
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        names = [c[0] for c in cursor.description]
        rows = [dict(zip(names, r, strict=False)) for r in cursor.fetchall()]
    out: dict = {dim: [] for dim in kpi_definitions.DIMENSIONS}
    for row in rows:
        dims = [dim for dim in kpi_definitions.DIMENSIONS if row[f"_d_{dim}"] is not None]
        if dims:
            value = row[f"_d_{dims[0]}"]
            out[dims[0]].append({**row, "key": None if value == -1 else value})
        else:
            out["all"] = row
    if "all" not in out:  # nothing relevant: the grouping set () of no rows is no row
        out["all"] = base.aggregate(**kpi_definitions.kpi_aggregates(period, as_of))
    return out


# --------------------------------------------------------------------------- the run


def _committee_client():
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    try:
        setup_test_environment()  # so responses carry their template context
    except RuntimeError:  # already done by an earlier call
        pass
    user, created = get_user_model().objects.get_or_create(username="bench-committee", defaults={"is_staff": True})
    if created:
        StaffProfile.objects.create(user=user, role=Role.COMMITTEE)
    client = Client()
    client.force_login(user)
    return client


def _export_year(data: str) -> list[Result]:
    """Every report of the last 366 days as the committee's CSV and XLSX, once each, against ``COPY … TO STDOUT``."""
    import resource
    from datetime import timedelta

    from django.db import connection

    last = default_dates()[1]
    first = last - timedelta(days=366)
    client = _committee_client()
    copy_ms = _copy_ms(kpis.Period.for_dates(first, last)) if connection.vendor == "postgresql" else None
    results = []
    for fmt in ("csv", "xlsx"):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        response = client.get(f"/reports/export/complaints.{fmt}", {"date_from": first.isoformat(), "date_to": last.isoformat()})
        assert response.status_code == 200, response.status_code
        chunks = iter(response.streaming_content)
        size = len(next(chunks))
        first_ms = (time.perf_counter() - t0) * 1000
        size += sum(len(chunk) for chunk in chunks)
        export_ms = (time.perf_counter() - t0) * 1000
        grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        name = (
            f"reports: export a year as {fmt.upper()} ({size / 2**20:,.0f} MB; first bytes after {first_ms:,.0f} ms; "
            f"peak memory +{grown_mb:.0f} MB)"
        )
        results.append(
            Result(name, export_ms, "COPY of the same rows" if copy_ms else "", copy_ms, target="streams, flat memory", data=data)
        )
    return results


def _copy_ms(period) -> float:
    """PostgreSQL's own CSV of the export's rows and columns, in its order, read through psycopg."""
    from django.db import connection

    columns = (
        "id, tracking_number, created_at, category_id, channel, priority, status, closure_reason, department_id, "
        "utility_id, district_id, assignee_id, response_due_at, first_response_at, resolution_due_at, resolved_at, "
        "closed_at, rating, reopen_count, transfer_count, duplicate_of_id, escalation_level, lat, lon"
    )
    sql = (
        f"COPY (SELECT {columns} FROM complaints_complaint WHERE created_at >= %s AND created_at < %s "
        "ORDER BY created_at, id) TO STDOUT WITH (FORMAT csv)"
    )
    t0 = time.perf_counter()
    with connection.cursor() as cursor, cursor.cursor.copy(sql, [period.start, period.end]) as copy:
        for _chunk in copy:
            pass
    return (time.perf_counter() - t0) * 1000


def run() -> list[Result]:
    from django.core.cache import cache
    from django.db import connection
    from django.utils import timezone

    rows = _ensure_load()
    dash_period = kpis.Period.for_dates(*default_dates())
    recent = Complaint.objects.filter(created_at__gte=dash_period.start).count()
    still_open = Complaint.objects.filter(status__in=OPEN_STATUSES).count()
    data = f"{rows:,} reports, {recent:,} in the last 28 days, {still_open:,} open ({connection.vendor})"
    results: list[Result] = _export_year(data) if "exports" in PARTS else []  # first: its peak memory is its own
    week = services.last_complete_week_start()
    period = kpis.Period.week(week)
    now = timezone.now()
    as_of = period.as_of(now)

    if "weekly" in PARTS:
        if connection.vendor == "postgresql":
            compile_ms, sql_ms = interleaved(
                lambda: services.weekly_kpis(week_start=week, now=now),
                lambda: plain_sql_kpis(period, as_of),
                repeat=REPEAT,
                warmup=1,
            )
            results.append(
                Result(
                    "reports: compile a week's KPIs (ORM)",
                    compile_ms,
                    "same aggregates, plain SQL",
                    sql_ms,
                    target="< 10 s, ≤ 2× plain SQL",
                    data=data,
                )
            )
        else:
            results.append(
                Result(
                    "reports: compile a week's KPIs (ORM)",
                    timeit(lambda: services.weekly_kpis(week_start=week, now=now), repeat=REPEAT, warmup=1),
                    target="< 10 s",
                    data=data,
                )
            )

        # The PDF: one full compile (KPIs + WeasyPrint) of a scratch row, removed afterwards.
        WeeklyReport.objects.filter(week_start=week).delete()
        t0 = time.perf_counter()
        report = services.weekly_report_compile(week_start=week, now=now)
        full_ms = (time.perf_counter() - t0) * 1000
        report.pdf.delete(save=False)
        report.delete()
        results.append(Result("reports: compile a week incl. the PDF (once)", full_ms, target="< 10 s", data=data))

    if "cube" in PARTS and "dashboard" not in PARTS and connection.vendor == "postgresql":
        results += _first_looks_from_the_cube(_committee_client(), dash_period, data)
    if "dashboard" in PARTS:
        # The dashboard, as a committee member sees it.
        client = _committee_client()

        def dashboard():
            response = client.get("/reports/")
            assert response.status_code == 200, response.status_code

        def dashboard_cold():
            cache.clear()
            dashboard()

        if connection.vendor == "postgresql":
            KpiCube.objects.all().delete()  # first: every figure computed during the request, as before the cube
            dash_ms, dash_sql_ms = interleaved(
                dashboard_cold, lambda: plain_sql_kpis(dash_period, min(dash_period.end, timezone.now())), repeat=REPEAT, warmup=1
            )
            results.append(
                Result(
                    "reports: dashboard, cold (KPIs computed)",
                    dash_ms,
                    "its KPIs as plain SQL",
                    dash_sql_ms,
                    target="< 500 ms",
                    data=data,
                )
            )
            for label, params in _dashboard_views():
                ms, base_ms = interleaved(
                    lambda: _dashboard_cold(client, params),
                    lambda: _per_query(dash_period, params),
                    repeat=REPEAT,
                    warmup=1,
                )
                results.append(
                    Result(
                        f"reports: dashboard, cold, {label}",
                        ms,
                        "same figures, one query per figure",
                        base_ms,
                        target="< 500 ms",
                        data=data,
                    )
                )
            results += _first_looks_from_the_cube(client, dash_period, data)
        else:
            results.append(
                Result(
                    "reports: dashboard, cold (KPIs computed)",
                    timeit(dashboard_cold, repeat=REPEAT, warmup=1),
                    target="< 500 ms",
                    data=data,
                )
            )
        pk_lookup = lambda: list(Complaint.objects.filter(pk=1).values_list("pk"))  # noqa: E731
        warm_ms, pk_ms = interleaved(dashboard, pk_lookup, repeat=20, warmup=2)
        results.append(
            Result("reports: dashboard, warm (cached KPIs)", warm_ms, "primary-key lookup", pk_ms, target="< 500 ms", data=data)
        )

        app.conf.update(broker_url="memory://", result_backend=None)  # the queued refreshes go nowhere: the bench runs no worker
        app.conf.task_always_eager = False
        key = dashboard_cache_key(flt=report_filter())

        def dashboard_older():  # computed eleven minutes ago, nobody has queued a refresh yet
            entry = cache.get(key)
            cache.set(key, {**entry, "computed": time.time() - 660})
            cache.delete(key + ":refreshing")
            response = client.get("/reports/")
            assert response.context["k"].get("refreshing"), "the older figures were not served"

        stale_ms, pk_ms = interleaved(dashboard_older, pk_lookup, repeat=20, warmup=2)
        results.append(
            Result(
                "reports: dashboard, older figures (served, refresh queued)",
                stale_ms,
                "primary-key lookup",
                pk_ms,
                target="< 500 ms",
                data=data,
            )
        )
    return results
