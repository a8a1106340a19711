"""Reads for the committee pages that sit above the raw KPI queries: the dashboard's cached figures."""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Iterator

from django.conf import settings
from django.core.cache import cache
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy

from complaints.models import Category, Complaint, Priority
from municipality.models import Department, District
from reports import kpi_cube, kpis, tasks
from reports.filters import ComplaintReportFilter, report_filter
from reports.models import WeeklyReport
from sla import clock as sla

#: A working day of the published targets (Sunday–Thursday 08:00–16:00).
WORKING_HOURS_A_DAY = 8

log = logging.getLogger(__name__)

#: How long a reader waits for another request's computation of the same view before computing it too.
COMPUTE_WAIT_SECONDS = 15


def _cache_seconds() -> int:
    return settings.BALAGH_REPORTS_CACHE_SECONDS


def _stale_seconds() -> int:
    return settings.BALAGH_REPORTS_STALE_SECONDS


def dashboard_cache_key(*, flt: ComplaintReportFilter, scope_department=None) -> str:
    """The cache key of one view: the period, the filters and the department the figures cover.

    A head's own view and the committee's view filtered to that department
    cover the same reports, so they share one key (and one computation). A
    head's department is always in their key: with their scope they can only
    reach keys of their own department.
    """
    period = flt.period
    valid = not flt.is_bound or flt.form.is_valid()
    data = flt.form.cleaned_data if flt.is_bound and valid else {}
    department = getattr(scope_department, "pk", None) or getattr(data.get("department"), "pk", None)
    params = sorted(
        (k, str(getattr(v, "pk", v)))
        for k, v in data.items()
        if v not in (None, "") and k not in ("date_from", "date_to", "department")
    )
    raw = repr((department, period.start.isoformat(), period.end.isoformat(), params, valid))
    return "reports:dashboard:" + hashlib.sha256(raw.encode()).hexdigest()


def dashboard_kpis(*, flt: ComplaintReportFilter, scope_department=None, refresh: bool = False) -> dict:
    """The dashboard's KPIs, shared through the cache (stale-while-revalidate).

    Figures younger than ``BALAGH_REPORTS_CACHE_SECONDS`` (default 600) are
    served as they are. Older ones, up to ``BALAGH_REPORTS_STALE_SECONDS``
    more (default 3600), are served at once with ``"refreshing": True`` while
    one background task (:func:`reports.tasks.refresh_dashboard`) computes them
    again, so a view the committee has opened in the last hour never waits for
    a computation. Only a view nobody opened recently is computed during the
    request: one statement per period on PostgreSQL (:mod:`reports.kpi_scan`), a page in
    0.25–0.5 s at a million reports on a small machine (``docs/benchmarks.md``), and once:
    readers asking for the same view meanwhile wait for those figures.
    :func:`warm_dashboard` (Celery beat, every 5 minutes) keeps the landing
    pages ready (the default view, and each department's). The page shows
    when the figures were computed.
    """
    fresh = _cache_seconds()
    if not fresh:
        return kpis.compile_kpis(period=flt.period, queryset=flt.complaints, overdue_limit=20)
    key = dashboard_cache_key(flt=flt, scope_department=scope_department)
    stale = max(_stale_seconds(), 0)
    if not refresh:
        entry = cache.get(key)
        if _usable(entry, fresh + stale):
            if time.time() - entry["computed"] < fresh:
                return entry["kpis"]
            return {**entry["kpis"], "refreshing": _queue_refresh(flt=flt, scope_department=scope_department, key=key)}
    # Computed once however many readers ask at the same moment (the Sunday meeting opening one new filter):
    # whoever comes first computes, the others wait for its figures.
    computing = key + ":computing"
    owner = cache.add(computing, 1, timeout=COMPUTE_WAIT_SECONDS)
    if not owner and not refresh:
        entry = _computed_elsewhere(key, computing, fresh + stale)
        if entry is not None:
            return entry["kpis"]
    try:
        computed, data = _compiled(flt, scope_department, max_age=fresh)
        cache.set(key, {"computed": computed, "kpis": data}, fresh + stale)
    finally:
        if owner:
            cache.delete(computing)
    return data


def _compiled(flt: ComplaintReportFilter, scope_department, *, max_age: float) -> tuple[float, dict]:
    """(when the figures were read, the figures) of one view: from the city's KPI cube when it is at most
    ``max_age`` seconds old and covers the view (:mod:`reports.kpi_cube`), else computed now."""
    selection = _selection(flt, scope_department)
    if selection is not None:
        cube = kpi_cube.fresh(period=flt.period, max_age_seconds=max_age)
        if cube is not None:
            scanned = kpi_cube.scan_from(cube, selection, hotspot_limit=kpis.HOTSPOT_LIMIT)
            figures = kpis.compile_kpis(
                period=flt.period, queryset=flt.complaints, now=cube.now, overdue_limit=20, scanned=scanned
            )
            return cube.now.timestamp(), figures
    return time.time(), kpis.compile_kpis(period=flt.period, queryset=flt.complaints, overdue_limit=20)


def _selection(flt: ComplaintReportFilter, scope_department) -> kpi_cube.Selection | None:
    """The view's filters as the cube's keys; ``None`` where the cube cannot answer (invalid filters, a
    department other than the reader's own)."""
    data = {}
    if flt.is_bound:
        if not flt.form.is_valid():
            return None
        data = flt.form.cleaned_data
    department = data.get("department")
    if scope_department is not None:
        if department is not None and department.pk != scope_department.pk:
            return None
        department = scope_department
    return kpi_cube.Selection(
        department=department.pk if department is not None else None,
        category=data["category"].pk if data.get("category") is not None else None,
        channel=data.get("channel") or None,
        district=data["district"].pk if data.get("district") is not None else None,
        priority=data.get("priority") or None,
    )


def _usable(entry, max_age: float) -> bool:
    return isinstance(entry, dict) and "kpis" in entry and "computed" in entry and time.time() - entry["computed"] < max_age


def _computed_elsewhere(key: str, computing: str, max_age: float) -> dict | None:
    """Wait while another request or worker computes this view; its cache entry, or None if it gave up."""
    deadline = time.monotonic() + COMPUTE_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.1)
        entry = cache.get(key)
        if _usable(entry, max_age):
            return entry
        if cache.get(computing) is None:  # it failed or was stopped: compute here
            return None
    return None


def _queue_refresh(*, flt: ComplaintReportFilter, scope_department, key: str) -> bool:
    """Ask a worker to recompute one view, once per view however many readers see it stale."""
    lock = key + ":refreshing"
    if not cache.add(lock, 1, timeout=_cache_seconds()):
        return True  # already queued
    query = urlencode(flt.data, doseq=True) if flt.data else ""
    try:
        tasks.refresh_dashboard.delay(query, getattr(scope_department, "pk", None))
    except Exception:  # noqa: BLE001 - the broker is down: serve the older figures, try again next time
        log.warning("could not queue a dashboard refresh", exc_info=True)
        cache.delete(lock)
        return False
    return True


def refresh_dashboard_view(*, query: str, scope_department_id: int | None) -> str | None:
    """Recompute one dashboard view (its filter as a query string) into the cache; returns its key.

    A view scoped to a department that no longer exists is not computed (it
    would otherwise be the whole city's figures under a head's key).
    """
    department = None
    if scope_department_id is not None:
        department = Department.objects.filter(pk=scope_department_id).first()
        if department is None:
            return None
    flt = report_filter(QueryDict(query) if query else None, scope_department=department)
    key = dashboard_cache_key(flt=flt, scope_department=department)
    try:
        dashboard_kpis(flt=flt, scope_department=department, refresh=True)
    finally:
        cache.delete(key + ":refreshing")
    return key


def warm_dashboard() -> list[str]:
    """Recompute the committee pages' landing views into the cache.

    The committee's and the mayor's default view (last 28 days, no filter)
    and each active department's: the page its head lands on, which is also
    the committee's first drill-down (the same key, see
    :func:`dashboard_cache_key`). Returns the cache keys written.
    """
    keys = []
    for department in [None, *Department.objects.filter(active=True).order_by("pk")]:
        flt = report_filter(scope_department=department)
        dashboard_kpis(flt=flt, scope_department=department, refresh=True)
        keys.append(dashboard_cache_key(flt=flt, scope_department=department))
    return keys


# --------------------------------------------------------------------------- the city's figures in public (/figures/)
#
# What anyone may read without signing in: the published service levels, the frozen weekly
# snapshots' city figures, the departments' and utilities' on-time ranking, and an open-data
# file of the reports with nothing that points at a person: no free text, no names, numbers,
# e-mails, tracking numbers or staff; dates by day; the location rounded to about 100 m.

#: How many whole weeks the public page shows, and how many the ranking adds up.
PUBLIC_WEEKS = 8
RANKING_WEEKS = 4
PUBLIC_CACHE_SECONDS = 600
#: Three decimals of a degree: 111 m north–south, about 105 m east–west at Khamis Mushait.
OPEN_DATA_DECIMALS = 3
#: The open-data file's columns, in order, with what each holds (the page lists them).
OPEN_DATA_FIELDS: list[tuple[str, str | Promise]] = [
    ("main_type", gettext_lazy("main type code")),
    ("main_type_ar", gettext_lazy("main type, Arabic name")),
    ("main_type_en", gettext_lazy("main type, English name")),
    ("sub_type", gettext_lazy("sub-type code")),
    ("sub_type_ar", gettext_lazy("sub-type, Arabic name")),
    ("sub_type_en", gettext_lazy("sub-type, English name")),
    ("district", gettext_lazy("district code (empty: outside the mapped districts)")),
    ("district_ar", gettext_lazy("district, Arabic name")),
    ("district_en", gettext_lazy("district, English name")),
    ("channel", gettext_lazy("how it was received: web, app, phone_940, whatsapp, twitter, email, field_officer, walk_in")),
    ("received_date", gettext_lazy("day received (YYYY-MM-DD, Asia/Riyadh)")),
    ("resolved_date", gettext_lazy("day the work was reported done (empty if not)")),
    ("closed_date", gettext_lazy("day it was closed (empty if open)")),
    ("status", gettext_lazy("new, assigned, in_progress, on_hold, resolved, closed or reopened")),
    ("closure_reason", gettext_lazy("why it was closed: fixed, duplicate, not_valid, out_of_jurisdiction, cannot_fix")),
    ("latitude", gettext_lazy("latitude rounded to 0.001° (about 100 m)")),
    ("longitude", gettext_lazy("longitude rounded to 0.001° (about 100 m)")),
]


def public_sla_table() -> list[dict]:
    """The published targets per main type and sub-type, as the clock applies them (complaints.sla)."""
    table = sla.priority_targets()
    subs = Category.objects.sub_types().active().select_related("parent").order_by("parent__sort_order", "sort_order", "pk")
    groups: dict[int, dict] = {}
    for sub in subs:
        target = sla.target_for(category=sub, priority=sub.default_priority, table=table)
        group = groups.setdefault(sub.parent_id, {"main": sub.parent, "subs": []})
        group["subs"].append(
            {
                "category": sub,
                "priority": Priority(sub.default_priority).label,
                "wall_clock": target.wall_clock,
                "response_hours": _hours(target.response),
                "resolution_hours": _hours(target.resolution),
                # Which plural form to use ("1.5 hours" reads as plural): the next whole hour.
                "response_count": math.ceil(target.response.total_seconds() / 3600),
                "resolution_count": math.ceil(target.resolution.total_seconds() / 3600),
                "resolution_days": round(target.resolution.total_seconds() / 3600 / WORKING_HOURS_A_DAY, 1),
            }
        )
    return list(groups.values())


def _hours(span) -> int | float:
    """Whole hours as an integer (so the plural forms apply), else one decimal."""
    hours = round(span.total_seconds() / 3600, 1)
    return int(hours) if hours == int(hours) else hours


def _whole_weeks(limit: int) -> list[WeeklyReport]:
    recent = WeeklyReport.objects.only("week_start", "kpis", "generated_at", "recompiled_at").order_by("-week_start")
    return [report for report in recent[: limit + 1] if not report.is_partial][:limit]


def public_weekly_figures(*, weeks: int = PUBLIC_WEEKS) -> list[dict]:
    """The last whole weeks' city figures from the frozen snapshots, newest first."""
    rows = []
    for report in _whole_weeks(weeks):
        s = report.kpis.get("summary", {})
        rows.append(
            {
                "week_start": report.week_start,
                "week_end": report.week_end,
                "received": s.get("received"),
                "completed": s.get("completed"),
                "completion_pct": s.get("completion_pct"),
                "sla_pct": s.get("sla_pct"),
                "satisfied_pct": s.get("satisfied_pct"),
                "rating_avg": s.get("rating_avg"),
                "rated": s.get("rated"),
            }
        )
    return rows


def _ranking(reports: list[WeeklyReport], table: str) -> list[dict]:
    """Departments or utilities by on-time completion over ``reports``, best first.

    A snapshot keeps each row's percentage and how many reports were finished; the weeks add
    up as finished-weighted shares, so a busy week counts for what it weighs.
    """
    rows: dict = {}
    for report in reports:
        for row in report.kpis.get(table, []):
            if row.get("id") is None:
                continue
            entry = rows.setdefault(
                row["id"], {"name_ar": row.get("name_ar", ""), "name_en": row.get("name_en", ""), "finished": 0, "on_time": 0.0}
            )
            finished = row.get("finished") or 0
            entry["finished"] += finished
            entry["on_time"] += finished * (row.get("sla_pct") or 0) / 100
    ranked = []
    for entry in rows.values():
        entry["on_time_pct"] = round(100 * entry["on_time"] / entry["finished"], 1) if entry["finished"] else None
        entry["on_time"] = round(entry["on_time"])
        ranked.append(entry)
    ranked.sort(key=lambda e: (e["on_time_pct"] is None, -(e["on_time_pct"] or 0), -e["finished"], e["name_en"]))
    return ranked


def public_figures() -> dict:
    """Everything /figures/ shows, shared through the cache for a few minutes (the page is public)."""
    key = "reports:public-figures"
    data = cache.get(key)
    if data is None:
        ranking_weeks = _whole_weeks(RANKING_WEEKS)
        data = {
            "weeks": public_weekly_figures(),
            "departments": _ranking(ranking_weeks, "departments"),
            "utilities": _ranking(ranking_weeks, "utilities"),
            "ranking_from": ranking_weeks[-1].week_start if ranking_weeks else None,
            "ranking_to": ranking_weeks[0].week_end if ranking_weeks else None,
        }
        cache.set(key, data, PUBLIC_CACHE_SECONDS)
    return data


def open_data_rows() -> Iterator[list]:
    """The header, then one anonymised row per report, read in chunks without model instances."""
    yield [name for name, _help in OPEN_DATA_FIELDS]
    categories = {
        pk: (code, ar, en or ar, parent)
        for pk, code, ar, en, parent in Category.objects.values_list("pk", "code", "name_ar", "name_en", "parent_id")
    }
    districts = {
        pk: (code, ar, en or ar) for pk, code, ar, en in District.objects.values_list("pk", "code", "name_ar", "name_en")
    }
    no_district = ("", "", "")
    places = OPEN_DATA_DECIMALS

    def day(value) -> str:
        return timezone.localtime(value, kpis.RIYADH).date().isoformat() if value else ""

    columns = (
        "category_id",
        "district_id",
        "channel",
        "created_at",
        "resolved_at",
        "closed_at",
        "status",
        "closure_reason",
        "lat",
        "lon",
    )
    for category_id, district_id, channel, created, resolved, closed, status, reason, lat, lon in (
        Complaint.objects.order_by("created_at", "pk").values_list(*columns).iterator(chunk_size=2000)
    ):
        # A report still in triage (an e-mail, a tweet) has no type and no place yet: empty cells.
        sub_code, sub_ar, sub_en, parent_id = (categories.get(category_id) if category_id else None) or ("", "", "", None)
        main_code, main_ar, main_en, _parent = (categories.get(parent_id) if parent_id else None) or (
            sub_code,
            sub_ar,
            sub_en,
            None,
        )
        yield [
            main_code,
            main_ar,
            main_en,
            sub_code,
            sub_ar,
            sub_en,
            *(districts.get(district_id) or no_district),
            channel,
            day(created),
            day(resolved),
            day(closed),
            status,
            reason,
            f"{lat:.{places}f}" if lat is not None else "",
            f"{lon:.{places}f}" if lon is not None else "",
        ]
