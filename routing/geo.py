"""Point-in-district lookup over the districts' GeoJSON with a shapely STRtree.

The index is built once per process and rebuilt when the districts change
(their latest ``updated`` marker is compared on each lookup, one cheap query).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

from shapely import STRtree
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


_lock = threading.Lock()
_index: _Index | None = None


def _version() -> tuple:
    from django.db.models import Count, Max

    from municipality.models import District

    agg = District.objects.aggregate(n=Count("id"), m=Max("updated_at"))
    return (agg["n"], agg["m"])


def _build(version: tuple) -> _Index:
    from municipality.models import District

    geoms, ids = [], []
    for pk, polygon in District.objects.values_list("pk", "polygon"):
        geom = shape(polygon.get("geometry", polygon) if isinstance(polygon, dict) else polygon)
        geoms.append(geom)
        ids.append(pk)
    tree = STRtree(geoms) if geoms else None
    boundary = prep(unary_union(geoms)) if geoms else None
    return _Index(version, tree, geoms, [prep(g) for g in geoms], ids, boundary)


def index(*, check: bool = True) -> _Index:
    global _index
    current = _index
    if current is not None and not check:
        return current
    version = _version()
    if current is None or current.version != version:
        with _lock:
            if _index is None or _index.version != version:
                _index = _build(version)
            current = _index
    return current


def invalidate() -> None:
    global _index
    _index = None


def district_id_for_point(lat: float, lon: float, *, check: bool = True) -> int | None:
    idx = index(check=check)
    if idx.tree is None:
        return None
    point = Point(lon, lat)
    for i in idx.tree.query(point):
        if idx.prepared[int(i)].covers(point):
            return idx.ids[int(i)]
    return None


def inside_municipality(lat: float, lon: float) -> bool:
    """True when the point lies in the union of the districts (or no districts are defined)."""
    idx = index()
    if idx.boundary is None:
        return True
    return idx.boundary.covers(Point(lon, lat))
