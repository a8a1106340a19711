"""Routing reads: nearby open reports (duplicates), merge candidates, transfer counts, open referrals."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from complaints import access
from complaints.models import Category, Complaint
from complaints.workflow import OPEN_STATUSES
from municipality.models import Utility

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE_LAT = 111_320.0
NEARBY_FIELDS = (
    "pk",
    "tracking_number",
    "token",
    "category_id",
    "status",
    "lat",
    "lon",
    "description",
    "created_at",
    "district_id",
)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min lat, max lat, min lon, max lon) of a box that contains the circle (with a small margin)."""
    dlat = radius_m / METRES_PER_DEGREE_LAT * 1.01
    cos_lat = max(math.cos(math.radians(lat)), 1e-6)
    dlon = radius_m / (METRES_PER_DEGREE_LAT * cos_lat) * 1.01
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


@dataclass(frozen=True)
class Nearby:
    complaint: Complaint
    distance_m: float


def nearby_open_complaints(
    *,
    category: Category | int,
    lat: float,
    lon: float,
    radius_m: float | None = None,
    exclude_pk: int | None = None,
    limit: int = 10,
    queryset: QuerySet | None = None,
) -> list[Nearby]:
    """Open reports of the same category within the category's duplicate radius, nearest first.

    An indexed bounding-box query (``complaint_cat_status_lat``: category, status,
    lat range; then lon) finds the few candidates; the exact distance is computed
    here over those.
    """
    if isinstance(category, Category):
        category_id = category.pk
        radius = radius_m if radius_m is not None else category.duplicate_radius_m
    else:
        category_id = int(category)
        radius = (
            radius_m
            if radius_m is not None
            else (Category.objects.filter(pk=category_id).values_list("duplicate_radius_m", flat=True).first() or 100)
        )
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
    qs = Complaint.objects.all() if queryset is None else queryset
    qs = qs.filter(
        category_id=category_id,
        status__in=OPEN_STATUSES,
        lat__gte=min_lat,
        lat__lte=max_lat,
        lon__gte=min_lon,
        lon__lte=max_lon,
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    found = []
    for complaint in qs.only(*NEARBY_FIELDS).order_by()[:500]:
        if complaint.lat is None or complaint.lon is None:  # the box filter above excludes them; for the type checker
            continue
        distance = haversine_m(lat, lon, complaint.lat, complaint.lon)
        if distance <= radius:
            found.append(Nearby(complaint, distance))
    found.sort(key=lambda n: (n.distance_m, n.complaint.pk))
    return found[:limit]


def merge_candidates(complaint: Complaint, *, user=None, limit: int = 10) -> list[Nearby]:
    """Open reports near ``complaint`` of the same sub-type that it could be merged into (or with)."""

    category, lat, lon = complaint.category, complaint.lat, complaint.lon
    if complaint.status not in OPEN_STATUSES or category is None or lat is None or lon is None:
        return []  # a triage report has no type or pin to compare yet
    queryset = access.visible_complaints(user) if user is not None else None
    candidates = nearby_open_complaints(
        category=category,
        lat=lat,
        lon=lon,
        exclude_pk=complaint.pk,
        limit=limit,
        queryset=queryset,
    )
    return [c for c in candidates if c.complaint.pk != complaint.duplicate_of_id]


@dataclass
class UtilityReferrals:
    utility: Utility
    open_count: int
    oldest_at: datetime | None
    referrals: list  # Complaint objects with .age and .referred_at, oldest first


def open_referrals_by_utility(*, user=None, per_utility: int = 50, now: datetime | None = None) -> list[UtilityReferrals]:
    """The Joint Operations board: per utility, its open referrals with their age, oldest first.

    Utilities are ordered by their oldest open referral. The age runs from the
    referral (``assigned_at``, set when the report was referred). With ``user``,
    only the reports that user may see (a head sees their department's referrals).
    """

    now = now or timezone.now()
    base = Complaint.objects.all() if user is None else access.visible_complaints(user)
    base = base.filter(utility__isnull=False, status__in=OPEN_STATUSES)
    stats = list(
        base.order_by().values("utility_id").annotate(n=Count("id"), oldest=Min("assigned_at")).order_by("oldest", "utility_id")
    )
    if not stats:
        return []
    utilities = Utility.objects.in_bulk([row["utility_id"] for row in stats])
    listing = base.select_related("category", "category__parent", "department", "district", "utility")
    board = []
    for row in stats:  # a handful of utilities: one short, indexed query each
        bucket = list(listing.filter(utility_id=row["utility_id"]).order_by("assigned_at", "pk")[:per_utility])
        for complaint in bucket:
            complaint.referred_at = complaint.assigned_at or complaint.created_at
            complaint.age = now - complaint.referred_at
        board.append(UtilityReferrals(utilities[row["utility_id"]], row["n"], row["oldest"], bucket))
    return board
