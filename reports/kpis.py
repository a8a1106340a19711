"""THE key performance indicators of the follow-up committee, computed in the database.

Every number here is one aggregate query (conditional ``COUNT``/``AVG``/``SUM``
with ``FILTER``) over the complaints table — never a Python loop over
complaints. Python only turns a handful of group rows into percentages.

Definitions (``P`` is the half-open period ``[start, end)``; ``as_of`` is
``min(end, now)``, the moment "backlog" and "overdue" are measured at):

received
    reports whose ``created_at`` is in ``P``.
closed
    reports with status ``closed`` whose ``closed_at`` is in ``P`` (any reason).
finished
    the closed ones minus those closed as ``duplicate`` (a duplicate is never
    worked, so it would flatter the times). SLA compliance, resolution times
    and the reopen rate are measured over *finished* reports.
backlog
    reports received before ``as_of`` and neither resolved nor closed by
    ``as_of`` (``resolved`` waits for the citizen: the work is done, so it is
    not backlog). A report reopened after ``as_of`` counts as it stands now.
overdue
    backlog reports whose ``resolution_due_at`` is before ``as_of``.
completion %
    of the reports received in ``P``, the share resolved or closed by ``as_of``.
SLA compliance %
    finished reports done (``resolved_at``, else ``closed_at``) by their
    ``resolution_due_at`` ÷ finished reports that had a due time. Time spent
    on hold does not count against it: the services push the due time back
    when a report resumes.
response compliance %
    of the reports received in ``P`` whose response outcome is known (they
    had a response or their response time has passed), the share with
    ``first_response_at <= response_due_at``.
resolution time
    from ``created_at`` to ``resolved_at`` (else ``closed_at``) of finished
    reports: mean, median and 90th percentile (``percentile_cont``; on
    PostgreSQL an ordered-set aggregate, on SQLite an ``ORDER BY … OFFSET``
    query — both in the database), in calendar days and in *working hours*.
    Working hours are an approximation computed in the database from the
    calendar time: ``calendar hours × f`` where ``f`` is the share of working
    time in the whole weeks ending with the period, measured once with the
    business calendar (``municipality.calendar``: working week and holidays;
    Sunday–Thursday 08:00–16:00 without holidays gives f = 40/168). It ignores
    where in the day a report arrived; it is exact on average over whole
    weeks. Times include time on hold (the citizen waited through it).
satisfaction
    ratings given in ``P`` (``rated_at``): mean (1–5), % satisfied
    (rating ≥ 4), and how many rated.
reopen rate
    share of finished reports that were reopened at least once.
duplicate rate
    share of received reports that are duplicates (``duplicate_of`` set or
    closed as duplicate).
transfers
    transfer events in ``P``; per department, the transfers *out* of it.

Grades (per department) compare SLA compliance and completion with
``settings.BALAGH_KPI_GRADE_THRESHOLDS`` (defaults in
:data:`DEFAULT_GRADE_THRESHOLDS`): a metric at or above the first number is
A, the second B, the third C, else D; the department's grade is its worst
metric grade. A department with nothing to measure has no grade.

Performance: on PostgreSQL :func:`compile_kpis` computes every count, average
and percentile of the period and of the period before (totals, the five
breakdowns, the types' previous counts, the trend, the hotspots) in ONE
statement that reads the relevant rows once (:mod:`reports.kpi_scan`). On SQLite,
and in the selectors called one by one, each figure is its own query: the
totals and all five breakdowns in one pass where the database has grouping
sets (:func:`grouped_counts`), every query narrowed first with an
index-friendly pre-filter (:func:`_relevant_q`: indexes on ``created_at``,
``closed_at``, ``resolved_at`` and ``rated_at``). Both give the same figures
(tests/reports/test_kpi_scan.py). Figures and method: ``docs/benchmarks.md``.
"""

from __future__ import annotations

import math
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    Aggregate,
    Avg,
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Floor, TruncDate, TruncMonth, TruncWeek
from django.utils import timezone

from complaints.models import Category, Channel, Complaint, Event
from complaints.workflow import OPEN_STATUSES, ClosureReason, Status
from municipality.models import Department, District, Utility, WorkingWeek
from reports import kpi_scan

RIYADH = ZoneInfo("Asia/Riyadh")
SATISFIED_RATING = 4
GRID_CELL_DEGREES = 0.01  # about 1.1 km
HOTSPOT_LIMIT = 50
DEFAULT_GRADE_THRESHOLDS = {"sla_pct": (90, 75, 60), "completion_pct": (90, 75, 60)}
GRADES = ("A", "B", "C", "D")


# --------------------------------------------------------------------------- the period


@dataclass(frozen=True)
class Period:
    """A half-open interval of time ``[start, end)`` (aware datetimes)."""

    start: datetime
    end: datetime

    @classmethod
    def for_dates(cls, first: date, last: date, tz: ZoneInfo = RIYADH) -> Period:
        """From the first to the last local day, both included."""
        return cls(
            start=datetime.combine(first, time.min, tzinfo=tz),
            end=datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz),
        )

    @classmethod
    def week(cls, week_start: date) -> Period:
        """Sunday 00:00 to the next Sunday 00:00, Asia/Riyadh."""
        return cls.for_dates(week_start, week_start + timedelta(days=6))

    @property
    def first_day(self) -> date:
        return self.start.astimezone(RIYADH).date()

    @property
    def last_day(self) -> date:
        return (self.end.astimezone(RIYADH) - timedelta(microseconds=1)).date()

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def previous(self) -> Period:
        length = self.end - self.start
        return Period(start=self.start - length, end=self.start)

    def as_of(self, now: datetime | None = None) -> datetime:
        return min(self.end, now or timezone.now())


# --------------------------------------------------------------------------- database helpers


class EpochSeconds(Func):
    """Seconds from ``start`` to ``end`` as a float, on PostgreSQL and SQLite."""

    output_field = FloatField()

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def as_sql(self, compiler, connection, **extra):
        if connection.vendor == "postgresql":
            template = "EXTRACT(EPOCH FROM (%(expressions)s))::double precision"
            arg_joiner = " - "
        elif connection.vendor == "sqlite":
            template = "((julianday(%(expressions)s)) * 86400.0)"
            arg_joiner = ") - julianday("
        else:  # pragma: no cover - other databases are not supported by Balagh
            raise NotImplementedError(connection.vendor)
        return super().as_sql(compiler, connection, template=template, arg_joiner=arg_joiner, **extra)


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


def _finish():
    return Coalesce("resolved_at", "closed_at")


def _resolution_seconds():
    return EpochSeconds(_finish(), F("created_at"))


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
            from municipality.calendar import business_calendar

            weeks = max(5, math.ceil(period.days / 7))
            start = period.end - timedelta(days=7 * weeks)
            return business_calendar().between(start, period.end) / (period.end - start)
        except Exception:  # noqa: BLE001 - a broken calendar must not stop the report; fall back below
            pass
    week = WorkingWeek.objects.filter(active=True).order_by("pk").first()
    if week is None:
        return 40 / 168
    start = week.start if isinstance(week.start, time) else time.fromisoformat(str(week.start))
    end = week.end if isinstance(week.end, time) else time.fromisoformat(str(week.end))
    per_day = (datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds() / 3600
    return max(per_day, 0) * len(set(week.days or [])) / 168


# --------------------------------------------------------------------------- conditions


def _in(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def done_by_q(moment: datetime) -> Q:
    return Q(resolved_at__lt=moment) | Q(closed_at__lt=moment)


def backlog_q(moment: datetime) -> Q:
    """Received before ``moment`` and neither resolved nor closed by then."""
    return (
        Q(created_at__lt=moment)
        & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=moment))
        & (Q(closed_at__isnull=True) | Q(closed_at__gte=moment))
    )


def _finished_q(period: Period) -> Q:
    return _in("closed_at", period) & Q(status=Status.CLOSED) & ~Q(closure_reason=ClosureReason.DUPLICATE)


def _relevant_q(period: Period, as_of: datetime) -> Q:
    """An index-friendly superset of the rows any KPI of ``period`` looks at."""
    maybe_backlog = Q(status__in=OPEN_STATUSES) | Q(resolved_at__gte=as_of) | Q(closed_at__gte=as_of)
    return (
        _in("created_at", period) | _in("closed_at", period) | _in("rated_at", period) | (maybe_backlog & Q(created_at__lt=as_of))
    )


def _flags(period: Period, as_of: datetime) -> dict[str, Q]:
    """One condition per counted KPI; every count is ``COUNT(*) FILTER (WHERE flag)``.

    :data:`reports.kpi_scan.FLAGS` writes the same conditions over precomputed
    parts: change both (tests/reports/test_kpi_scan.py checks they agree).
    """
    received = _in("created_at", period)
    finished = _finished_q(period)
    backlog = backlog_q(as_of)
    rated = _in("rated_at", period) & Q(rating__isnull=False)
    response_known = (
        received & Q(response_due_at__isnull=False) & (Q(first_response_at__isnull=False) | Q(response_due_at__lt=as_of))
    )
    return {
        "received": received,
        "closed": _in("closed_at", period) & Q(status=Status.CLOSED),
        "finished": finished,
        "completed": received & done_by_q(as_of),
        "backlog": backlog,
        "overdue": backlog & Q(resolution_due_at__lt=as_of),
        "sla_n": finished & Q(resolution_due_at__isnull=False),
        "sla_ok": finished & Q(_kpi_finish__lte=F("resolution_due_at")),
        "response_n": response_known,
        "response_ok": response_known & Q(first_response_at__lte=F("response_due_at")),
        "rated": rated,
        "satisfied": rated & Q(rating__gte=SATISFIED_RATING),
        "reopened": finished & Q(reopen_count__gt=0),
        "duplicates": received & (Q(duplicate_of__isnull=False) | Q(closure_reason=ClosureReason.DUPLICATE)),
    }


def _aggregates(period: Period, as_of: datetime) -> dict:
    flags = _flags(period, as_of)
    aggregates = {name: Count("pk", filter=q) for name, q in flags.items()}
    aggregates["avg_seconds"] = Avg("_kpi_seconds", filter=flags["finished"])
    aggregates["rating_avg"] = Avg("rating", filter=flags["rated"])
    return aggregates


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
    return qs.filter(_relevant_q(period, as_of)).annotate(_kpi_finish=_finish(), _kpi_seconds=_resolution_seconds())


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
    row = totals if totals is not None else base.aggregate(**_aggregates(period, as_of))
    out = _finish_row(row, factor)
    pts = resolution_percentiles
    if pts is None:
        pts = percentiles(base.filter(_finished_q(period)), _resolution_seconds(), (0.5, 0.9))
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
    thresholds = thresholds or getattr(settings, "BALAGH_KPI_GRADE_THRESHOLDS", DEFAULT_GRADE_THRESHOLDS)
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
    rows = base.values(key).annotate(**_aggregates(period, as_of)).order_by()
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
    aggregate's ``FILTER`` (docs/benchmarks.md, session 5).
    """
    previous = period.previous()
    in_p, in_q = _in("created_at", period), _in("created_at", previous)
    rows = (
        _events_of(queryset)
        .filter(_in("created_at", Period(start=previous.start, end=period.end)), kind=Event.Kind.TRANSFERRED)
        .values("data__from")
        .annotate(p=Count("pk", filter=in_p), q=Count("pk", filter=in_q))
        .order_by()
    )
    out = {"current": 0, "previous": 0, "out_of": {}}
    for r in rows:
        out["current"] += r["p"]
        out["previous"] += r["q"]
        if r["p"]:
            out["out_of"][r["data__from"]] = r["p"]
    return out


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
    main = Coalesce("category__parent_id", "category_id")
    rows = _grouped(queryset, period, period.as_of(now), main, working_hours_factor(period), raw)
    before = previous_received
    if before is None:
        qs = Complaint.objects.all() if queryset is None else queryset
        before = dict(
            qs.filter(_in("created_at", period.previous()))
            .annotate(_main=main)
            .values("_main")
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("_main", "n")
        )
    seen = {r["key"] for r in rows}
    for key in set(before) - seen:  # types that had reports last period and none now
        rows.append(
            {
                "key": key,
                **_finish_row({k: 0 for k in _aggregates(period, period.end)} | {"avg_seconds": None, "rating_avg": None}, 1),
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

    def counted(field: str, extra: Q | None = None) -> dict:
        extra = extra or Q()
        bucket = trunc(field, tzinfo=RIYADH)
        rows = qs.filter(_in(field, period), extra).annotate(_b=bucket).values("_b").annotate(n=Count("pk")).order_by()
        return {(r["_b"].date() if isinstance(r["_b"], datetime) else r["_b"]): r["n"] for r in rows}

    if counts is not None:
        received, closed = counts
    else:
        received = counted("created_at")
        closed = counted("closed_at", Q(status=Status.CLOSED))
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
    rows: list[dict] | None = None,
) -> list[dict]:
    """The map grid cells (``cell`` degrees square) with the most reports received in ``period``.

    ``rows`` (``{"_cy", "_cx", "n", "open"}``, the busiest first) when the caller already has them.
    """
    if rows is None:
        qs = Complaint.objects.all() if queryset is None else queryset
        rows = (
            qs.filter(_in("created_at", period), lat__isnull=False, lon__isnull=False)  # triage: no pin yet
            .annotate(_cy=Cast(Floor(F("lat") / cell), IntegerField()), _cx=Cast(Floor(F("lon") / cell), IntegerField()))
            .values("_cy", "_cx")
            .annotate(n=Count("pk"), open=Count("pk", filter=Q(status__in=OPEN_STATUSES)))
            .order_by("-n", "_cy", "_cx")[:limit]
        )
    return [
        {"lat": round((r["_cy"] + 0.5) * cell, 5), "lon": round((r["_cx"] + 0.5) * cell, 5), "count": r["n"], "open": r["open"]}
        for r in rows
    ]


def overdue_list(*, period: Period, queryset: QuerySet | None = None, now: datetime | None = None, limit: int = 50) -> list[dict]:
    """Reports still open at ``as_of`` past their resolution due time, the most overdue first."""
    as_of = period.as_of(now)
    qs = Complaint.objects.all() if queryset is None else queryset
    rows = (
        qs.filter(backlog_q(as_of), resolution_due_at__lt=as_of)
        .select_related("category", "category__parent", "department", "utility", "assignee", "district")
        .order_by("resolution_due_at", "pk")[:limit]
    )
    out = []
    for c in rows:  # at most ``limit`` rows, for display
        owner = c.utility or c.department
        out.append(
            {
                "id": c.pk,
                "tracking_number": c.tracking_number,
                "status": c.status,
                "priority": c.priority,
                "category_ar": c.category.name_ar if c.category_id else NO_NAME["name_ar"],
                "category_en": (c.category.name_en or c.category.name_ar) if c.category_id else NO_NAME["name_en"],
                "owner_ar": owner.name_ar if owner else NO_NAME["name_ar"],
                "owner_en": (owner.name_en or owner.name_ar) if owner else NO_NAME["name_en"],
                "assignee": c.assignee.get_full_name() or c.assignee.get_username() if c.assignee else "",
                "district_ar": c.district.name_ar if c.district else "",
                "district_en": (c.district.name_en or c.district.name_ar) if c.district else "",
                "created_at": c.created_at.isoformat(),
                "due_at": c.resolution_due_at.isoformat(),
                "age_days": round((as_of - c.created_at).total_seconds() / 86400, 1),
                "overdue_days": round((as_of - c.resolution_due_at).total_seconds() / 86400, 1),
                "escalation_level": c.escalation_level,
            }
        )
    return out


DIMENSIONS = ("department", "channel", "category", "district", "utility")


def _dimension_keys() -> dict:
    # -1 stands for "none" so that NULL can mean "not grouped by this" in a grouping set.
    return {
        "_d_department": Coalesce("department_id", Value(-1)),
        "_d_channel": F("channel"),
        "_d_category": Coalesce("category__parent_id", "category_id", Value(-1)),  # -1: still in triage
        "_d_district": Coalesce("district_id", Value(-1)),
        "_d_utility": Coalesce("utility_id", Value(-1)),
    }


def grouped_counts(
    *, period: Period, queryset: QuerySet | None = None, now: datetime | None = None
) -> dict[str, list[dict] | dict]:
    """The raw aggregates for the whole set (``"all"``) and per dimension, in as few scans as possible.

    PostgreSQL: ONE query, ``GROUP BY GROUPING SETS ((department), (channel),
    (main type), (district), (utility), ())`` — the rows are read once. SQLite
    (no grouping sets): one ``GROUP BY`` query per dimension plus the total.
    """
    as_of = period.as_of(now)
    aggregates = _aggregates(period, as_of)
    keys = _dimension_keys()
    base = _base(queryset, period, as_of)
    out: dict = {d: [] for d in DIMENSIONS}

    def keyed(row: dict, dim: str) -> dict:
        value = row[f"_d_{dim}"]
        return {**row, "key": None if value == -1 else value}

    if connections[base.db].vendor == "postgresql":
        rows = _grouping_sets_pg(base, keys, _flags(period, as_of))
        if rows is not None:
            for row in rows:
                dims = [d for d in DIMENSIONS if row[f"_d_{d}"] is not None]
                if dims:
                    out[dims[0]].append(keyed(row, dims[0]))
                else:
                    out["all"] = row
            if "all" not in out:
                out["all"] = base.aggregate(**aggregates)
            return out
    for dim in DIMENSIONS:
        name = f"_d_{dim}"
        rows = base.annotate(**{name: keys[name]}).values(name).annotate(**aggregates).order_by()
        out[dim] = [keyed(r, dim) for r in rows]
    out["all"] = base.aggregate(**aggregates)
    return out


def _grouping_sets_pg(base: QuerySet, keys: dict, flags: dict[str, Q]) -> list[dict] | None:
    """PostgreSQL: every flag is computed once per row in an inner query (``OFFSET 0`` keeps the
    planner from inlining it), then counted per grouping set. ``None`` when the set is empty."""
    columns = {f"_f_{name}": ExpressionWrapper(q, output_field=BooleanField()) for name, q in flags.items()}
    inner = base.annotate(**keys, **columns).values(*keys, *columns, "_kpi_seconds", "rating").order_by()
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # ``queryset.none()`` after invalid filters
        return None
    qn = connections[base.db].ops.quote_name
    selects = [qn(k) for k in keys]
    selects += [f"COUNT(*) FILTER (WHERE {qn('_f_' + name)}) AS {qn(name)}" for name in flags]
    selects.append(f"AVG({qn('_kpi_seconds')}) FILTER (WHERE {qn('_f_finished')}) AS {qn('avg_seconds')}")
    selects.append(f"AVG({qn('rating')}) FILTER (WHERE {qn('_f_rated')}) AS {qn('rating_avg')}")
    sets = ", ".join(f"({qn(k)})" for k in keys)
    query = f"SELECT {', '.join(selects)} FROM ({sql} OFFSET 0) AS kpi_rows GROUP BY GROUPING SETS ({sets}, ())"
    with connections[base.db].cursor() as cursor:
        cursor.execute(query, params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, r, strict=False)) for r in cursor.fetchall()]


def compile_kpis(
    *,
    period: Period,
    queryset: QuerySet | None = None,
    now: datetime | None = None,
    overdue_limit: int = 50,
    per_query: bool = False,
) -> dict:
    """Everything the dashboard and the weekly report show, as JSON-ready data.

    PostgreSQL: every count, average and percentile of the period and the one
    before in ONE statement (:mod:`reports.kpi_scan`). SQLite, or
    ``per_query=True`` (the benchmark's baseline): one query per figure. The
    figures are the same (tests/reports/test_kpi_scan.py).
    """
    now = now or timezone.now()
    token = _factor_memo.set({})
    try:
        return _compile_kpis(period=period, queryset=queryset, now=now, overdue_limit=overdue_limit, per_query=per_query)
    finally:
        _factor_memo.reset(token)


def _compile_kpis(*, period: Period, queryset: QuerySet | None, now: datetime, overdue_limit: int, per_query: bool) -> dict:
    kw = {"period": period, "queryset": queryset, "now": now}
    head = {
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "first_day": period.first_day.isoformat(),
            "last_day": period.last_day.isoformat(),
            "as_of": period.as_of(now).isoformat(),
        }
    }
    one = (
        None
        if per_query
        else kpi_scan.scan(**kw, trunc=trend_step(period)[0], hotspot_limit=HOTSPOT_LIMIT, cell=GRID_CELL_DEGREES)
    )
    moved = transfer_counts(period=period, queryset=queryset)  # both periods' transfers, for either path
    if one is None:  # SQLite (or nothing can match): one query per figure
        groups = grouped_counts(**kw)
        return head | {
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
    groups = one["groups"]
    return head | {
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
