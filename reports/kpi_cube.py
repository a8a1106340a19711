"""The city's KPI cube: the default period's figures per combination of the filters, kept ahead (PostgreSQL).

A committee member may open the dashboard with any combination of its filters (department, type,
channel, district, priority). Computing a view means reading every report relevant to the period
(:mod:`reports.kpi_scan`): at a million reports a few hundred thousand rows, most of a second. The
cube reads them once for the whole city, every few minutes (:func:`refresh`, from the task that
keeps the landing pages warm), and keeps per combination of the six keys (priority, department,
channel, sub-type, district, utility):

- the counts and sums of every KPI flag, for the period and the one before;
- the reports received and closed per trend bucket, and received (and still open) per map cell;
- the resolution times the percentiles rank, for both periods.

Any view of the default period is then summed from the combinations its filters select
(:func:`scan_from`), in a few milliseconds, without reading the reports: the same dict
:func:`reports.kpi_scan.scan` returns, so the page is built by the same code. The figures are
those of the moment the cube was read (its ``now``), as a cached view's are those of the moment it
was computed; tests/reports/test_kpi_cube.py checks them figure by figure against a fresh scan at
that moment. A custom period, and SQLite, are computed directly as before.

Stored as one row (:class:`reports.models.KpiCube`): numpy arrays in ``.npz`` form, loaded without
pickle.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from django.db import connection, connections, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from complaints.models import Category, Complaint
from reports import kpi_scan
from reports.kpi_definitions import KPI_AVERAGES, PERCENTILE_POINTS, Period

#: The six keys of a combination, in the arrays' column order.
KEYS = ("priority", "department", "channel", "category", "district", "utility")
#: The keys stored as text (their values are numbered in the cube's vocabulary).
TEXT_KEYS = ("priority", "channel")
#: A map cell (row, column) as one number: row × CELL_SPAN + column.
CELL_SPAN = 1 << 20


def key_columns() -> dict:
    """The row keys the cube groups by (-1 for "none", as the scan's breakdowns)."""
    return {
        "_d_priority": Coalesce("priority", Value("")),
        "_d_department": Coalesce("department_id", Value(-1)),
        "_d_channel": Coalesce("channel", Value("")),
        "_d_category": Coalesce("category_id", Value(-1)),  # the sub-type itself: a filter may name one
        "_d_district": Coalesce("district_id", Value(-1)),
        "_d_utility": Coalesce("utility_id", Value(-1)),
    }


@dataclass
class Cube:
    """The arrays of one read. ``p_*`` the period, ``q_*`` the period before."""

    period_start: datetime
    period_end: datetime
    now: datetime
    flags: list[str]  # the count columns of p_counts / q_counts, in order
    averages: list[str]  # the averaged values: p_sums / p_ns columns, in order
    arrays: dict[str, np.ndarray]


# --------------------------------------------------------------------------- reading the reports once


def _sql(half: str, period: Period, now: datetime, trunc, cell: float) -> tuple[str, list, list[str], list[str]]:
    """The rows of ``half`` (see :func:`reports.kpi_scan.relevant_rows`) keyed by the cube's six keys."""
    rows, keys, flags = kpi_scan.relevant_rows(Complaint.objects.all(), period, now, trunc, cell, half, keys=key_columns())
    sql, params = rows.query.sql_with_params()
    return sql, list(params), keys, flags


def _fetch(alias: str, statement: str, params: list) -> list[tuple]:
    with connections[alias].cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def build(*, period: Period, now: datetime | None = None) -> Cube | None:
    """Read the reports once for ``period`` (and the one before) at ``now``; ``None`` on SQLite."""
    from reports.kpis import GRID_CELL_DEGREES, trend_step

    alias = Complaint.objects.all().db  # the replica where there is one (reports read there)
    if connections[alias].vendor != "postgresql":
        return None
    now = now or timezone.now()
    trunc = trend_step(period)[0]
    q = kpi_scan.quoted
    value, over = KPI_AVERAGES["avg_seconds"]
    parts: dict[str, list[tuple]] = {}
    flags: list[str] = []
    outermost = not connections[alias].in_atomic_block
    with transaction.atomic(using=alias):
        with connections[alias].cursor() as cursor:
            if outermost:  # every part reads the same moment
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
        for half in kpi_scan.HALVES:
            inner, params, keys, flags = _sql(half, period, now, trunc, GRID_CELL_DEGREES)
            dims = ", ".join(q(k) for k in keys)
            parts[f"{half}_counts"] = _fetch(
                alias, f"SELECT {dims}, {', '.join(kpi_scan.flag_counts(flags))} FROM ({inner}) r GROUP BY {dims}", params
            )
            parts[f"{half}_seconds"] = _fetch(
                alias, f"SELECT {dims}, {q(value)} FROM ({inner}) r WHERE {q('_f_' + over)} AND {q(value)} IS NOT NULL", params
            )
            if half == "p":
                for series in ("received", "closed"):
                    parts[f"p_{series}"] = _fetch(
                        alias,
                        f"SELECT {dims}, {q('_b_' + series)}::date, COUNT(*) FROM ({inner}) r "
                        f"WHERE {q('_f_' + series)} GROUP BY {dims}, {q('_b_' + series)}",
                        params,
                    )
                parts["p_cells"] = _fetch(
                    alias,
                    f"SELECT {dims}, {q('_cy')}, {q('_cx')}, COUNT(*), COUNT(*) FILTER (WHERE {q('_open')}) "
                    f"FROM ({inner}) r WHERE {q('_f_received')} AND {q('_cy')} IS NOT NULL AND {q('_cx')} IS NOT NULL "
                    f"GROUP BY {dims}, {q('_cy')}, {q('_cx')}",
                    params,
                )
    return _pack(period, now, flags, parts)


def _pack(period: Period, now: datetime, flags: list[str], parts: dict[str, list[tuple]]) -> Cube:
    """The fetched rows as arrays: one table of combinations, the other parts pointing into it."""
    vocab: dict[str, dict[str, int]] = {k: {} for k in TEXT_KEYS}
    combos: dict[tuple, int] = {}

    def code(row: tuple) -> tuple:
        out = []
        for name, v in zip(KEYS, row[: len(KEYS)], strict=True):
            out.append(vocab[name].setdefault(v, len(vocab[name])) if name in TEXT_KEYS else v)
        return tuple(out)

    def index(row: tuple) -> int:
        return combos.setdefault(code(row), len(combos))

    n_avg = len(KPI_AVERAGES)
    arrays: dict[str, np.ndarray] = {}
    for half in kpi_scan.HALVES:
        rows = parts[f"{half}_counts"]
        width = len(KEYS)
        arrays[f"{half}_combo"] = np.array([index(r) for r in rows], dtype=np.int64)
        arrays[f"{half}_counts"] = np.array([r[width : width + len(flags)] for r in rows], dtype=np.int64).reshape(
            len(rows), len(flags)
        )
        tail = [r[width + len(flags) :] for r in rows]
        arrays[f"{half}_sums"] = np.array([[float(t[2 * i] or 0) for i in range(n_avg)] for t in tail], dtype=np.float64).reshape(
            len(rows), n_avg
        )
        arrays[f"{half}_ns"] = np.array([[t[2 * i + 1] for i in range(n_avg)] for t in tail], dtype=np.int64).reshape(
            len(rows), n_avg
        )
        seconds = sorted(parts[f"{half}_seconds"], key=lambda r: r[-1])
        arrays[f"{half}_seconds_combo"] = np.array([index(r) for r in seconds], dtype=np.int64)
        arrays[f"{half}_seconds"] = np.array([r[-1] for r in seconds], dtype=np.float64)
    for series in ("received", "closed"):
        rows = parts[f"p_{series}"]
        arrays[f"p_{series}_combo"] = np.array([index(r) for r in rows], dtype=np.int64)
        arrays[f"p_{series}_day"] = np.array([r[len(KEYS)].toordinal() for r in rows], dtype=np.int64)
        arrays[f"p_{series}_n"] = np.array([r[len(KEYS) + 1] for r in rows], dtype=np.int64)
    cells = parts["p_cells"]
    arrays["p_cells_combo"] = np.array([index(r) for r in cells], dtype=np.int64)
    arrays["p_cells"] = np.array([r[len(KEYS) :] for r in cells], dtype=np.int64).reshape(len(cells), 4)
    keys = np.array(list(combos), dtype=np.int64).reshape(len(combos), len(KEYS))
    arrays["keys"] = keys
    for name in TEXT_KEYS:
        arrays[f"vocab_{name}"] = np.array(list(vocab[name]) or [""], dtype=str)
    main_of = dict(Category.objects.filter(parent__isnull=False).values_list("pk", "parent_id"))
    subs = keys[:, KEYS.index("category")].tolist()
    arrays["main"] = np.array([main_of.get(sub, sub) for sub in subs], dtype=np.int64)
    return Cube(period.start, period.end, now, list(flags), list(KPI_AVERAGES), arrays)


# --------------------------------------------------------------------------- a view from the cube


@dataclass
class Selection:
    """A dashboard view's filters, as the cube's keys: ``None`` where the filter is not set."""

    department: int | None = None
    category: int | None = None  # a main type (all its sub-types) or a sub-type
    channel: str | None = None
    district: int | None = None
    priority: str | None = None


def _selected(cube: Cube, selection: Selection) -> np.ndarray:
    keys = cube.arrays["keys"]
    chosen = np.ones(len(keys), dtype=bool)
    for name in ("department", "district"):
        value = getattr(selection, name)
        if value is not None:
            chosen &= keys[:, KEYS.index(name)] == value
    for name in TEXT_KEYS:
        value = getattr(selection, name)
        if value is not None:
            vocab = cube.arrays[f"vocab_{name}"].tolist()
            chosen &= keys[:, KEYS.index(name)] == (vocab.index(value) if value in vocab else -2)
    if selection.category is not None:
        sub = keys[:, KEYS.index("category")]
        chosen &= (sub == selection.category) | (cube.arrays["main"] == selection.category)
    return chosen


def _rows_by(cube: Cube, half: str, rows: np.ndarray, groups: np.ndarray, size: int) -> list[dict]:
    """The raw aggregate per group of the given rows of ``half`` (``groups``: each row's group, 0..size-1),
    as the scan's statement returns them."""
    a = cube.arrays
    counts = a[f"{half}_counts"][rows]
    sums, ns = a[f"{half}_sums"][rows], a[f"{half}_ns"][rows]
    columns = {
        name: np.rint(np.bincount(groups, weights=counts[:, i], minlength=size)).astype(np.int64).tolist()
        for i, name in enumerate(cube.flags)
    }
    out = [{name: column[g] for name, column in columns.items()} for g in range(size)]
    for i, name in enumerate(cube.averages):
        total = np.bincount(groups, weights=sums[:, i], minlength=size).tolist()
        n = np.rint(np.bincount(groups, weights=ns[:, i], minlength=size)).astype(np.int64).tolist()
        for g in range(size):
            out[g][name] = total[g] / n[g] if n[g] else None
    return out


def _percentiles(values: np.ndarray) -> dict[float, float | None]:
    """PostgreSQL's ``percentile_cont`` of sorted ``values``, step for step."""
    out: dict[float, float | None] = {}
    for p in PERCENTILE_POINTS:
        if not values.size:
            out[p] = None
            continue
        position = p * (values.size - 1)
        first, second = math.floor(position), math.ceil(position)
        low, high = float(values[first]), float(values[second])
        out[p] = low if first == second else low + (position - first) * (high - low)
    return out


def _grouping(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct ``keys`` present, each key's group 0..n-1). Keys are ids, codes or day numbers:
    a dense range, so they are counted without sorting."""
    if not keys.size:
        return keys, keys
    low = int(keys.min())
    present = np.bincount(keys - low) > 0
    distinct = np.flatnonzero(present) + low
    group_of = np.cumsum(present) - 1
    return distinct, group_of[keys - low]


def _counted(keys: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``keys`` and the sum of ``weights`` for each."""
    distinct, groups = _grouping(keys)
    return distinct, np.bincount(groups, weights=weights, minlength=distinct.size)


def scan_from(cube: Cube, selection: Selection, *, hotspot_limit: int) -> dict:
    """What :func:`reports.kpi_scan.scan` returns for the cube's period and ``selection``, from the cube alone."""
    a = cube.arrays
    main = a["main"]  # each combination's main type (-1 in triage), as the scan's ``_d_category``
    chosen = _selected(cube, selection)
    keys = a["keys"]
    out: dict = {"groups": {}, "received_by": {}, "closed_by": {}, "hotspots": [], "previous_by_category": {}}

    p_rows = np.flatnonzero(chosen[a["p_combo"]])
    combo_of = a["p_combo"][p_rows]
    out["groups"]["all"] = _rows_by(cube, "p", p_rows, np.zeros(p_rows.size, dtype=np.int64), 1)[0]
    dimension_values = {
        "department": keys[:, KEYS.index("department")],
        "channel": keys[:, KEYS.index("channel")],
        "category": main,
        "district": keys[:, KEYS.index("district")],
        "utility": keys[:, KEYS.index("utility")],
    }
    channels = a["vocab_channel"].tolist()
    for dimension, values in dimension_values.items():
        distinct, groups = _grouping(values[combo_of])
        rows = _rows_by(cube, "p", p_rows, groups, distinct.size)
        named = [channels[v] if dimension == "channel" else v for v in distinct.tolist()]
        out["groups"][dimension] = [
            {**row, "key": None if key in (-1, "") else key} for key, row in zip(named, rows, strict=True)
        ]

    q_rows = np.flatnonzero(chosen[a["q_combo"]])
    out["previous"] = _rows_by(cube, "q", q_rows, np.zeros(q_rows.size, dtype=np.int64), 1)[0]
    received = a["q_counts"][q_rows, cube.flags.index("received")]
    for value, n in zip(*(x.tolist() for x in _counted(main[a["q_combo"][q_rows]], received)), strict=True):
        if n:
            out["previous_by_category"][None if value == -1 else value] = int(round(n))

    out["percentiles"] = {
        which: _percentiles(a[f"{half}_seconds"][chosen[a[f"{half}_seconds_combo"]]])
        for which, half in (("current", "p"), ("previous", "q"))
    }
    for series in ("received", "closed"):
        picked = chosen[a[f"p_{series}_combo"]]
        for day, n in zip(*(x.tolist() for x in _counted(a[f"p_{series}_day"][picked], a[f"p_{series}_n"][picked])), strict=True):
            if n:
                out[f"{series}_by"][date.fromordinal(day)] = int(round(n))
    cells = a["p_cells"][chosen[a["p_cells_combo"]]]
    if cells.size:
        keyed = cells[:, 0] * CELL_SPAN + cells[:, 1]  # one number a cell (a cell is 0.01°: |cy|, |cx| < 18,000)
        distinct, groups = np.unique(keyed, return_inverse=True)
        n = np.rint(np.bincount(groups, weights=cells[:, 2], minlength=distinct.size)).astype(np.int64).tolist()
        still_open = np.rint(np.bincount(groups, weights=cells[:, 3], minlength=distinct.size)).astype(np.int64).tolist()
        ranked = sorted(
            (-n[g], *divmod(int(k) + CELL_SPAN // 2, CELL_SPAN), still_open[g])
            for g, k in enumerate(distinct.tolist())
            if n[g] > 0
        )[:hotspot_limit]
        ranked = [(count, cy, cx - CELL_SPAN // 2, o) for count, cy, cx, o in ranked]
        out["hotspots"] = [{"_cy": cy, "_cx": cx, "n": -count, "open": o} for count, cy, cx, o in ranked]
    return out


# --------------------------------------------------------------------------- kept in the database


def dumps(cube: Cube) -> bytes:
    buffer = io.BytesIO()
    meta = np.array([cube.period_start.isoformat(), cube.period_end.isoformat(), cube.now.isoformat()], dtype=str)
    arrays: dict[str, Any] = {
        "_meta": meta,
        "_flags": np.array(cube.flags, dtype=str),
        "_averages": np.array(cube.averages, dtype=str),
        **cube.arrays,
    }
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def loads(data: bytes) -> Cube:
    with np.load(io.BytesIO(data), allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    start, end, now = (datetime.fromisoformat(v) for v in arrays.pop("_meta").tolist())
    flags, averages = arrays.pop("_flags").tolist(), arrays.pop("_averages").tolist()
    return Cube(start, end, now, flags, averages, arrays)


def refresh(*, period: Period) -> Cube | None:
    """Read the reports for ``period`` and keep the cube (one row per period; older ones dropped)."""
    from reports.models import KpiCube

    cube = build(period=period)
    if cube is None:
        return None
    KpiCube.objects.update_or_create(
        period_start=period.start, period_end=period.end, defaults={"computed_at": cube.now, "data": dumps(cube)}
    )
    KpiCube.objects.filter(computed_at__lt=cube.now - timedelta(days=2)).delete()
    return cube


def fresh(*, period: Period, max_age_seconds: float) -> Cube | None:
    """The kept cube of ``period`` if it was read less than ``max_age_seconds`` ago."""
    from reports.models import KpiCube

    if connection.vendor != "postgresql":
        return None
    kept = KpiCube.objects.filter(
        period_start=period.start, period_end=period.end, computed_at__gte=timezone.now() - timedelta(seconds=max_age_seconds)
    )
    found = kept.values_list("pk", "computed_at").first()
    if found is None:
        return None
    key = (period.start, period.end)
    cube = _loaded.get(key)
    if cube is None or cube.now != found[1]:  # not read by this process yet: a few megabytes, once per refresh
        data = kept.filter(pk=found[0]).values_list("data", flat=True).first()
        if data is None:
            return None
        cube = _loaded[key] = loads(bytes(data))
    return cube


#: The cubes this process has loaded, by period: read again only when a newer one is kept.
_loaded: dict[tuple[datetime, datetime], Cube] = {}
