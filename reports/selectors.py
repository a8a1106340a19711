"""Reads for the committee pages that sit above the raw KPI queries: the dashboard's cached figures."""
from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

from reports import kpis
from reports.filters import ComplaintReportFilter, report_filter

DEFAULT_CACHE_SECONDS = 600


def _cache_seconds() -> int:
    return int(getattr(settings, "BALAGH_REPORTS_CACHE_SECONDS", DEFAULT_CACHE_SECONDS))


def dashboard_cache_key(*, flt: ComplaintReportFilter, scope_department=None) -> str:
    period = flt.period
    valid = not flt.is_bound or flt.form.is_valid()
    data = flt.form.cleaned_data if flt.is_bound and valid else {}
    params = sorted((k, str(getattr(v, "pk", v))) for k, v in data.items() if v not in (None, "") and k not in ("date_from", "date_to"))
    raw = repr((getattr(scope_department, "pk", None), period.start.isoformat(), period.end.isoformat(), params, valid))
    return "reports:dashboard:" + hashlib.sha256(raw.encode()).hexdigest()


def dashboard_kpis(*, flt: ComplaintReportFilter, scope_department=None, refresh: bool = False) -> dict:
    """The dashboard's KPIs, shared through the cache for ``BALAGH_REPORTS_CACHE_SECONDS`` (default 600).

    A cold computation is one statement on PostgreSQL (:mod:`reports.kpi_scan`),
    0.25–0.75 s at a million reports on a small machine (``docs/benchmarks.md``); the
    committee opens the same few views over and over, so they share one
    result, and :func:`warm_dashboard` (Celery beat, every 5 minutes) keeps
    the landing pages ready (the default view, and each head's department).
    The page shows when the figures were computed.
    """
    seconds = _cache_seconds()
    key = dashboard_cache_key(flt=flt, scope_department=scope_department)
    data = cache.get(key) if seconds and not refresh else None
    if data is None:
        data = kpis.compile_kpis(period=flt.period, queryset=flt.complaints, overdue_limit=20)
        if seconds:
            cache.set(key, data, seconds)
    return data


def warm_dashboard() -> list[str]:
    """Recompute every landing page of the committee pages into the cache.

    The committee's and the mayor's default view (last 28 days, no filter),
    and the default view of each department that has an active head (a head
    lands on their own department). Returns the cache keys written.
    """
    from municipality.models import Department, Role

    headed = Department.objects.filter(staff__role=Role.HEAD, staff__user__is_active=True).distinct().order_by("pk")
    keys = []
    for department in [None, *headed]:
        flt = report_filter(scope_department=department)
        dashboard_kpis(flt=flt, scope_department=department, refresh=True)
        keys.append(dashboard_cache_key(flt=flt, scope_department=department))
    return keys
