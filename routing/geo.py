"""Point-in-district lookup over the districts' GeoJSON with a shapely STRtree.

The index is built once per process and rebuilt when the districts change:
their (count, latest ``updated``) marker is compared with one cheap query, at
most every ``BALAGH_ROUTING_RECHECK_SECONDS`` (default 1 s; 0 = on every
lookup), so a district edited in the admin is used by every process within
a second while a lookup on the hot path needs no query at all.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings

from shapely import STRtree, make_valid
from shapely.geometry import Point, shape
from shapely.ops import unary_union
from shapely.prepared import prep


@dataclass
class _Index:
    version: tuple
    tree: STRtree | None
    geoms: list
    prepared: list
    ids: list[int]
    boundary: object
    checked_at: float = 0.0


logger = logging.getLogger(__name__)
_lock = threading.Lock()
_index: _Index | None = None


def _version() -> tuple:
    """(count, latest change) of the districts: one small raw query, run on every lookup."""
    from django.db import connection

    from municipality.models import District

    table = connection.ops.quote_name(District._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), MAX(updated_at) FROM {table}")
        count, latest = cursor.fetchone()
    return (count, str(latest))


def geometry_of(polygon) -> object:
    """A shapely geometry from a stored boundary (a GeoJSON geometry, or a Feature wrapping one)."""
    if isinstance(polygon, dict) and polygon.get("type") == "Feature":
        polygon = polygon.get("geometry")
    return shape(polygon)


def _build(version: tuple) -> _Index:
    from municipality.models import District

    geoms, ids = [], []
    for pk, polygon in District.objects.order_by("pk").values_list("pk", "polygon"):
        try:
            geom = geometry_of(polygon)
        except Exception:  # noqa: BLE001 - a broken boundary edited by hand must not stop every submission
            logger.warning("District %s has an unreadable boundary; it is left out of the index.", pk)
            continue
        if geom.is_empty:
            continue
        if not geom.is_valid:
            geom = make_valid(geom)
        geoms.append(geom)
        ids.append(pk)
    tree = STRtree(geoms) if geoms else None
    boundary = prep(unary_union(geoms)) if geoms else None
    return _Index(version, tree, geoms, [prep(g) for g in geoms], ids, boundary)


def index(*, check: bool = True) -> _Index:
    global _index
    current = _index
    if current is not None and (not check or recently_checked(current)):
        return current
    version = _version()
    if current is None or current.version != version:
        with _lock:
            if _index is None or _index.version != version:
                _index = _build(version)
            current = _index
    current.checked_at = time.monotonic()
    return current


def recently_checked(cache) -> bool:
    """Was ``cache`` confirmed fresh less than ``BALAGH_ROUTING_RECHECK_SECONDS`` ago?"""
    interval = getattr(settings, "BALAGH_ROUTING_RECHECK_SECONDS", 1.0)
    return interval > 0 and time.monotonic() - cache.checked_at < interval


def invalidate() -> None:
    global _index
    _index = None


def district_id_for_point(lat: float, lon: float, *, check: bool = True) -> int | None:
    idx = index(check=check)
    if idx.tree is None:
        return None
    point = Point(lon, lat)
    # Sorted, so a point on the line between two districts always goes to the same one (the older).
    for i in sorted(idx.tree.query(point)):
        if idx.prepared[int(i)].covers(point):
            return idx.ids[int(i)]
    return None


def inside_municipality(lat: float, lon: float) -> bool:
    """True when the point lies in the union of the districts (or no districts are defined)."""
    idx = index()
    if idx.boundary is None:
        return True
    return idx.boundary.covers(Point(lon, lat))
