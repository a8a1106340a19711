"""Reads for the committee pages that sit above the raw KPI queries: the dashboard's cached figures."""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import QueryDict
from django.utils.http import urlencode

from municipality.models import Department
from reports import kpis, tasks
from reports.filters import ComplaintReportFilter, report_filter

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
    request: one statement on PostgreSQL (:mod:`reports.kpi_scan`), 0.4–1.4 s at
    a million reports on a small machine (``docs/benchmarks.md``), and once:
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
        data = kpis.compile_kpis(period=flt.period, queryset=flt.complaints, overdue_limit=20)
        cache.set(key, {"computed": time.time(), "kpis": data}, fresh + stale)
    finally:
        if owner:
            cache.delete(computing)
    return data


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
