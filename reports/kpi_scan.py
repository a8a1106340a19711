"""The dashboard's KPIs in ONE read of the complaints table (PostgreSQL).

:func:`reports.kpis.compile_kpis` needs, for a period ``P`` and the period
before it ``Q``: the counts of ``P`` in total and per department / channel /
type / district / utility, the totals of ``Q``, the received of ``Q`` per
type, the median and 90th percentile resolution time of both periods,
received and closed per trend bucket and the busiest map cells. Computed one
by one that is ten statements, most of them reading a large part of the
table. Here it is one (:func:`scan`):

1. ``kpi_rows`` (a ``MATERIALIZED`` CTE): the rows relevant to ``P`` *or*
   ``Q`` (:func:`reports.kpis._relevant_q`), read once, each reduced to its
   dimension keys, its trend buckets, its map cell, its relevance to each
   period and the ~27 conditions the KPI flags are made of
   (:func:`_period_parts`, :func:`_row_parts`), each computed once per row.
2. Small aggregations over ``kpi_rows``, joined with ``UNION ALL`` (one JSON
   object per result row). A flag is a few ANDs of the row's booleans
   (:data:`FLAGS`, the conditions of :func:`reports.kpis._flags`, ANDed with
   the row's relevance to the period, as the per-query path counts relevant
   rows only). The breakdowns in two levels: per combination of the five
   dimensions, then ``GROUPING SETS`` over those few thousand rows; the
   totals and per-type received of ``Q``; the four percentiles
   (``percentile_cont``, as before); received per trend bucket and per map
   cell; closed per trend bucket.

The rows are found through the *activity key* (:func:`activity_key`): for
an open report 9999-12-31, else the latest of received / resolved / closed /
rated. Every row relevant to a period has a key at or after the period's
start or its ``as_of``, so ``key >= lower`` is added to the relevance
condition without changing the set (a covering index on the key was measured
and not adopted: docs/benchmarks.md, "Committee reports").

SQLite keeps the per-query path (:func:`scan` returns ``None``).
tests/reports/test_kpi_scan.py compares both paths figure by figure.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import BooleanField, Case, DateTimeField, ExpressionWrapper, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Floor, Greatest

from complaints.models import Complaint
from complaints.workflow import OPEN_STATUSES, ClosureReason, Status

#: The key of open reports: after every period (PostgreSQL accepts year 9999 in ``timestamptz``).
OPEN_KEY = datetime(9999, 12, 31, tzinfo=UTC)


def activity_key():
    """The moment after which a report no longer matters to any KPI period.

    ``CASE WHEN status IN (open statuses) THEN 9999-12-31 ELSE
    GREATEST(created_at, resolved_at, closed_at, rated_at) END`` (PostgreSQL's
    ``GREATEST`` skips NULLs; SQLite's would return NULL, so this is for
    PostgreSQL only). A row relevant to a period ``[start, end)`` measured
    at ``as_of`` (:func:`reports.kpis._relevant_q`) is received, closed or
    rated in the period (key >= that moment >= start), or it is open (key =
    9999), or resolved / closed at or after ``as_of`` (key >= as_of). So
    ``key >= min(start, as_of)`` holds for every relevant row.

    A covering index on this expression was measured and not adopted
    (docs/benchmarks.md, "Committee reports").
    """
    return Case(
        When(status__in=OPEN_STATUSES, then=Value(OPEN_KEY)),
        default=Greatest("created_at", "resolved_at", "closed_at", "rated_at"),
        output_field=DateTimeField(),
    )


#: The columns the scan reads; the covering index INCLUDEs them so the scan needs no table access.
SCAN_COLUMNS = (
    "created_at",
    "status",
    "closure_reason",
    "department_id",
    "category_id",
    "channel",
    "district_id",
    "utility_id",
    "priority",
    "resolved_at",
    "closed_at",
    "rated_at",
    "rating",
    "first_response_at",
    "response_due_at",
    "resolution_due_at",
    "reopen_count",
    "duplicate_of_id",
    "lat",
    "lon",
)


def _bool(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


def _period_parts(period, as_of: datetime) -> dict[str, Q]:
    """The conditions of one period the KPI flags are made of (``{name}`` in :data:`FLAGS`)."""
    from reports.kpis import _in

    return {
        "cr": _in("created_at", period),
        "cl": _in("closed_at", period),
        "ra": _in("rated_at", period),
        "rb": Q(resolved_at__lt=as_of),
        "cb": Q(closed_at__lt=as_of),
        "ca": Q(created_at__lt=as_of),
        "du": Q(resolution_due_at__lt=as_of),
        "rk": Q(first_response_at__isnull=False) | Q(response_due_at__lt=as_of),
    }


def _row_parts() -> dict[str, Q]:
    """The conditions of a row that do not depend on the period (``[name]`` in :data:`FLAGS`)."""
    from reports.kpis import SATISFIED_RATING

    return {
        "op": Q(status__in=OPEN_STATUSES),
        "sc": Q(status=Status.CLOSED),
        "nd": ~Q(closure_reason=ClosureReason.DUPLICATE),
        "dd": Q(resolution_due_at__isnull=False),
        "so": Q(_kpi_finish__lte=F("resolution_due_at")),
        "rd": Q(response_due_at__isnull=False),
        "ro": Q(first_response_at__lte=F("response_due_at")),
        "rt": Q(rating__isnull=False),
        "sa": Q(rating__gte=SATISFIED_RATING),
        "re": Q(reopen_count__gt=0),
        "dp": Q(duplicate_of__isnull=False) | Q(closure_reason=ClosureReason.DUPLICATE),
    }


#: :func:`reports.kpis._flags`, written over the parts above (``{x}`` of the period, ``[x]`` of the row).
#: Each condition is computed once per row; a flag is then a few ANDs of booleans. ``x IS NOT TRUE``
#: is "NULL or false", as ``resolved_at IS NULL OR resolved_at >= as_of`` is for ``{rb}``.
#: tests/reports/test_kpi_scan.py proves these equal the flags on hand-made rows.
FLAGS = {
    "received": "{cr}",
    "closed": "{cl} AND [sc]",
    "finished": "{cl} AND [sc] AND [nd]",
    "completed": "{cr} AND ({rb} OR {cb})",
    "backlog": "{ca} AND {rb} IS NOT TRUE AND {cb} IS NOT TRUE",
    "overdue": "{ca} AND {rb} IS NOT TRUE AND {cb} IS NOT TRUE AND {du}",
    "sla_n": "{cl} AND [sc] AND [nd] AND [dd]",
    "sla_ok": "{cl} AND [sc] AND [nd] AND [so]",
    "response_n": "{cr} AND [rd] AND {rk}",
    "response_ok": "{cr} AND [rd] AND {rk} AND [ro]",
    "rated": "{ra} AND [rt]",
    "satisfied": "{ra} AND [rt] AND [sa]",
    "reopened": "{cl} AND [sc] AND [nd] AND [re]",
    "duplicates": "{cr} AND [dp]",
}


def _flag_sql(name: str, period: str, *, relevant: bool = True) -> str:
    """The SQL of flag ``name`` for ``period`` ("p": the period, "q": the one before) over the row's columns.

    ANDed with the row's relevance to the period (as the per-query path counts
    relevant rows only) unless ``relevant=False``: the caller's WHERE already has it.
    """
    sql = re.sub(r"\{(\w+)\}", lambda m: f'"_{period}_{m.group(1)}"', FLAGS[name])
    sql = re.sub(r"\[(\w+)\]", lambda m: f'"_r_{m.group(1)}"', sql)
    return f'"_in_{period}" AND {sql}' if relevant else sql


def scan(*, period, queryset: QuerySet | None, now: datetime, trunc, hotspot_limit: int, cell: float) -> dict | None:
    """Everything :func:`reports.kpis.compile_kpis` counts for ``period`` and the period before, in one statement.

    Returns ``None`` where the single statement does not apply (not PostgreSQL,
    or a queryset that can match nothing); the caller then takes the
    per-query path. Otherwise a dict:

    ``groups``
        as :func:`reports.kpis.grouped_counts` returns it (``"all"`` and one
        list of raw rows per dimension).
    ``previous``
        the raw aggregate row of the previous period (as ``kpi_summary(totals=…)`` takes it).
    ``previous_by_category``
        ``{main type id: reports received in the previous period}``.
    ``percentiles``
        ``{"current": {0.5: s, 0.9: s}, "previous": {…}}`` in seconds.
    ``received_by`` / ``closed_by``
        ``{bucket date: count}`` for the trend.
    ``hotspots``
        the top ``hotspot_limit`` cells, as rows ``{"_cy", "_cx", "n", "open"}``.
    """
    from reports import kpis

    qs = Complaint.objects.all() if queryset is None else queryset
    if connections[qs.db].vendor != "postgresql":
        return None
    previous = period.previous()
    as_of, as_of_prev = period.as_of(now), previous.as_of(now)
    lower = min(previous.start, as_of_prev, as_of)
    relevant_p, relevant_q = kpis._relevant_q(period, as_of), kpis._relevant_q(previous, as_of_prev)
    keys = kpis._dimension_keys()
    columns = {
        **keys,
        "_in_p": _bool(relevant_p),
        "_in_q": _bool(relevant_q),
        **{f"_p_{name}": _bool(q) for name, q in _period_parts(period, as_of).items()},
        **{f"_q_{name}": _bool(q) for name, q in _period_parts(previous, as_of_prev).items()},
        **{f"_r_{name}": _bool(q) for name, q in _row_parts().items()},
        # Local-time buckets (a time zone conversion each) only where the trend counts the row.
        "_b_created": Case(When(kpis._in("created_at", period), then=trunc("created_at", tzinfo=kpis.RIYADH))),
        "_b_closed": Case(When(kpis._in("closed_at", period), then=trunc("closed_at", tzinfo=kpis.RIYADH))),
        "_cy": Cast(Floor(F("lat") / cell), IntegerField()),
        "_cx": Cast(Floor(F("lon") / cell), IntegerField()),
    }
    inner = (
        qs.annotate(_kpi_activity=activity_key())
        .filter(Q(_kpi_activity__gte=lower) & (relevant_p | relevant_q))
        .annotate(
            _kpi_finish=kpis._finish(),
            # Resolution seconds only where they are summed or ranked: reports closed in either period.
            _kpi_seconds=Case(When(Q(closed_at__gte=previous.start, closed_at__lt=period.end), then=kpis._resolution_seconds())),
        )
        .annotate(**columns)
        .values(*columns, "_kpi_seconds", "rating")
        .order_by()
    )
    try:
        inner_sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # ``queryset.none()`` after invalid filters
        return None
    sql = _statement(inner_sql, list(keys))
    with transaction.atomic(using=qs.db), connections[qs.db].cursor() as cursor:
        # A sub-second statement: compiling it (JIT, ~0.2 s here) costs more than it saves.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(sql, [*params, hotspot_limit])
        parts = cursor.fetchall()
    return _unpack(parts)


def _statement(inner_sql: str, keys: list[str]) -> str:
    """The SQL around the rows (``inner_sql``); see the module docstring. Ends with one ``%s``: the hotspot limit."""

    def q(name: str) -> str:
        return '"' + name + '"'

    flag = _flag_sql
    dims = ", ".join(q(k) for k in keys)
    sets = ", ".join(f"({q(k)})" for k in keys)

    def counts(period: str) -> list[str]:  # over rows relevant to ``period`` (the WHERE says so)
        out = [f"COUNT(*) FILTER (WHERE {flag(name, period, relevant=False)}) AS {q(name)}" for name in FLAGS]
        finished, rated = flag("finished", period, relevant=False), flag("rated", period, relevant=False)
        return out + [
            f"SUM({q('_kpi_seconds')}) FILTER (WHERE {finished}) AS {q('s_seconds')}",
            f"COUNT({q('_kpi_seconds')}) FILTER (WHERE {finished}) AS {q('n_seconds')}",
            f"SUM({q('rating')}) FILTER (WHERE {rated}) AS {q('s_rating')}",
            f"COUNT({q('rating')}) FILTER (WHERE {rated}) AS {q('n_rating')}",
        ]

    # Level 1: the period's counts per combination of the five dimensions (a few thousand rows) ...
    level1 = f"SELECT {dims}, {', '.join(counts('p'))} FROM kpi_rows WHERE {q('_in_p')} GROUP BY {dims}"
    # ... level 2: summed per grouping set. AVG of integers is numeric sum / numeric count, exactly as here.
    summed = [f"COALESCE(SUM({q(name)}), 0)::bigint AS {q(name)}" for name in FLAGS]  # COUNT of nothing is 0
    summed += [
        f"SUM({q('s_seconds')}) / NULLIF(SUM({q('n_seconds')}), 0) AS {q('avg_seconds')}",
        f"SUM({q('s_rating')})::numeric / NULLIF(SUM({q('n_rating')}), 0)::numeric AS {q('rating_avg')}",
    ]
    groups = f"SELECT {dims}, {', '.join(summed)} FROM kpi_fine GROUP BY GROUPING SETS ({sets}, ())"
    # The previous period: the same, per main type only (its received per type, and the totals).
    category = q("_d_category")
    prev_fine = f"SELECT {category}, {', '.join(counts('q'))} FROM kpi_rows WHERE {q('_in_q')} GROUP BY {category}"
    prev_groups = f"SELECT {category}, {', '.join(summed)} FROM kpi_prev GROUP BY GROUPING SETS (({category}), ())"
    pct = []
    for period, name in (("p", "current"), ("q", "previous")):
        for p in (0.5, 0.9):
            pct.append(
                f"percentile_cont({p!r}) WITHIN GROUP (ORDER BY {q('_kpi_seconds')}) "
                f"FILTER (WHERE {flag('finished', period)}) AS {q(f'{name}_{p}')}"
            )
    percentiles = f"SELECT {', '.join(pct)} FROM kpi_rows WHERE ({q('_p_cl')} OR {q('_q_cl')}) AND {q('_r_sc')}"
    # Received per trend bucket and per map cell, closed per trend bucket: one pass over those rows.
    # (A bucket is NULL where the row is not counted in it; groups of nothing are left out below.)
    received, closed = flag("received", "p"), flag("closed", "p")
    buckets = (
        f"SELECT {q('_b_created')}::date AS b, {q('_b_closed')}::date AS bc, {q('_cy')}, {q('_cx')}, "
        f"COUNT(*) FILTER (WHERE {received}) AS n, COUNT(*) FILTER (WHERE {received} AND {q('_r_op')}) AS open, "
        f"COUNT(*) FILTER (WHERE {closed}) AS closed, GROUPING({q('_b_created')}, {q('_b_closed')}) AS grouped_by "
        f"FROM kpi_rows WHERE ({received}) OR ({closed}) "
        f"GROUP BY GROUPING SETS (({q('_b_created')}), ({q('_b_closed')}), ({q('_cy')}, {q('_cx')}))"
    )
    # GROUPING(a, b) is 1 when grouped by a only, 2 by b only, 3 by neither (the cells).
    received_by = "SELECT b, n FROM kpi_buckets WHERE grouped_by = 1 AND b IS NOT NULL AND n > 0"
    closed_by = "SELECT bc AS b, closed AS n FROM kpi_buckets WHERE grouped_by = 2 AND bc IS NOT NULL AND closed > 0"
    hotspots = (
        f"SELECT {q('_cy')}, {q('_cx')}, n, open FROM kpi_buckets WHERE grouped_by = 3 AND n > 0 "
        f"AND {q('_cy')} IS NOT NULL AND {q('_cx')} IS NOT NULL ORDER BY n DESC, 1, 2 LIMIT %s"
    )
    parts = {
        "groups": groups,
        "previous": prev_groups,
        "percentiles": percentiles,
        "received_by": received_by,
        "closed_by": closed_by,
        "hotspots": hotspots,
    }
    union = " UNION ALL ".join(f"(SELECT '{name}', to_jsonb(t) FROM ({body}) t)" for name, body in parts.items())
    return (
        f"WITH kpi_rows AS MATERIALIZED ({inner_sql}), kpi_fine AS ({level1}), kpi_prev AS ({prev_fine}), "
        f"kpi_buckets AS MATERIALIZED ({buckets}) {union}"
    )


def _unpack(parts: list[tuple[str, dict | str]]) -> dict:
    from reports.kpis import DIMENSIONS

    out: dict = {
        "groups": {d: [] for d in DIMENSIONS},
        "received_by": {},
        "closed_by": {},
        "hotspots": [],
        "previous_by_category": {},
    }
    for part, row in parts:
        if isinstance(row, str):  # Django leaves JSON undecoded
            row = json.loads(row)
        if part == "groups":
            grouped = [d for d in DIMENSIONS if row[f"_d_{d}"] is not None]
            if not grouped:
                out["groups"]["all"] = row
                continue
            value = row[f"_d_{grouped[0]}"]
            out["groups"][grouped[0]].append({**row, "key": None if value == -1 else value})
        elif part == "previous":
            if row["_d_category"] is None:
                out["previous"] = row
            elif row["received"]:
                key = None if row["_d_category"] == -1 else row["_d_category"]  # -1: still in triage
                out["previous_by_category"][key] = row["received"]
        elif part == "percentiles":
            out["percentiles"] = {w: {p: row[f"{w}_{p}"] for p in (0.5, 0.9)} for w in ("current", "previous")}
        elif part in ("received_by", "closed_by"):
            out[part][date.fromisoformat(row["b"])] = row["n"]
        else:
            out["hotspots"].append(row)
    return out
