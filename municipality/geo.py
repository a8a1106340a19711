"""Point-in-district lookup over the districts' GeoJSON with a shapely STRtree.

The index is built once per process and rebuilt when the districts change
(their count and latest ``updated`` marker; see ``municipality.cache.VersionedCache``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import connection
from shapely import STRtree, make_valid
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from shapely.prepared import PreparedGeometry, prep

from municipality.cache import VersionedCache
from municipality.models import District


@dataclass
class _Index:
    version: tuple
    tree: STRtree | None
    geoms: list
    prepared: list
    ids: list[int]
    boundary: PreparedGeometry | None


logger = logging.getLogger(__name__)


def _version() -> tuple:
    """(count, latest change) of the districts: one small raw query, run on every lookup."""
    table = connection.ops.quote_name(District._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), MAX(updated_at) FROM {table}")
        count, latest = cursor.fetchone()
    return (count, str(latest))


def geometry_of(polygon) -> BaseGeometry:
    """A shapely geometry from a stored boundary (a GeoJSON geometry, or a Feature wrapping one)."""
    if isinstance(polygon, dict) and polygon.get("type") == "Feature":
        polygon = polygon.get("geometry")
    return shape(polygon)


def _build(version: tuple) -> _Index:
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


_cache: VersionedCache[_Index] = VersionedCache(version=_version, build=_build)


def index(*, check: bool = True) -> _Index:
    return _cache.get(check=check)


def invalidate() -> None:
    _cache.invalidate()


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
