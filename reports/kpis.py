"""THE key performance indicators of the follow-up committee, computed in the database.

Every number here is one aggregate query (conditional ``COUNT``/``AVG``/``SUM``
with ``FILTER``) over the complaints table — never a Python loop over
complaints. Python only turns a handful of group rows into percentages.

The KPIs themselves (what "received", "backlog", "SLA compliance" … mean)
are defined once, as Django expressions, in :mod:`reports.kpi_definitions`;
this module and :mod:`reports.kpi_scan` only compute them.

Resolution times are given in calendar days and in *working hours*: mean,
median and 90th percentile (``percentile_cont``; on PostgreSQL an ordered-set
aggregate, on SQLite an ``ORDER BY … OFFSET`` query — both in the database).
Working hours are an approximation computed in the database from the
calendar time: ``calendar hours × f`` where ``f`` is the share of working
time in the whole weeks ending with the period, measured once with the
business calendar (``municipality.calendar``: working week and holidays;
Sunday–Thursday 08:00–16:00 without holidays gives f = 40/168). It ignores
where in the day a report arrived; it is exact on average over whole
weeks. Times include time on hold (the citizen waited through it).

Grades (per department) compare SLA compliance and completion with
``settings.BALAGH_KPI_GRADE_THRESHOLDS`` (defaults in
:data:`DEFAULT_GRADE_THRESHOLDS`): a metric at or above the first number is
A, the second B, the third C, else D; the department's grade is its worst
metric grade. A department with nothing to measure has no grade.

Performance: on PostgreSQL :func:`compile_kpis` computes every count, average
and percentile of the period and of the period before (totals, the five
breakdowns, the types' previous counts, the trend, the hotspots) in ONE
statement that reads the relevant rows once (:mod:`reports.kpi_scan`). On SQLite,
and in the selectors called one by one, each figure is its own query
(:func:`compile_kpis_per_query`; the totals and the five breakdowns from
:func:`grouped_counts`), every query narrowed first with an
index-friendly pre-filter (``relevant_q``: indexes on ``created_at``,
``closed_at``, ``resolved_at`` and ``rated_at``). Both give the same figures
(tests/reports/test_kpi_scan.py). Figures and method: ``docs/benchmarks.md``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta
from typing import Any, TypedDict

from django.conf import settings
from django.db import connections
from django.db.models import Aggregate, Count, F, FloatField, Q, QuerySet
from django.db.models.functions import TruncDate, TruncMonth, TruncWeek
from django.utils import timezone

from complaints.models import Category, Channel, Complaint, Event
from complaints.workflow import Status
from municipality.calendar import business_calendar
from municipality.models import Department, District, Utility, WorkingWeek
from reports import kpi_scan
from reports.kpi_definitions import (
    DIMENSIONS,
    KPI_AVERAGES,
    PERCENTILE_POINTS,
    RIYADH,
    TREND_SERIES,
    Period,
    backlog_q,
    dimension_keys,
    hotspot_cell,
    in_period,
    kpi_aggregates,
    kpi_annotations,
    kpi_flags,
    open_q,
    relevant_q,
)
from sla.clock import priority_targets

GRID_CELL_DEGREES = 0.01  # about 1.1 km
HOTSPOT_LIMIT = 50
DEFAULT_GRADE_THRESHOLDS = {"sla_pct": (90, 75, 60), "completion_pct": (90, 75, 60)}
GRADES = ("A", "B", "C", "D")


# --------------------------------------------------------------------------- database helpers


class PercentileCont(Aggregate):
    """PostgreSQL ``percentile_cont(p) WITHIN GROUP (ORDER BY expr)``."""

    function = "percentile_cont"
    name = "PercentileCont"
    output_field = FloatField()
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, *, percentile: float, **extra):
        if not 0 <= percentile <= 1:
            raise ValueError("percentile must be between 0 and 1")
        super().__init__(expression, percentile=repr(float(percentile)), **extra)


def percentiles(queryset: QuerySet, expression, points=(0.5, 0.9)) -> dict[float, float | None]:
    """Continuous percentiles of ``expression`` over ``queryset``, computed by the database.

    PostgreSQL: one ordered-set aggregate. SQLite: a count, then for each
    point the two neighbouring values fetched with ``ORDER BY … LIMIT 2 OFFSET k``
    and interpolated like ``percentile_cont``.
    """
    vendor = connections[queryset.db].vendor
    if vendor == "postgresql":
        row = queryset.aggregate(**{f"p{i}": PercentileCont(expression, percentile=p) for i, p in enumerate(points)})
        return {p: row[f"p{i}"] for i, p in enumerate(points)}
    values = queryset.annotate(_pv=expression).filter(_pv__isnull=False).order_by("_pv").values_list("_pv", flat=True)
    n = values.count()
    result: dict[float, float | None] = {}
    for p in points:
        if n == 0:
            result[p] = None
            continue
        h = (n - 1) * p
        lo = math.floor(h)
        pair = list(values[lo : lo + 2])
        hi_value = pair[1] if len(pair) > 1 else pair[0]
        result[p] = pair[0] + (hi_value - pair[0]) * (h - lo)
    return result


_factor_memo: ContextVar[dict | None] = ContextVar("reports_kpi_factor_memo", default=None)


def working_hours_factor(period: Period | None = None) -> float:
    """Working hours per calendar hour (remembered for the duration of one :func:`compile_kpis`)."""
    memo = _factor_memo.get()
    if memo is not None and period in memo:
        return memo[period]
    value = _working_hours_factor(period)
    if memo is not None:
        memo[period] = value
    return value


def _working_hours_factor(period: Period | None) -> float:
    """Working hours per calendar hour.

    With a ``period``: measured with the municipality's business calendar
    (``municipality.calendar``: working week *and holidays*) over the whole weeks
    ending with the period, at least five (so a report received three weeks
    earlier is still covered). Without one: the active working week alone
    (40 / 168 for Sunday–Thursday 08:00–16:00).
    """
    if period is not None:
        try:
            weeks = max(5, math.ceil(period.days / 7))
            start = period.end - timedelta(days=7 * weeks)
            return business_calendar().between(start, period.end) / (period.end - start)
        except Exception:  # noqa: BLE001 - a broken calendar must not stop the report; fall back below
            pass
    week = WorkingWeek.objects.filter(active=True).order_by("pk").first()
    if week is None:
        return 40 / 168
    opens = week.start if isinstance(week.start, time) else time.fromisoformat(str(week.start))
    closes = week.end if isinstance(week.end, time) else time.fromisoformat(str(week.end))
    per_day = (datetime.combine(date.min, closes) - datetime.combine(date.min, opens)).total_seconds() / 3600
    return max(per_day, 0) * len(set(week.days or [])) / 168


def _pct(part: int | None, whole: int | None) -> float | None:
    if not whole:
        return None
    return round(100.0 * (part or 0) / whole, 1)


def _days(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 86400, 2)


def _whours(seconds: float | None, factor: float) -> float | None:
    return None if seconds is None else round(seconds / 3600 * factor, 1)


def _finish_row(row: dict, factor: float) -> dict:
    """Turn raw counts into the published figures (no database access)."""
    out = {k: row.get(k) for k in ("received", "closed", "finished", "completed", "backlog", "overdue", "rated")}
    out.update(
        completion_pct=_pct(row["completed"], row["received"]),
        sla_pct=_pct(row["sla_ok"], row["sla_n"]),
        response_pct=_pct(row["response_ok"], row["response_n"]),
        avg_days=_days(row["avg_seconds"]),
        avg_working_hours=_whours(row["avg_seconds"], factor),
        rating_avg=None if row["rating_avg"] is None else round(float(row["rating_avg"]), 2),
        satisfied_pct=_pct(row["satisfied"], row["rated"]),
        reopen_pct=_pct(row["reopened"], row["finished"]),
        duplicate_pct=_pct(row["duplicates"], row["received"]),
    )
    return out


def _base(queryset: QuerySet | None, period: Period, as_of: datetime) -> QuerySet:
    qs = Complaint.objects.all() if queryset is None else queryset
    return qs.filter(relevant_q(period, as_of)).annotate(**kpi_annotations())


# --------------------------------------------------------------------------- selectors


def kpi_summary(
    *,
    period: Period,
    queryset: QuerySet | None = None,
    now: datetime | None = None,
    totals: dict | None = None,
    resolution_percentiles: dict[float, float | None] | None = None,
    transfers: int | None = None,
) -> dict:
    """The headline numbers of ``period`` over ``queryset`` (default: all complaints).

    ``totals`` is the raw aggregate row and ``resolution_percentiles`` the median
    and 90th percentile in seconds and ``transfers`` when the caller already
    has them (see :func:`grouped_counts`, :mod:`reports.kpi_scan` and
    :func:`transfer_counts`).
    """
    as_of = period.as_of(now)
    factor = working_hours_factor(period)
    base = _base(queryset, period, as_of)
    row = totals if totals is not None else base.aggregate(**kpi_aggregates(period, as_of))
    out = _finish_row(row, factor)
    pts = resolution_percentiles
    if pts is None:
        value, flag = KPI_AVERAGES["avg_seconds"]
        pts = percentiles(base.filter(kpi_flags(period, as_of)[flag]), F(value), PERCENTILE_POINTS)
    out.update(
        median_days=_days(pts[0.5]),
        p90_days=_days(pts[0.9]),
        median_working_hours=_whours(pts[0.5], factor),
        p90_working_hours=_whours(pts[0.9], factor),
        transfers=transfers if transfers is not None else transfer_counts(period=period, queryset=queryset)["current"],
        working_hours_factor=round(factor, 4),
    )
    return out


def grade(row: dict, thresholds: dict | None = None) -> str:
    """A–D against the targets; ``""`` when there is nothing to grade."""
    thresholds = thresholds or settings.BALAGH_KPI_GRADE_THRESHOLDS
    worst = -1
    for metric, limits in thresholds.items():
        value = row.get(metric)
        if value is None:
            continue
        level = next((i for i, limit in enumerate(limits) if value >= limit), len(limits))
        worst = max(worst, min(level, len(GRADES) - 1))
    return GRADES[worst] if worst >= 0 else ""


def _grouped(queryset, period, as_of, key, factor, raw: list[dict] | None = None) -> list[dict]:
    if raw is not None:
        return [{"key": r["key"], **_finish_row(r, factor)} for r in raw]
    base = _base(queryset, period, as_of)
    if not isinstance(key, str):
        base = base.annotate(_kpi_key=key)
        key = "_kpi_key"
    rows = base.values(key).annotate(**kpi_aggregates(period, as_of)).order_by()
    return [{"key": r[key], **_finish_row(r, factor)} for r in rows]


def _names(model, ids) -> dict:
    return {
        o.pk: {"id": o.pk, "name_ar": o.name_ar, "name_en": o.name_en or o.name_ar}
        for o in model.objects.filter(pk__in=[i for i in ids if i is not None])
    }


NO_NAME = {"id": None, "name_ar": "غير محدد", "name_en": "Not set"}


def _named(rows: list[dict], names: dict) -> list[dict]:
    for r in rows:
        r.update(names.get(r["key"], NO_NAME))
    return sorted(rows, key=lambda r: (-(r["received"] or 0), -(r["backlog"] or 0), r["name_en"]))


def _events_of(queryset: QuerySet | None) -> QuerySet:
    """Timeline events of the complaints in ``queryset`` (all events when it is unfiltered)."""
    if queryset is None or not queryset.query.where:
        return Event.objects.all()
    return Event.objects.filter(complaint__in=queryset.values("pk"))


def transfer_counts(*, period: Period, queryset: QuerySet | None = None) -> dict:
    """The transfers of ``period`` and of the period before in ONE query.

    ``{"current": n, "previous": n, "out_of": {department code: n of the period}}``:
    what :func:`kpi_summary` (``transfers``) and :func:`by_department`
    (``transfers_out``) count. With a filter, the events are those of the
    reports the filter matches (a semi-join, :func:`_events_of`): at a million
    reports 2× faster than looking each event's report up inside the
    aggregate's ``FILTER`` (docs/benchmarks.md, "Committee reports").
    """
    previous = period.previous()
    in_p, in_q = in_period("created_at", period), in_period("created_at", previous)
    rows = list(
        _events_of(queryset)
        .filter(in_period("created_at", Period(start=previous.start, end=period.end)), kind=Event.Kind.TRANSFERRED)
        .values("data__from")
        # created_at (never NULL) rather than the pk: the count reads the covering index alone
        .annotate(p=Count("created_at", filter=in_p), q=Count("created_at", filter=in_q))
        .order_by()
    )
    out_of: dict[str, int] = {r["data__from"]: r["p"] for r in rows if r["p"]}
    return {"current": sum(r["p"] for r in rows), "previous": sum(r["q"] for r in rows), "out_of": out_of}


def by_department(
    *,
    period: Period,
    queryset: QuerySet | None = None,
    now: datetime | None = None,
    raw: list[dict] | None = None,
    transfers_out: dict | None = None,
) -> list[dict]:
    """Per department; ``transfers_out`` (``{department code: n}``, see :func:`transfer_counts`) when the caller has it."""
    as_of = period.as_of(now)
    rows = _grouped(queryset, period, as_of, "department_id", working_hours_factor(period), raw)
    if transfers_out is None:
        transfers_out = transfer_counts(period=period, queryset=queryset)["out_of"]
    codes = {d.code: d.pk for d in Department.objects.only("pk", "code")}
    out_by_id = {codes.get(code): n for code, n in transfers_out.items()}
    for r in rows:
        r["transfers_out"] = out_by_id.get(r["key"], 0)
        r["grade"] = grade(r)
    return _named(rows, _names(Department, [r["key"] for r in rows]))


def by_channel(
    *, period: Period, queryset: QuerySet | None = None, now: datetime | None = None, raw: list[dict] | None = None
) -> list[dict]:
    rows = _grouped(queryset, period, period.as_of(now), "channel", working_hours_factor(period), raw)
    labels = dict(Channel.choices)
    from django.utils import translation

    for r in rows:
        with translation.override("ar"):
            r["name_ar"] = str(labels.get(r["key"], r["key"]))
        with translation.override("en"):
            r["name_en"] = str(labels.get(r["key"], r["key"]))
        r["id"] = r["key"]
    return sorted(rows, key=lambda r: (-(r["received"] or 0), r["key"]))


def by_category(
    *,
    period: Period,
    queryset: QuerySet | None = None,
    now: datetime | None = None,
    raw: list[dict] | None = None,
    previous_received: dict | None = None,
) -> list[dict]:
    """Per main type, with the change in received reports from the previous period of the same length.

    ``previous_received`` (``{main type id: count}``) when the caller already has it.
    """
    main = dimension_keys()["_d_category"]
    rows = _grouped(queryset, period, period.as_of(now), main, working_hours_factor(period), raw)
    for row in rows:  # -1: reports still in triage, without a type; shown as "not set"
        row["key"] = None if row["key"] == -1 else row["key"]
    before = previous_received
    if before is None:
        qs = Complaint.objects.all() if queryset is None else queryset
        before = {
            None if key == -1 else key: n
            for key, n in qs.filter(kpi_flags(period.previous(), period.previous().end)["received"])
            .annotate(_main=main)
            .values("_main")
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("_main", "n")
        }
    seen = {r["key"] for r in rows}
    for key in set(before) - seen:  # types that had reports last period and none now
        rows.append(
            {
                "key": key,
                **_finish_row({k: 0 for k in kpi_aggregates(period, period.end)} | {"avg_seconds": None, "rating_avg": None}, 1),
            }
        )
    for r in rows:
        r["previous_received"] = before.get(r["key"], 0)
        r["change"] = (r["received"] or 0) - r["previous_received"]
        r["change_pct"] = _pct(r["change"], r["previous_received"])
    return _named(rows, _names(Category, [r["key"] for r in rows]))


def by_district(
    *, period: Period, queryset: QuerySet | None = None, now: datetime | None = None, raw: list[dict] | None = None
) -> list[dict]:
    rows = _grouped(queryset, period, period.as_of(now), "district_id", working_hours_factor(period), raw)
    return _named(rows, _names(District, [r["key"] for r in rows]))


def by_utility(
    *, period: Period, queryset: QuerySet | None = None, now: datetime | None = None, raw: list[dict] | None = None
) -> list[dict]:
    qs = Complaint.objects.all() if queryset is None else queryset
    if raw is not None:
        raw = [r for r in raw if r["key"] is not None]
    rows = _grouped(qs.filter(utility__isnull=False), period, period.as_of(now), "utility_id", working_hours_factor(period), raw)
    return _named(rows, _names(Utility, [r["key"] for r in rows]))


def trend_step(period: Period) -> tuple:
    """The trend's bucket: ``(Trunc function, name)`` — per day, per week beyond 92 days, per month beyond 2 years."""
    if period.days > 730:
        return TruncMonth, "month"
    if period.days > 92:
        return TruncWeek, "week"
    return TruncDate, "day"


def trend(*, period: Period, queryset: QuerySet | None = None, counts: tuple[dict, dict] | None = None) -> list[dict]:
    """Received and closed per day (per week beyond 92 days, per month beyond 2 years).

    ``counts`` is ``({bucket: received}, {bucket: closed})`` when the caller already has them.
    """
    qs = Complaint.objects.all() if queryset is None else queryset
    trunc, step = trend_step(period)

    flags = kpi_flags(period, period.end)

    def counted(series: str) -> dict:
        bucket = trunc(TREND_SERIES[series], tzinfo=RIYADH)
        rows = qs.filter(flags[series]).annotate(_b=bucket).values("_b").annotate(n=Count("pk")).order_by()
        return {(r["_b"].date() if isinstance(r["_b"], datetime) else r["_b"]): r["n"] for r in rows}

    if counts is not None:
        received, closed = counts
    else:
        received, closed = counted("received"), counted("closed")
    buckets = sorted(set(received) | set(closed))
    if step == "day":
        buckets = [period.first_day + timedelta(days=i) for i in range(period.days)]
    return [{"day": b.isoformat(), "step": step, "received": received.get(b, 0), "closed": closed.get(b, 0)} for b in buckets]


def hotspot_cells(
    *,
    period: Period,
    queryset: QuerySet | None = None,
    limit: int = 50,
    cell: float = GRID_CELL_DEGREES,
    rows: Sequence[Mapping[str, Any]] | None = None,
) -> list[dict]:
    """The map grid cells (``cell`` degrees square) with the most reports received in ``period``.

    ``rows`` (``{"_cy", "_cx", "n", "open"}``, the busiest first) when the caller already has them.
    """
    if rows is None:
        qs = Complaint.objects.all() if queryset is None else queryset
        cy, cx = hotspot_cell(cell)
        rows = list(
            qs.filter(kpi_flags(period, period.end)["received"], lat__isnull=False, lon__isnull=False)  # triage: no pin
            .annotate(_cy=cy, _cx=cx)
            .values("_cy", "_cx")
            .annotate(n=Count("pk"), open=Count("pk", filter=open_q()))
            .order_by("-n", "_cy", "_cx")[:limit]
        )
    return [
        {"lat": round((r["_cy"] + 0.5) * cell, 5), "lon": round((r["_cx"] + 0.5) * cell, 5), "count": r["n"], "open": r["open"]}
        for r in rows
    ]


def overdue_list(*, period: Period, queryset: QuerySet | None = None, now: datetime | None = None, limit: int = 50) -> list[dict]:
    """Reports still open at ``as_of`` past their resolution due time, the most overdue first.

    "Most overdue" is working time past the due time (wall-clock time for a 24/7 priority), so
    a weekend does not lift a report above one that lost two working days. A report on hold
    stopped its clock when it went on hold: it is listed only if it was already late then,
    marked as on hold, with the lateness it had when the clock stopped.
    """
    as_of = period.as_of(now)
    qs = Complaint.objects.all() if queryset is None else queryset
    stopped_in_time = Q(status=Status.ON_HOLD, on_hold_since__isnull=False, on_hold_since__lte=F("resolution_due_at"))
    candidates = list(
        qs.filter(backlog_q(as_of), resolution_due_at__lt=as_of)
        .exclude(stopped_in_time)
        .select_related("category", "category__parent", "department", "utility", "assignee", "district")
        # Working time is not monotonic in the due time (holds, 24/7 clocks): read more than shown, then sort.
        .order_by("resolution_due_at", "pk")[: limit * 2]
    )
    calendar = business_calendar()
    wall_clock = {priority for priority, (clock, *_targets) in priority_targets().items() if clock == "wall"}
    day = calendar.day_length.total_seconds()
    out = []
    for c in candidates:  # at most ``2 × limit`` rows, for display
        owner = c.utility or c.department
        category = c.category  # None while in triage (it has no due time then, so it is not listed)
        due = c.resolution_due_at
        assert due is not None  # the filter above requires one
        on_hold = c.status == Status.ON_HOLD and c.on_hold_since is not None and c.on_hold_since <= as_of
        clock_end = c.on_hold_since if on_hold else as_of
        late = (clock_end - due) if c.priority in wall_clock else calendar.between(due, clock_end)
        out.append(
            {
                "id": c.pk,
                "tracking_number": c.tracking_number,
                "status": c.status,
                "on_hold": on_hold,
                "priority": c.priority,
                "category_ar": category.name_ar if category else NO_NAME["name_ar"],
                "category_en": (category.name_en or category.name_ar) if category else NO_NAME["name_en"],
                "owner_ar": owner.name_ar if owner else NO_NAME["name_ar"],
                "owner_en": (owner.name_en or owner.name_ar) if owner else NO_NAME["name_en"],
                "assignee": c.assignee.get_full_name() or c.assignee.get_username() if c.assignee else "",
                "district_ar": c.district.name_ar if c.district else "",
                "district_en": (c.district.name_en or c.district.name_ar) if c.district else "",
                "created_at": c.created_at.isoformat(),
                "due_at": due.isoformat(),
                "age_days": round((as_of - c.created_at).total_seconds() / 86400, 1),
                "overdue_days": round((clock_end - due).total_seconds() / 86400, 1),
                "overdue_working_days": round(late.total_seconds() / day, 1) if c.priority not in wall_clock else None,
                "overdue_hours": round(late.total_seconds() / 3600, 1),
                "escalation_level": c.escalation_level,
            }
        )
    out.sort(key=lambda row: (-row["overdue_hours"], row["due_at"], row["id"]))
    return out[:limit]


def grouped_counts(*, period: Period, queryset: QuerySet | None = None, now: datetime | None = None) -> dict[str, Any]:
    """The raw aggregates for the whole set (``"all"``) and per dimension: one ``GROUP BY`` query each.

    PostgreSQL computes them all in the one statement of :mod:`reports.kpi_scan`.
    """
    as_of = period.as_of(now)
    aggregates = kpi_aggregates(period, as_of)
    keys = dimension_keys()
    base = _base(queryset, period, as_of)
    out: dict[str, Any] = {}
    for dim in DIMENSIONS:
        name = f"_d_{dim}"
        rows = base.annotate(**{name: keys[name]}).values(name).annotate(**aggregates).order_by()
        out[dim] = [{**r, "key": None if r[name] == -1 else r[name]} for r in rows]
    out["all"] = base.aggregate(**aggregates)
    return out


class _Scope(TypedDict):
    """What every selector of one report is called with."""

    period: Period
    queryset: QuerySet | None
    now: datetime


@contextmanager
def _factors_remembered() -> Iterator[None]:
    """The working-hours factors are measured once per period while computing one report."""
    token = _factor_memo.set({})
    try:
        yield
    finally:
        _factor_memo.reset(token)


def _head(period: Period, now: datetime) -> dict:
    return {
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "first_day": period.first_day.isoformat(),
            "last_day": period.last_day.isoformat(),
            "as_of": period.as_of(now).isoformat(),
        }
    }


def compile_kpis_per_query(
    *,
    period: Period,
    queryset: QuerySet | None = None,
    now: datetime | None = None,
    overdue_limit: int = 50,
    groups: dict[str, Any] | None = None,
) -> dict:
    """What :func:`compile_kpis` returns, one query per figure (SQLite's path).

    ``groups`` (as :func:`grouped_counts` returns them) when the caller already has them.
    """
    now = now or timezone.now()
    kw = _Scope(period=period, queryset=queryset, now=now)
    with _factors_remembered():
        groups = groups if groups is not None else grouped_counts(period=period, queryset=queryset, now=now)
        moved = transfer_counts(period=period, queryset=queryset)
        return _head(period, now) | {
            "summary": kpi_summary(**kw, totals=groups["all"], transfers=moved["current"]),
            "previous_summary": kpi_summary(period=period.previous(), queryset=queryset, now=now, transfers=moved["previous"]),
            "departments": by_department(**kw, raw=groups["department"], transfers_out=moved["out_of"]),
            "channels": by_channel(**kw, raw=groups["channel"]),
            "categories": by_category(**kw, raw=groups["category"]),
            "districts": by_district(**kw, raw=groups["district"]),
            "utilities": by_utility(**kw, raw=groups["utility"]),
            "trend": trend(period=period, queryset=queryset),
            "hotspots": hotspot_cells(period=period, queryset=queryset, limit=HOTSPOT_LIMIT),
            "overdue": overdue_list(**kw, limit=overdue_limit),
        }


def compile_kpis(
    *,
    period: Period,
    queryset: QuerySet | None = None,
    now: datetime | None = None,
    overdue_limit: int = 50,
    scanned: dict | None = None,
) -> dict:
    """Everything the dashboard and the weekly report show, as JSON-ready data.

    PostgreSQL: every count, average and percentile of the period and the one
    before in ONE statement (:mod:`reports.kpi_scan`). SQLite, or a queryset
    that can match nothing: one query per figure (:func:`compile_kpis_per_query`).
    The figures are the same (tests/reports/test_kpi_scan.py). ``scanned``: what
    the scan would return, already at hand (the city's cube, :mod:`reports.kpi_cube`).
    """
    now = now or timezone.now()
    with _factors_remembered():
        one = (
            scanned
            if scanned is not None
            else kpi_scan.scan(
                period=period,
                queryset=queryset,
                now=now,
                trunc=trend_step(period)[0],
                hotspot_limit=HOTSPOT_LIMIT,
                cell=GRID_CELL_DEGREES,
            )
        )
        if one is None:
            return compile_kpis_per_query(period=period, queryset=queryset, now=now, overdue_limit=overdue_limit)
        return _head(period, now) | _from_scan(one, period=period, queryset=queryset, now=now, overdue_limit=overdue_limit)


def _from_scan(one: dict, *, period: Period, queryset: QuerySet | None, now: datetime, overdue_limit: int) -> dict:
    kw = _Scope(period=period, queryset=queryset, now=now)
    moved = transfer_counts(period=period, queryset=queryset)
    groups = one["groups"]
    return {
        "summary": kpi_summary(
            **kw, totals=groups["all"], resolution_percentiles=one["percentiles"]["current"], transfers=moved["current"]
        ),
        "previous_summary": kpi_summary(
            period=period.previous(),
            queryset=queryset,
            now=now,
            totals=one["previous"],
            resolution_percentiles=one["percentiles"]["previous"],
            transfers=moved["previous"],
        ),
        "departments": by_department(**kw, raw=groups["department"], transfers_out=moved["out_of"]),
        "channels": by_channel(**kw, raw=groups["channel"]),
        "categories": by_category(**kw, raw=groups["category"], previous_received=one["previous_by_category"]),
        "districts": by_district(**kw, raw=groups["district"]),
        "utilities": by_utility(**kw, raw=groups["utility"]),
        "trend": trend(period=period, queryset=queryset, counts=(one["received_by"], one["closed_by"])),
        "hotspots": hotspot_cells(period=period, queryset=queryset, limit=HOTSPOT_LIMIT, rows=one["hotspots"]),
        "overdue": overdue_list(**kw, limit=overdue_limit),
    }
