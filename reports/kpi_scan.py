"""The dashboard's KPIs in two statements, one per period, on one snapshot (PostgreSQL).

:func:`reports.kpis.compile_kpis` needs, for a period ``P`` and the period
before it ``Q``: the counts of ``P`` in total and per department / channel /
type / district / utility, the totals of ``Q``, the received of ``Q`` per
type, the median and 90th percentile resolution time of both periods,
received and closed per trend bucket and the busiest map cells. Computed one
by one that is ten statements, most of them reading a large part of the
table. Here it is one statement per period (:func:`scan`), generated from the
definitions of :mod:`reports.kpi_definitions` (nothing here says what a KPI means):

1. ``kpi_rows`` (a ``MATERIALIZED`` CTE): the rows relevant to the period
   (``relevant_q``), read once, each reduced to its dimension keys, one
   boolean per KPI flag (the conditions of ``kpi_flags``, compiled by the
   queryset's own SQL compiler: :func:`relevant_rows`) and, for ``P``, its trend
   buckets and its map cell.
2. Small aggregations over ``kpi_rows``, joined with ``UNION ALL`` (one JSON
   object per result row), where a KPI is ``COUNT(*) FILTER (WHERE its
   column)``. For ``P``: the breakdowns in two levels (per combination of the
   five dimensions, then ``GROUPING SETS`` over those few thousand rows), the
   percentiles (``percentile_cont``), received per trend bucket and per map
   cell, closed per trend bucket. For ``Q``: the totals and received per main
   type, the percentiles.

Two statements rather than one: a row relevant to one period only (most of
them) is not reduced to the other period's flags too (docs/benchmarks.md,
"Committee reports"). They run in one transaction on one snapshot.

The rows are found through the *activity key* (:func:`activity_key`): for
an open report 9999-12-31, else the latest of received / resolved / closed /
rated. Every row relevant to a period has a key at or after the period's
start or its ``as_of``, so ``key >= lower`` is added to the relevance
condition without changing the set, and the rows come from one index on the
key that includes every column they need (migration reports 0002): an
index-only read of the rows a period needs, which sit together in it.

SQLite keeps the per-query path (:func:`scan` returns ``None``).
tests/reports/test_kpi_scan.py compares both paths figure by figure.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import BooleanField, Case, DateTimeField, ExpressionWrapper, Q, QuerySet, Value, When
from django.db.models.functions import Greatest

from complaints.models import Complaint
from reports.kpi_definitions import (
    DIMENSIONS,
    KPI_AVERAGES,
    PERCENTILE_POINTS,
    RIYADH,
    TREND_SERIES,
    Period,
    dimension_keys,
    hotspot_cell,
    in_period,
    kpi_annotations,
    kpi_flags,
    open_q,
    relevant_q,
)

#: The key of open reports: after every period (PostgreSQL accepts year 9999 in ``timestamptz``).
OPEN_KEY = datetime(9999, 12, 31, tzinfo=UTC)


def activity_key() -> Case:
    """The moment after which a report no longer matters to any KPI period.

    ``CASE WHEN status IN (open statuses) THEN 9999-12-31 ELSE
    GREATEST(created_at, resolved_at, closed_at, rated_at) END`` (PostgreSQL's
    ``GREATEST`` skips NULLs; SQLite's would return NULL, so this is for
    PostgreSQL only). A row relevant to a period ``[start, end)`` measured
    at ``as_of`` (``relevant_q``) is received, closed or
    rated in the period (key >= that moment >= start), or it is open (key =
    9999), or resolved / closed at or after ``as_of`` (key >= as_of). So
    ``key >= min(start, as_of)`` holds for every relevant row.

    The covering index of migration reports 0002 is on this expression.
    """
    return Case(
        When(open_q(), then=Value(OPEN_KEY)),
        default=Greatest("created_at", "resolved_at", "closed_at", "rated_at"),
        output_field=DateTimeField(),
    )


def _bool(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


#: The two halves of the work: ``"p"`` the period itself, ``"q"`` the period before it.
HALVES = ("p", "q")


def quoted(name: str) -> str:
    return '"' + name + '"'


def flag_counts(flags: list[str]) -> list[str]:
    """The aggregates of a group of ``kpi_rows``: each flag's count, then the sum (``s_``) and the count
    (``n_``) of each averaged value, over the rows its flag marks."""
    q = quoted
    counts = [f"COUNT(*) FILTER (WHERE {q('_f_' + name)}) AS {q(name)}" for name in flags]
    for name, (value, over) in KPI_AVERAGES.items():
        counts.append(f"SUM({q(value)}) FILTER (WHERE {q('_f_' + over)}) AS {q('s_' + name)}")
        counts.append(f"COUNT({q(value)}) FILTER (WHERE {q('_f_' + over)}) AS {q('n_' + name)}")
    return counts


def relevant_rows(
    queryset: QuerySet,
    period: Period,
    now: datetime,
    trunc: Callable[..., Any],
    cell: float,
    half: str,
    keys: dict[str, Any] | None = None,
) -> tuple[QuerySet, list[str], list[str]]:
    """The rows of ``kpi_rows`` for one half: a queryset of the rows relevant to the period (``half="p"``)
    or to the one before (``"q"``), its dimension keys, the names of the flags.

    Columns: ``_d_*`` (dimension keys: the five for the period, the main type only for the one before,
    which is broken down by nothing else), ``_f_<flag>`` (each flag of ``kpi_flags`` in that period), the
    averaged values (``KPI_AVERAGES``) and, for the period itself, ``_open``, ``_b_<series>`` (the trend
    bucket where the row is counted in it, else NULL) and ``_cy`` / ``_cx`` (the map cell).
    """
    target = period if half == "p" else period.previous()
    as_of = target.as_of(now)
    flags = kpi_flags(target, as_of)
    if keys is None:  # the breakdowns' keys (the cube, reports.kpi_cube, brings its own for both halves)
        keys = dimension_keys()
        if half == "q":
            keys = {"_d_category": keys["_d_category"]}
    columns: dict[str, Any] = {**keys, **{f"_f_{name}": _bool(q) for name, q in flags.items()}}
    if half == "p":
        columns["_open"] = _bool(open_q())
        # Local-time buckets (a time zone conversion each) only where the trend counts the row.
        for name, field in TREND_SERIES.items():
            columns[f"_b_{name}"] = Case(When(flags[name], then=trunc(field, tzinfo=RIYADH)))
        columns["_cy"], columns["_cx"] = hotspot_cell(cell)
    annotations = kpi_annotations()
    # Resolution seconds only where they are averaged or ranked: reports closed in the period.
    annotations["_kpi_seconds"] = Case(When(in_period("closed_at", target), then=annotations["_kpi_seconds"]))
    values = {value for value, _flag in KPI_AVERAGES.values()}
    rows = (
        queryset.annotate(_kpi_activity=activity_key())
        .filter(Q(_kpi_activity__gte=min(target.start, as_of)) & relevant_q(target, as_of))
        .annotate(**annotations)
        .annotate(**columns)
        .values(*columns, *sorted(values))
        .order_by()
    )
    return rows, list(keys), list(flags)


def scan(
    *, period: Period, queryset: QuerySet | None, now: datetime, trunc: Callable[..., Any], hotspot_limit: int, cell: float
) -> dict | None:
    """Everything :func:`reports.kpis.compile_kpis` counts for ``period`` and the period before.

    Returns ``None`` where the scan does not apply (not PostgreSQL, or a queryset that can match
    nothing); the caller then takes the per-query path. Otherwise a dict:

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

    One statement per period (:func:`_statement`), both in one transaction that reads one snapshot.
    """
    qs = Complaint.objects.all() if queryset is None else queryset
    connection = connections[qs.db]
    if connection.vendor != "postgresql":
        return None
    statements = []
    for half in HALVES:
        inner, keys, flags = relevant_rows(qs, period, now, trunc, cell, half)
        try:
            inner_sql, params = inner.query.sql_with_params()
        except EmptyResultSet:  # ``queryset.none()`` after invalid filters
            return None
        statements.append((_statement(half, inner_sql, keys, flags), [*params, hotspot_limit] if half == "p" else list(params)))
    parts: list = []
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=qs.db), connection.cursor() as cursor:
        if outermost:  # both statements see the same moment
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        # Sub-second statements: compiling them (JIT, ~0.2 s here) costs more than it saves.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        for statement, arguments in statements:
            cursor.execute(statement, arguments)
            parts += cursor.fetchall()
    return _unpack(parts)


def _statement(half: str, inner_sql: str, keys: list[str], flags: list[str]) -> str:
    """The SQL around one half's rows (``inner_sql``). The period's (``"p"``) ends with one ``%s``: the hotspot limit.

    Every row of ``kpi_rows`` is relevant to the half's period, and a KPI is ``COUNT(*) FILTER (WHERE
    its flag)`` over them (as the per-query path counts relevant rows only).
    """

    q = quoted

    def flag(name: str) -> str:
        return q(f"_f_{name}")

    dims = ", ".join(q(k) for k in keys)
    sets = ", ".join(f"({q(k)})" for k in keys)
    counts = flag_counts(flags)
    # Summed per grouping set. COUNT of nothing is 0. AVG is the sum over the count, in the type AVG
    # gives (numeric for integers, double precision for floats).
    summed = [f"COALESCE(SUM({q(name)}), 0)::bigint AS {q(name)}" for name in flags]
    summed += [f"SUM({q('s_' + name)}) / NULLIF(SUM({q('n_' + name)}), 0)::numeric AS {q(name)}" for name in KPI_AVERAGES]
    value, over = KPI_AVERAGES["avg_seconds"]
    which = "current" if half == "p" else "previous"
    pct = [f"percentile_cont({p!r}) WITHIN GROUP (ORDER BY {q(value)}) AS {q(f'{which}_{p}')}" for p in PERCENTILE_POINTS]
    percentiles = f"SELECT {', '.join(pct)} FROM kpi_rows WHERE {flag(over)}"
    # Level 1: the counts per combination of the keys (a few thousand rows) ... level 2: per set and in total.
    # The previous period's only key is the main type (its received per type, and the totals).
    fine = f"SELECT {dims}, {', '.join(counts)} FROM kpi_rows GROUP BY {dims}"
    groups = f"SELECT {dims}, {', '.join(summed)} FROM kpi_fine GROUP BY GROUPING SETS ({sets}, ())"
    if half == "q":
        parts = {"previous": groups, "percentiles": percentiles}
        ctes = f"kpi_fine AS ({fine})"
    else:
        # Received per trend bucket and per map cell, closed per trend bucket: one pass over those rows.
        # (A bucket is NULL where the row is not counted in it; groups of nothing are left out below.)
        received, closed = flag("received"), flag("closed")
        b_received, b_closed = q("_b_received"), q("_b_closed")
        buckets = (
            f"SELECT {b_received}::date AS b, {b_closed}::date AS bc, {q('_cy')}, {q('_cx')}, "
            f"COUNT(*) FILTER (WHERE {received}) AS n, COUNT(*) FILTER (WHERE {received} AND {q('_open')}) AS open, "
            f"COUNT(*) FILTER (WHERE {closed}) AS closed, GROUPING({b_received}, {b_closed}) AS grouped_by "
            f"FROM kpi_rows WHERE {received} OR {closed} "
            f"GROUP BY GROUPING SETS (({b_received}), ({b_closed}), ({q('_cy')}, {q('_cx')}))"
        )
        # GROUPING(a, b) is 1 when grouped by a only, 2 by b only, 3 by neither (the cells).
        parts = {
            "groups": groups,
            "percentiles": percentiles,
            "received_by": "SELECT b, n FROM kpi_buckets WHERE grouped_by = 1 AND b IS NOT NULL AND n > 0",
            "closed_by": "SELECT bc AS b, closed AS n FROM kpi_buckets WHERE grouped_by = 2 AND bc IS NOT NULL AND closed > 0",
            "hotspots": (
                f"SELECT {q('_cy')}, {q('_cx')}, n, open FROM kpi_buckets WHERE grouped_by = 3 AND n > 0 "
                f"AND {q('_cy')} IS NOT NULL AND {q('_cx')} IS NOT NULL ORDER BY n DESC, 1, 2 LIMIT %s"
            ),
        }
        ctes = f"kpi_fine AS ({fine}), kpi_buckets AS MATERIALIZED ({buckets})"
    union = " UNION ALL ".join(f"(SELECT '{name}', to_jsonb(t) FROM ({body}) t)" for name, body in parts.items())
    return f"WITH kpi_rows AS MATERIALIZED ({inner_sql}), {ctes} {union}"


def _unpack(parts: list[tuple[str, dict | str]]) -> dict:
    out: dict = {
        "groups": {d: [] for d in DIMENSIONS},
        "received_by": {},
        "closed_by": {},
        "hotspots": [],
        "previous_by_category": {},
        "percentiles": {},
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
            which = "current" if f"current_{PERCENTILE_POINTS[0]}" in row else "previous"
            out["percentiles"][which] = {p: row[f"{which}_{p}"] for p in PERCENTILE_POINTS}
        elif part in ("received_by", "closed_by"):
            out[part][date.fromisoformat(row["b"])] = row["n"]
        else:
            out["hotspots"].append(row)
    return out
