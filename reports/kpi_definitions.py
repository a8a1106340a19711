"""THE definition of every key performance indicator, once, as Django expressions.

Both ways of computing the KPIs are derived from this module: the per-query
path of :mod:`reports.kpis` (each figure an aggregate with ``FILTER``) and the
PostgreSQL one-statement scan of :mod:`reports.kpi_scan` (the same conditions
compiled by the queryset's SQL compiler into one boolean column each). A new
KPI is one entry in :func:`kpi_flags` (a count) or :data:`KPI_AVERAGES` (a
mean); tests/reports/test_kpi_scan.py checks that both paths give the same
value for every figure.

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
    reports: mean, median and 90th percentile, in calendar days and in
    *working hours* (see :mod:`reports.kpis`).
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

Every KPI of a period counts only the rows :func:`relevant_q` selects (an
index-friendly superset of what the flags look at), on both paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db.models import Aggregate, Avg, Count, F, FloatField, Func, IntegerField, Q, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce, Floor
from django.utils import timezone

from complaints.workflow import OPEN_STATUSES, ClosureReason, Status
from municipality.times import RIYADH

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType

SATISFIED_RATING = 4


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


# --------------------------------------------------------------------------- expressions


class EpochSeconds(Func):
    """Seconds from ``start`` to ``end`` as a float, on PostgreSQL and SQLite."""

    output_field = FloatField()

    def __init__(self, end: Any, start: Any, **extra: Any) -> None:
        super().__init__(end, start, **extra)

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> _AsSqlType:
        template = "EXTRACT(EPOCH FROM (%(expressions)s))::double precision"
        return self.as_sql(compiler, connection, template=template, arg_joiner=" - ", **extra)

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> _AsSqlType:
        template = "((julianday(%(expressions)s)) * 86400.0)"
        return self.as_sql(compiler, connection, template=template, arg_joiner=") - julianday(", **extra)


def finish() -> Coalesce:
    """When the work on a report ended: resolved, else closed."""
    return Coalesce("resolved_at", "closed_at")


def resolution_seconds() -> EpochSeconds:
    return EpochSeconds(finish(), F("created_at"))


def kpi_annotations() -> dict[str, Combinable]:
    """What the KPI rows are annotated with before the flags and averages read them."""
    return {"_kpi_finish": finish(), "_kpi_seconds": resolution_seconds()}


# --------------------------------------------------------------------------- conditions


def in_period(field: str, period: Period) -> Q:
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


def finished_q(period: Period) -> Q:
    return in_period("closed_at", period) & Q(status=Status.CLOSED) & ~Q(closure_reason=ClosureReason.DUPLICATE)


def open_q() -> Q:
    """Still being worked on (the hotspots' "open")."""
    return Q(status__in=OPEN_STATUSES)


def relevant_q(period: Period, as_of: datetime) -> Q:
    """An index-friendly superset of the rows any KPI of ``period`` looks at."""
    maybe_backlog = open_q() | Q(resolved_at__gte=as_of) | Q(closed_at__gte=as_of)
    return (
        in_period("created_at", period)
        | in_period("closed_at", period)
        | in_period("rated_at", period)
        | (maybe_backlog & Q(created_at__lt=as_of))
    )


def kpi_flags(period: Period, as_of: datetime) -> dict[str, Q]:
    """One condition per counted KPI: every count is ``COUNT(*) FILTER (WHERE flag)`` over the relevant rows.

    ``sla_ok`` reads ``_kpi_finish`` (:func:`kpi_annotations`).
    """
    received = in_period("created_at", period)
    finished = finished_q(period)
    backlog = backlog_q(as_of)
    rated = in_period("rated_at", period) & Q(rating__isnull=False)
    response_known = (
        received & Q(response_due_at__isnull=False) & (Q(first_response_at__isnull=False) | Q(response_due_at__lt=as_of))
    )
    return {
        "received": received,
        "closed": in_period("closed_at", period) & Q(status=Status.CLOSED),
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


#: The averaged KPIs: ``name: (value, flag)``, the mean of ``value`` over the rows of :func:`kpi_flags`' ``flag``.
KPI_AVERAGES: dict[str, tuple[str, str]] = {
    "avg_seconds": ("_kpi_seconds", "finished"),
    "rating_avg": ("rating", "rated"),
}


def kpi_aggregates(period: Period, as_of: datetime) -> dict[str, Aggregate]:
    """The flags and averages as ORM aggregates (the per-query path)."""
    flags = kpi_flags(period, as_of)
    aggregates: dict[str, Aggregate] = {name: Count("pk", filter=q) for name, q in flags.items()}
    for name, (value, flag) in KPI_AVERAGES.items():
        aggregates[name] = Avg(value, filter=flags[flag])
    return aggregates


#: The resolution time's median and 90th percentile, of the value and over the rows of ``avg_seconds``.
PERCENTILE_POINTS = (0.5, 0.9)

#: The trend's series: ``flag: the moment bucketed`` (per day, week or month).
TREND_SERIES = {"received": "created_at", "closed": "closed_at"}


# --------------------------------------------------------------------------- breakdowns

DIMENSIONS = ("department", "channel", "category", "district", "utility")


def dimension_keys() -> dict[str, Combinable]:
    """The key of each breakdown (``_d_<dimension>``); the category's is its main type.

    -1 stands for "none" so that NULL can mean "not grouped by this" in a grouping set.
    """
    return {
        "_d_department": Coalesce("department_id", Value(-1)),
        "_d_channel": F("channel"),
        "_d_category": Coalesce("category__parent_id", "category_id", Value(-1)),  # -1: still in triage
        "_d_district": Coalesce("district_id", Value(-1)),
        "_d_utility": Coalesce("utility_id", Value(-1)),
    }


def hotspot_cell(cell: float) -> tuple[Cast, Cast]:
    """The map grid cell of a report (row, column), for cells ``cell`` degrees square."""
    return Cast(Floor(F("lat") / cell), IntegerField()), Cast(Floor(F("lon") / cell), IntegerField())
