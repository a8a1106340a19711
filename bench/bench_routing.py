"""Routing benchmarks: routing one report (200 districts, 100 rules) and nearby search (1,000,000 reports).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/balagh_routing_bench python -m bench routing

The routing fixture (200 district polygons, 100 rules) is created inside a
transaction that is rolled back, so the bench database keeps only the load.
The nearby search needs BENCH_COMPLAINTS reports (default 1,000,000); missing
ones are added with ``generate_load`` first (a few minutes on PostgreSQL).
"""

from __future__ import annotations

import math
import os
import random

from bench import Result, interleaved
from bench.load import ensure_seed
from complaints.models import Category, Complaint
from municipality import geo
from municipality.models import Department, District
from routing import rules as routing_rules
from routing.models import RoutingRule
from routing.selectors import nearby_open_complaints

N_DISTRICTS = 200
N_RULES = 100
# The demo city: lon 42.69–42.77, lat 18.26–18.33.
WEST, EAST, SOUTH, NORTH = 42.69, 42.77, 18.26, 18.33


class _Rollback(Exception):
    pass


def _district_polygon(col: int, row: int, cols: int, rows: int, rng: random.Random) -> dict:
    """A grid cell drawn with 64 vertices whose inner edges wobble, like a real neighbourhood boundary.

    Shared edges use the same wobble on both sides (seeded by the edge), so the cells still tile.
    """
    dx, dy = (EAST - WEST) / cols, (NORTH - SOUTH) / rows
    x0, y0 = WEST + col * dx, SOUTH + row * dy
    x1, y1 = WEST + (col + 1) * dx, SOUTH + (row + 1) * dy  # the same floats as the neighbours' x0, y0

    def edge(ax, ay, bx, by, key, steps=16, vertical=False):
        wobble = random.Random(repr(key))
        pts = []
        for i in range(steps):
            t = i / steps
            x, y = ax + (bx - ax) * t, ay + (by - ay) * t
            if 0 < i:
                off = wobble.uniform(-0.15, 0.15) * (dx if vertical else dy) * math.sin(math.pi * t)
                if vertical:
                    x += off
                else:
                    y += off
            pts.append([x, y])
        return pts

    bottom = edge(x0, y0, x1, y0, ("h", col, row))
    right = edge(x1, y0, x1, y1, ("v", col + 1, row), vertical=True)
    top = list(reversed(edge(x0, y1, x1, y1, ("h", col, row + 1))))
    left = list(reversed(edge(x0, y0, x0, y1, ("v", col, row), vertical=True)))
    # Reversed edges start at their far end: rotate so the ring runs corner to corner.
    ring = bottom + right + [[x1, y1]] + top[:-1] + [[x0, y1]] + left[:-1]
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def bench_route_one_report() -> Result:
    from django.db import transaction

    rng = random.Random(42)
    result: Result | None = None
    try:
        with transaction.atomic():
            ensure_seed()
            cols, rows = 20, 10
            created = District.objects.bulk_create(
                District(
                    code=f"bench-{c}-{r}",
                    name_ar=f"حي {c}-{r}",
                    name_en=f"Bench {c}-{r}",
                    polygon=_district_polygon(c, r, cols, rows, rng),
                )
                for c in range(cols)
                for r in range(rows)
            )
            subs = list(Category.objects.filter(parent__isnull=False).select_related("parent"))
            departments = list(Department.objects.filter(active=True))
            rules = []
            for i in range(N_RULES):
                category = rng.choice(subs)
                rules.append(
                    RoutingRule(
                        category=category.parent if i % 3 == 0 else category,
                        district=rng.choice(created) if i % 2 == 0 else None,
                        department=rng.choice(departments),
                        order=rng.randrange(1, 200),
                    )
                )
            RoutingRule.objects.bulk_create(rules)
            geo.invalidate()
            routing_rules.invalidate_rules()
            points = [(rng.uniform(SOUTH, NORTH), rng.uniform(WEST, EAST), rng.choice(subs)) for _ in range(512)]
            pks = list(Complaint.objects.order_by("?").values_list("pk", flat=True)[:512]) or [0]
            n_districts = District.objects.count()
            state = {"i": 0, "j": 0}

            def route():
                lat, lon, category = points[state["i"] % len(points)]
                state["i"] += 1
                district_id = geo.district_id_for_point(lat, lon)
                return routing_rules.route_decision(category=category, district_id=district_id)

            def baseline():
                pk = pks[state["j"] % len(pks)]
                state["j"] += 1
                return Complaint.objects.filter(pk=pk).first()

            route()  # build the index and the rule cache once
            median, base = interleaved(route, baseline, repeat=400, warmup=20)
            result = Result(
                name="route one report (district lookup + rules)",
                median_ms=median,
                baseline_name="primary-key lookup (Complaint)",
                baseline_ms=base,
                target="median < 1 ms",
                data=f"{n_districts} districts, {N_RULES} rules",
            )
            raise _Rollback
    except _Rollback:
        pass
    geo.invalidate()
    routing_rules.invalidate_rules()
    assert result is not None, "the measurement ends by rolling back; it sets the result first"
    return result


def _ensure_load(wanted: int) -> int:
    from django.core.management import call_command

    have = Complaint.objects.count()
    if have < wanted:
        call_command("generate_load", complaints=wanted - have, batch=20000, seed=2026)
    return Complaint.objects.count()


def bench_nearby(wanted: int) -> Result:
    from django.db import connection

    total = _ensure_load(wanted)
    rng = random.Random(7)
    subs = list(Category.objects.filter(parent__isnull=False))
    # Points where reports are: sampled from the data (a citizen reports where problems are).
    sample = (
        list(
            Complaint.objects.filter(lat__isnull=False, lon__isnull=False)
            .order_by("?")
            .values_list("pk", "lat", "lon", "category_id")[:512]
        )
        if connection.vendor != "postgresql"
        else []
    )
    if not sample:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, lat, lon, category_id FROM {Complaint._meta.db_table} TABLESAMPLE SYSTEM (1) LIMIT 512")
            sample = cursor.fetchall()
    by_pk = {c.pk: c for c in subs}
    queries = [
        (lat + rng.gauss(0, 0.0005), lon + rng.gauss(0, 0.0005), by_pk.get(cat) or rng.choice(subs))
        for _, lat, lon, cat in sample
        if lat is not None and lon is not None  # reports in triage have no pin yet
    ]
    pks = [row[0] for row in sample]
    state = {"i": 0, "j": 0, "found": 0}

    def nearby():
        lat, lon, category = queries[state["i"] % len(queries)]
        state["i"] += 1
        state["found"] += len(nearby_open_complaints(category=category, lat=lat, lon=lon))

    def baseline():
        pk = pks[state["j"] % len(pks)]
        state["j"] += 1
        return Complaint.objects.filter(pk=pk).first()

    median, base = interleaved(nearby, baseline, repeat=400, warmup=20)
    return Result(
        name="nearby open reports (bbox index + haversine)",
        median_ms=median,
        baseline_name="primary-key lookup (Complaint)",
        baseline_ms=base,
        target="median < 20 ms (PostgreSQL)",
        data=f"{total:,} complaints",
        extra={"found_per_search": state["found"] / max(state["i"], 1)},
    )


def run() -> list[Result]:
    wanted = int(os.environ.get("BENCH_COMPLAINTS") or 1_000_000)
    results = [bench_route_one_report(), bench_nearby(wanted)]
    return results
