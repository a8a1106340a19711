"""The one-statement KPIs (reports.kpi_scan, PostgreSQL) against the per-query computation from raw rows.

``compile_kpis`` takes the one-statement path on PostgreSQL and the per-query
path on SQLite; :func:`per_query` below builds the same report with one query
per figure (every selector without figures handed in), which is the raw-row
definition. They must agree exactly, for the whole city and for every filter
of the dashboard, on the hand-made week of conftest.py plus rows made to sit
on the edges (reopened, duplicates, on hold, spanning periods, missing due
times, a rating time without a rating, an anomalous "resolved" without a
resolution time).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from complaints import services
from complaints.models import Complaint
from reports import kpi_definitions, kpi_scan, kpis
from reports.filters import ComplaintReportFilter
from reports.kpis import Period
from tests.factories import submit
from tests.reports.conftest import PERIOD, at, place

pytestmark = pytest.mark.django_db
ON_POSTGRES = connection.vendor == "postgresql"


def per_query(period: Period, queryset=None, now=None, overdue_limit: int = 20) -> dict:
    """The report, one query per figure, nothing precomputed."""
    now = now or timezone.now()
    kw = {"period": period, "queryset": queryset, "now": now}
    return {
        "summary": kpis.kpi_summary(**kw),
        "previous_summary": kpis.kpi_summary(period=period.previous(), queryset=queryset, now=now),
        "departments": kpis.by_department(**kw),
        "channels": kpis.by_channel(**kw),
        "categories": kpis.by_category(**kw),
        "districts": kpis.by_district(**kw),
        "utilities": kpis.by_utility(**kw),
        "trend": kpis.trend(period=period, queryset=queryset),
        "hotspots": kpis.hotspot_cells(period=period, queryset=queryset),
        "overdue": kpis.overdue_list(**kw, limit=overdue_limit),
    }


def assert_same(period: Period, queryset=None, now=None) -> None:
    now = now or timezone.now()
    fast = kpis.compile_kpis(period=period, queryset=queryset, now=now, overdue_limit=20)
    slow = per_query(period, queryset, now)
    for key, value in slow.items():
        assert fast[key] == value, key


@pytest.fixture
def edges(week_data):
    """Rows on the edges of the definitions, added to the week of conftest.py."""
    d = week_data
    extra = {}
    for name in ("K", "L", "M", "N", "O", "P", "Q"):
        extra[name] = submit(d.cat2 if name in "LN" else d.cat1, phone=f"0501234{ord(name):03d}")
    # K: received the week before, still open, no due times at all.
    place(extra["K"], created_at=at(-4), resolution_due_at=None, response_due_at=None, first_response_at=None)
    # L: received and closed the week before (spans nothing), rated in this week.
    place(
        extra["L"],
        status="closed",
        closure_reason="fixed",
        created_at=at(-6),
        resolved_at=at(-5),
        closed_at=at(-4),
        resolution_due_at=at(-3),
        rating=3,
        rated_at=at(2),
    )
    # M: a rating time without a rating (not "rated").
    place(
        extra["M"],
        status="resolved",
        created_at=at(1.5),
        resolved_at=at(2.5),
        rated_at=at(3),
        rating=None,
        resolution_due_at=at(2),
    )
    # N: anomalous: "resolved" without a resolution time (neither done nor open: counts as backlog, not relevant later).
    place(extra["N"], status="resolved", created_at=at(4), resolved_at=None, closed_at=None, resolution_due_at=at(4.5))
    # O: closed as not valid (not a duplicate: a finished report), reopened once, received two weeks before.
    place(
        extra["O"],
        status="closed",
        closure_reason="not_valid",
        created_at=at(-10),
        resolved_at=None,
        closed_at=at(0.2),
        resolution_due_at=at(-8),
        reopen_count=1,
    )
    # P: on hold since the week before, overdue.
    place(
        extra["P"],
        status="on_hold",
        on_hold_since=at(-2),
        created_at=at(-5),
        resolution_due_at=at(-1),
        first_response_at=at(-4.9),
    )
    # Q: received in the week, closed as a duplicate of B the week after, on another channel and priority.
    place(
        extra["Q"],
        status="closed",
        closure_reason="duplicate",
        duplicate_of=d.c["B"],
        created_at=at(5.5),
        closed_at=at(8),
        channel="phone_940",
        priority="high",
        lat=18.41,
        lon=42.61,
    )
    return d


PERIODS = {
    "the week": PERIOD,
    "the week after": Period.week(date(2026, 11, 8)),
    "the week before": Period.week(date(2026, 10, 25)),
    "28 days": Period.for_dates(date(2026, 10, 20), date(2026, 11, 16)),
    "half a year (weekly trend)": Period.for_dates(date(2026, 6, 1), date(2026, 11, 30)),
    "three years (monthly trend)": Period.for_dates(date(2024, 1, 1), date(2026, 12, 31)),
}


@pytest.mark.parametrize("name", list(PERIODS))
def test_the_whole_city_matches_the_raw_rows(edges, name):
    assert_same(PERIODS[name])


@pytest.mark.parametrize("name", list(PERIODS))
def test_measured_on_the_fourth_day_of_the_week_matches(edges, name):
    """``now`` = S+3.3: inside some periods (backlog and overdue measured at ``now``), before others."""
    period = PERIODS[name]
    assert_same(period, now=min(period.end, at(3.3)))


def test_a_period_in_the_future_matches(edges):
    """``as_of`` (now) before the period and before the previous one: the lower bound of the activity key moves."""
    assert_same(Period.week(date(2026, 11, 15)), now=at(2))


def _filters(d) -> dict[str, dict]:
    return {
        "department": {"department": d.dept2.pk},
        "main type": {"category": d.cat1.parent_id},
        "sub-type": {"category": d.cat2.pk},
        "channel": {"channel": "phone_940"},
        "district": {"district": Complaint.objects.exclude(district=None).values_list("district", flat=True).first()},
        "priority": {"priority": "high"},
        "department and channel": {"department": d.dept1.pk, "channel": "web"},
    }


@pytest.mark.parametrize(
    "which", ["department", "main type", "sub-type", "channel", "district", "priority", "department and channel"]
)
@pytest.mark.parametrize("name", ["the week", "28 days"])
def test_every_dashboard_filter_matches_the_raw_rows(edges, which, name):
    data = _filters(edges)[which]
    flt = ComplaintReportFilter({k: v for k, v in data.items() if v is not None}, queryset=Complaint.objects.all())
    assert flt.form.is_valid(), flt.form.errors
    assert_same(PERIODS[name], flt.complaints)


def test_a_filter_that_matches_nothing(edges):
    assert_same(PERIOD, Complaint.objects.filter(channel="walk_in"))
    assert_same(PERIOD, Complaint.objects.none())


def test_the_edge_rows_count_as_defined(edges):
    """A few figures by hand, so both paths are not merely equal but right."""
    k = kpis.compile_kpis(period=PERIOD, now=at(20))
    s = k["summary"]
    assert s["received"] == 12  # nine of conftest + M, N, Q
    assert s["rated"] == 4  # A B C + L (rated this week, received the week before); M has no rating
    assert s["duplicate_pct"] == round(100 * 2 / 12, 1)  # D and Q
    # Backlog at the week end: F G I (conftest) + K, N (resolved without a time), P, Q (closed the week after).
    assert s["backlog"] == 7
    assert s["closed"] == 7 and s["finished"] == 6  # + O, closed as not valid in the week
    assert s["reopen_pct"] == round(100 * 2 / 6, 1)  # C and O
    previous = k["previous_summary"]
    assert previous["received"] == 4  # H, K, L, P
    assert previous["backlog"] == 4  # H K O P at the start of the week
    roads = {r["id"]: r for r in k["categories"]}[edges.cat1.parent_id]
    assert roads["previous_received"] == 3  # H K P


@pytest.mark.skipif(not ON_POSTGRES, reason="the one-statement path is PostgreSQL's")
def test_postgres_reads_the_complaints_once_per_period(edges):
    """One statement for every count and percentile of the period, one for the period before, one for the
    overdue list (was ten reads of the table)."""
    from django.test.utils import CaptureQueriesContext

    one = kpi_scan.scan(period=PERIOD, queryset=None, now=timezone.now(), trunc=kpis.TruncDate, hotspot_limit=50, cell=0.01)
    assert one is not None and one["groups"]["all"]["received"] == 12
    with CaptureQueriesContext(connection) as queries:
        kpis.compile_kpis(period=PERIOD)
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "complaints_complaint"' in q["sql"]]
    assert len(reads) == 3, reads
    assert reads[0].startswith("WITH kpi_rows") and reads[1].startswith("WITH kpi_rows")


@pytest.mark.skipif(not ON_POSTGRES, reason="the covering index is PostgreSQL's")
@pytest.mark.parametrize("which", ["the whole city", "one department", "one main type", "one channel and priority"])
def test_the_scan_reads_only_the_covering_index(edges, which):
    """The scan's rows come from an index-only scan of reports_kpi_activity_cover (migration reports 0002), not
    from the table: the index's key is the scan's activity key and it includes every column a KPI or a filter
    reads. (With the planner left only this index and no bitmap or sequential scan, as on a big table where it
    chooses it itself: a column the index lacks would show as a plain "Index Scan".)"""
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    querysets = {
        "the whole city": None,
        "one department": Complaint.objects.filter(department=edges.c["A"].department_id),
        "one main type": Complaint.objects.filter(category__parent=edges.cat1.parent_id),
        "one channel and priority": Complaint.objects.filter(channel="web", priority="normal"),
    }
    with CaptureQueriesContext(connection) as queries:
        kpi_scan.scan(
            period=PERIOD, queryset=querysets[which], now=timezone.now(), trunc=kpis.TruncDate, hotspot_limit=50, cell=0.01
        )
    statements = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("WITH kpi_rows")]
    assert len(statements) == 2  # the period and the one before
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_bitmapscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = 'complaints_complaint'::regclass AND i.relname <> 'reports_kpi_activity_cover' "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
        )
        for (index,) in cursor.fetchall():  # the other plain indexes; rolled back with the transaction
            cursor.execute(f'DROP INDEX "{index}"')
        for statement in statements:
            cursor.execute("EXPLAIN " + statement)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            scans = [line for line in plan.splitlines() if "on complaints_complaint" in line]
            assert scans and all("Index Only Scan using reports_kpi_activity_cover" in line for line in scans), plan


@pytest.mark.skipif(not ON_POSTGRES, reason="the one-statement-per-period path is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["the week", "28 days"])
def test_outside_a_transaction_both_periods_are_read_on_one_snapshot_and_match(edges, name):
    """As on the site (no transaction around the request): the period's and the previous period's statements
    run in one repeatable-read transaction (one moment for both), and every figure matches the raw rows."""
    from django.test.utils import CaptureQueriesContext

    period = PERIODS[name]
    now = timezone.now()
    assert not connection.in_atomic_block
    with CaptureQueriesContext(connection) as queries:
        fast = kpis.compile_kpis(period=period, now=now, overdue_limit=20)
    here = [q["sql"] for q in queries.captured_queries]
    first = next(i for i, sql in enumerate(here) if sql.startswith("WITH kpi_rows"))
    assert here[first - 3] == "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"
    assert here[first + 1].startswith("WITH kpi_rows")
    slow = per_query(period, None, now)
    for key, value in slow.items():
        assert fast[key] == value, key


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite has no grouping sets and a different GREATEST")
def test_sqlite_keeps_the_per_query_path(edges):
    assert (
        kpi_scan.scan(period=PERIOD, queryset=None, now=timezone.now(), trunc=kpis.TruncDate, hotspot_limit=50, cell=0.01) is None
    )


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's GREATEST skips NULLs; the key is only used there")
@pytest.mark.parametrize("name", list(PERIODS))
def test_every_relevant_row_has_an_activity_key_at_or_after_the_lower_bound(edges, name):
    period = PERIODS[name]
    for now in (timezone.now(), at(2), at(3.3)):
        previous = period.previous()
        as_of, as_of_prev = period.as_of(now), previous.as_of(now)
        lower = min(previous.start, as_of_prev, as_of)
        relevant = Complaint.objects.filter(
            kpi_definitions.relevant_q(period, as_of) | kpi_definitions.relevant_q(previous, as_of_prev)
        )
        keyed = relevant.annotate(k=kpi_scan.activity_key()).filter(k__gte=lower)
        assert relevant.count() == keyed.count() > 0


def test_a_reopened_report_moves_between_periods(edges):
    """C is closed in the week; reopened and closed again the week after, it counts there, and both paths agree."""

    c = services.complaint_reopen(complaint=Complaint.objects.get(pk=edges.c["C"].pk), actor=edges.admin, reason="عادت المشكلة")
    place(c, status="closed", closure_reason="fixed", resolved_at=at(9), closed_at=at(9.5), reopen_count=2)
    for period in (PERIOD, PERIODS["the week after"], PERIODS["28 days"]):
        assert_same(period)
    assert kpis.compile_kpis(period=PERIODS["the week after"])["summary"]["reopen_pct"] is not None


def _figures(value, path: str = "") -> dict[str, object]:
    """Every figure of a report by its path, e.g. ``departments[2].sla_pct``."""
    if isinstance(value, dict):
        return {p: v for key, item in value.items() for p, v in _figures(item, f"{path}.{key}" if path else key).items()}
    if isinstance(value, list):
        return {p: v for i, item in enumerate(value) for p, v in _figures(item, f"{path}[{i}]").items()}
    return {path: value}


@pytest.mark.skipif(not ON_POSTGRES, reason="the one-statement path is PostgreSQL's")
def test_on_a_generated_city_the_scan_gives_every_figure_the_value_of_the_per_query_path(edges):
    """A year of generated reports (every status, reason, rating, reopen, transfer, utility, channel and
    priority) plus the edge rows, with duplicates and missing due times mixed in: for several periods and
    filters, each figure of the one-statement scan has the value the ORM's one query per figure gives."""
    from django.core.management import call_command

    before = list(Complaint.objects.values_list("pk", flat=True))
    call_command("generate_load", complaints=1500, batch=500, seed=13, shape="steady", stdout=open("/dev/null", "w"))
    generated = Complaint.objects.exclude(pk__in=before).order_by("pk")
    ids = list(generated.values_list("pk", flat=True))
    Complaint.objects.filter(pk__in=ids[::37]).update(duplicate_of=edges.c["A"])
    Complaint.objects.filter(pk__in=ids[5::41]).update(response_due_at=None, resolution_due_at=None)
    Complaint.objects.filter(pk__in=ids[7::53], status="in_progress").update(reopen_count=2)
    today = timezone.localdate()
    periods = {
        "the last 28 days": Period.for_dates(today - timedelta(days=27), today),
        "the last week": Period.for_dates(today - timedelta(days=6), today),
        "a year (weekly trend)": Period.for_dates(today - timedelta(days=364), today),
        "three years (monthly trend)": Period.for_dates(today - timedelta(days=1095), today),
        "the week of the edges": PERIOD,
    }
    busiest = generated.values("department").annotate(n=Count("pk")).order_by("-n").first()
    querysets = {
        "the whole city": None,
        "the busiest department": Complaint.objects.filter(department=busiest["department"]),
        "priority high": Complaint.objects.filter(priority="high"),
        "WhatsApp or X": Complaint.objects.filter(channel__in=["whatsapp", "twitter"]),
    }
    now = timezone.now()
    compared = 0
    for period_name, period in periods.items():
        for qs_name, queryset in querysets.items():
            scanned = kpi_scan.scan(period=period, queryset=queryset, now=now, trunc=kpis.TruncDate, hotspot_limit=50, cell=0.01)
            assert scanned is not None, "the one-statement path was not taken"
            fast = _figures(kpis.compile_kpis(period=period, queryset=queryset, now=now, overdue_limit=20))
            slow = _figures(kpis.compile_kpis_per_query(period=period, queryset=queryset, now=now, overdue_limit=20))
            differences = {
                p: (fast.get(p), slow.get(p)) for p in fast.keys() | slow.keys() if fast.get(p, fast) != slow.get(p, slow)
            }
            assert not differences, f"{period_name}, {qs_name}: (scan, per query) {sorted(differences.items())[:20]}"
            compared += len(fast)
    # The data exercises every figure: none of the headline numbers is empty on the dashboard's default view.
    summary = kpis.compile_kpis(period=periods["the last 28 days"], now=now)["summary"]
    for figure in ("received", "closed", "finished", "completed", "backlog", "overdue", "rated", "transfers"):
        assert summary[figure], figure
    for figure in ("sla_pct", "response_pct", "completion_pct", "satisfied_pct", "reopen_pct", "duplicate_pct", "median_days"):
        assert summary[figure] is not None, figure
    assert compared > 5000


@pytest.mark.skipif(not ON_POSTGRES, reason="the covering index is PostgreSQL's")
@pytest.mark.parametrize("which", ["the whole city", "one department"])
def test_the_transfers_are_counted_from_their_covering_index_alone(edges, which):
    """transfer_counts reads the period's transfers from event_transfer_cover (migration complaints 0019) without
    visiting the timeline table, where each transfer sits on a page of its own at a busy centre. (The planner is
    left no sequential or bitmap scan, as on a big table where it chooses the index itself: a column the index
    lacks would show as a plain "Index Scan".)"""
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    queryset = None if which == "the whole city" else Complaint.objects.filter(department=edges.c["A"].department_id)
    with CaptureQueriesContext(connection) as queries:
        counted = kpis.transfer_counts(period=PERIOD, queryset=queryset)
    if queryset is None:
        assert counted["current"] == 1  # G's transfer
    (statement,) = [q["sql"] for q in queries.captured_queries if "complaints_event" in q["sql"]]
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_bitmapscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN " + statement)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    scans = [line for line in plan.splitlines() if "on complaints_event" in line]
    assert scans and all("Index Only Scan using event_transfer_cover" in line for line in scans), plan
