"""Routing writes and decisions: who gets a report, followers and merging of duplicates, districts from GeoJSON.

The routing decision reads a per-process cache of the active rules (rebuilt when
a rule, a department or a utility changes: one cheap version query, at most every
``BALAGH_ROUTING_RECHECK_SECONDS``), so routing one report costs a few dictionary look-ups.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from complaints import access
from complaints.event_texts import say
from complaints.models import Category, Complaint, Event
from complaints.phones import normalize_phone, phones_match
from complaints.services import (
    complaint_close,
    event_record,
)
from complaints.workflow import ACTIVE_STATUSES, ClosureReason, Status, TransitionError
from municipality import geo
from municipality.cache import VersionedCache
from municipality.geo import district_id_for_point, inside_municipality
from municipality.models import Department, District, Utility
from notifications.models import PhoneCode
from notifications.verification import phone_code_confirm, phone_code_send
from routing.models import Follower, RoutingRule

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- the routing decision


@dataclass(frozen=True)
class RouteDecision:
    department: Department | None
    utility: Utility | None
    reason: str
    rule_id: int | None = None
    basis: str = ""  # "rule", "type", "main_type" or "triage" (complaints.event_texts renders it)

    @property
    def owner(self):
        return self.utility or self.department


@dataclass(frozen=True)
class _Rule:
    pk: int
    department_id: int | None
    utility_id: int | None
    label: str


@dataclass
class _RuleCache:
    version: tuple
    # (category id, district id or None) -> the rule that wins there (lowest order, then pk).
    best: dict[tuple[int, int | None], _Rule]
    departments: dict[int, Department]  # active ones
    utilities: dict[int, Utility]  # active ones
    triage: Department | None


def _rules_version() -> tuple:
    """A fingerprint of everything the decision reads besides the category: one query."""

    tables = [connection.ops.quote_name(m._meta.db_table) for m in (RoutingRule, Department, Utility)]
    # Every save of a rule, a department or a utility bumps its updated_at; a deleted row lowers the count.
    parts = ", ".join(f"(SELECT COUNT(*) AS n, MAX(updated_at) AS m FROM {table}) t{i}" for i, table in enumerate(tables))
    columns = ", ".join(f"t{i}.n, t{i}.m" for i in range(len(tables)))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {parts}")
        return tuple(str(v) for v in cursor.fetchone())


def _build_rules(version: tuple) -> _RuleCache:

    departments = {d.pk: d for d in Department.objects.filter(active=True)}
    utilities = {u.pk: u for u in Utility.objects.filter(active=True)}
    best: dict[tuple[int, int | None], _Rule] = {}
    rules = (
        RoutingRule.objects.filter(active=True)
        .select_related("category", "district", "department", "utility")
        .order_by("order", "pk")
    )
    for rule in rules:
        if rule.department_id and rule.department_id not in departments:
            continue
        if rule.utility_id and rule.utility_id not in utilities:
            continue
        key = (rule.category_id, rule.district_id)
        if key not in best:  # ordered by (order, pk): the first one wins
            best[key] = _Rule(rule.pk, rule.department_id, rule.utility_id, str(rule))
    triage = next((d for d in sorted(departments.values(), key=lambda d: d.pk) if d.is_triage), None)
    return _RuleCache(version, best, departments, utilities, triage)


_rules_cache: VersionedCache[_RuleCache] = VersionedCache(version=_rules_version, build=_build_rules)


def rules_cache(*, check: bool = True) -> _RuleCache:
    return _rules_cache.get(check=check)


def invalidate_rules() -> None:
    _rules_cache.invalidate()


def route_decision(*, category: Category, district_id: int | None) -> RouteDecision:
    """Who gets a report of ``category`` in ``district_id``.

    Most specific first: sub-type + district, sub-type + any district, main type +
    district, main type + any district (each: lowest ``order`` wins); then the
    sub-type's default department, the main type's; then the triage queue.
    """
    cache = rules_cache()
    candidates = [category.pk]
    if category.parent_id:
        candidates.append(category.parent_id)
    for category_id in candidates:
        for key in ((category_id, district_id), (category_id, None)) if district_id else ((category_id, None),):
            rule = cache.best.get(key)
            if rule is not None:
                return RouteDecision(
                    cache.departments.get(rule.department_id) if rule.department_id else None,
                    cache.utilities.get(rule.utility_id) if rule.utility_id else None,
                    _("Routing rule #%(id)s: %(rule)s") % {"id": rule.pk, "rule": rule.label},
                    rule.pk,
                    "rule",
                )
    if category.default_department_id in cache.departments:
        return RouteDecision(
            cache.departments[category.default_department_id], None, _("Default department of the category"), basis="type"
        )
    parent = category.parent if category.parent_id else None
    if parent is not None and parent.default_department_id in cache.departments:
        return RouteDecision(
            cache.departments[parent.default_department_id], None, _("Default department of the main type"), basis="main_type"
        )
    return RouteDecision(cache.triage, None, _("No owner found: triage queue"), basis="triage")


@dataclass(frozen=True)
class DryRun:
    decision: RouteDecision
    district: District | None
    inside: bool


def route_dry_run(*, category: Category, lat: float, lon: float) -> DryRun:
    """ "Who gets this sub-type at this point?" — the same decision as a submission, without filing anything."""

    district_id = district_id_for_point(lat, lon)
    district = District.objects.filter(pk=district_id).first() if district_id else None
    return DryRun(route_decision(category=category, district_id=district_id), district, inside_municipality(lat, lon))


# --------------------------------------------------------------------------- duplicates: follow and merge


MAX_FOLLOWERS = 50


def complaint_follow_request(*, complaint: Complaint, phone: str, language: str = "ar") -> None:
    """Step 1 of following: send a one-time code to ``phone``.

    The same for every number (the reporter's own, one already following, a new one):
    nothing here may tell the caller who filed or follows the report.
    Raises ``ValidationError`` for a number that is not a mobile, ``TransitionError`` for a closed report.
    """
    normalized = normalize_phone(phone)  # raises ValidationError with a translated message
    if complaint.status not in ACTIVE_STATUSES:
        raise TransitionError(_("This report is closed; file a new report if the problem is still there."))
    phone_code_send(phone=normalized, purpose=PhoneCode.Purpose.FOLLOW, language=(language or "ar")[:5], complaint=complaint)


def complaint_follow_confirm(*, complaint: Complaint, phone: str, code: str, language: str = "ar"):
    """Step 2: the code sent to ``phone`` was typed back, so that mobile follows the report.

    Returns the follower row (``None`` for the reporter's own mobile, which gets the updates already).
    """
    normalized = normalize_phone(phone)
    phone_code_confirm(phone=normalized, code=code, purpose=PhoneCode.Purpose.FOLLOW, complaint=complaint)
    follower, _created = complaint_follow(complaint=complaint, phone=normalized, language=language)
    return follower


def complaint_follow(*, complaint: Complaint, phone: str, language: str = "ar"):
    """Add a confirmed mobile to an open report's followers; call it only once the mobile is proven.

    Returns ``(follower, created)``; following twice is harmless, and the reporter's own
    mobile is not added (``(None, False)``): it receives the updates already.
    """
    normalized = normalize_phone(phone)  # raises ValidationError with a translated message
    if complaint.status not in ACTIVE_STATUSES:
        raise TransitionError(_("This report is closed; file a new report if the problem is still there."))
    if complaint.reporter_phone and phones_match(complaint.reporter_phone, normalized):
        return None, False
    with transaction.atomic():
        existing = Follower.objects.filter(complaint=complaint, phone=normalized).first()
        if existing is not None:
            return existing, False
        # A cap, so nobody can sign up a crowd of phones to one report's messages.
        if Follower.objects.filter(complaint=complaint).count() >= MAX_FOLLOWERS:
            raise TransitionError(_("This report already has the most followers it can have."))
        follower, created = Follower.objects.get_or_create(
            complaint=complaint, phone=normalized, defaults={"language": (language or "ar")[:5]}
        )
        if created:
            event_record(
                complaint=complaint,
                kind=Event.Kind.FOLLOWED,
                is_public=False,
                text=say("followed"),
                data={"phone_last_digits": normalized[-4:]},
            )
    return follower, created


def follower_stop(*, follower_id: int) -> bool:
    """A follower stops the report's messages (from the link in each of them). True if a row was removed."""
    deleted, _detail = Follower.objects.filter(pk=follower_id).delete()
    return bool(deleted)


def _root_master(complaint: Complaint) -> Complaint:
    seen = {complaint.pk}
    while complaint.duplicate_of_id is not None and complaint.duplicate_of_id not in seen:
        seen.add(complaint.duplicate_of_id)
        complaint = Complaint.objects.get(pk=complaint.duplicate_of_id)
    return complaint


def complaint_merge(*, duplicate: Complaint, master: Complaint, actor) -> Complaint:
    """Close ``duplicate`` as a duplicate of ``master``; its reporter then follows the master.

    Both timelines get a "merged" event. A report that is itself a duplicate
    passes the merge on to its own master, so there are never chains.
    """

    master = _root_master(master)
    if master.pk == duplicate.pk:
        raise TransitionError(_("A report cannot be merged into itself."))
    if actor is not None and not (access.can_work(actor, duplicate) and access.can_view(actor, master)):
        raise PermissionDenied(_("You may not merge these reports."))
    with transaction.atomic():
        # Lock both rows in a fixed order, then check again: two staff merging at once cannot cross.
        locked = {
            c.pk: c
            for c in Complaint.objects.select_for_update(of=("self",))
            .select_related("category")
            .filter(pk__in=[master.pk, duplicate.pk])
            .order_by("pk")
        }
        master_row, duplicate_row = locked[master.pk], locked[duplicate.pk]
        master_type, duplicate_type = master_row.category, duplicate_row.category
        if (
            master_type is not None  # a triage report has no type yet: it may join any report
            and duplicate_type is not None
            and master_type.pk != duplicate_type.pk
            and master_type.parent_id != duplicate_type.parent_id
        ):
            raise TransitionError(_("Only reports of the same type can be merged."))
        if master_row.status == Status.CLOSED:
            raise TransitionError(_("The report to keep is closed; merge into an open report."))
        if duplicate_row.status == Status.CLOSED:
            raise TransitionError(_("This report is already closed."))
        if master_row.duplicate_of_id is not None or Complaint.objects.filter(duplicate_of=duplicate_row).exists():
            raise TransitionError(_("Other reports were merged into this one; merge them the other way round."))
        Complaint.objects.filter(pk=duplicate_row.pk).update(duplicate_of=master_row)
        duplicate.duplicate_of = duplicate_row.duplicate_of = master_row
        closed = complaint_close(
            complaint=duplicate_row,
            actor=actor,
            reason=ClosureReason.DUPLICATE,
            check_access=False,
            cascade=False,
            note=say("merged_note", number=master_row.tracking_number),
        )
        event_record(
            complaint=duplicate_row,
            kind=Event.Kind.MERGED,
            actor=actor,
            is_public=False,
            text=say("merged_into", number=master_row.tracking_number),
            data={"master": master_row.pk, "master_number": master_row.tracking_number},
        )
        event_record(
            complaint=master_row,
            kind=Event.Kind.MERGED,
            actor=actor,
            is_public=False,
            text=say("merged_from", number=duplicate_row.tracking_number),
            data={"duplicate": duplicate_row.pk, "duplicate_number": duplicate_row.tracking_number},
        )
        if duplicate_row.reporter_phone and duplicate_row.reporter_phone != master_row.reporter_phone:
            Follower.objects.get_or_create(
                complaint=master_row, phone=duplicate_row.reporter_phone, defaults={"language": duplicate_row.language}
            )
    for name in ("status", "closure_reason", "closed_at"):
        setattr(duplicate, name, getattr(closed, name))
    return closed


# --------------------------------------------------------------------------- districts from GeoJSON


class DistrictImportError(ValueError):
    """Bad GeoJSON; the message is translated and names the feature."""


def _feature_label(index: int, props: dict, name_property: str) -> str:
    name = props.get(name_property) or props.get("name_en") or props.get("name_ar") or props.get("code")
    return f"#{index + 1}" + (f" “{name}”" if name else "")


def _parse_features(data, name_property: str) -> list[dict]:
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    if isinstance(data, (bytes, bytearray)):
        data = data.decode("utf-8-sig")
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise DistrictImportError(_("The file is not valid JSON: %(error)s") % {"error": exc}) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise DistrictImportError(_("The file must be a GeoJSON FeatureCollection."))
    if not data["features"]:
        raise DistrictImportError(_("The FeatureCollection has no features."))
    rows: list[dict] = []
    codes: dict[str, str] = {}
    for i, feature in enumerate(data["features"]):
        props = (feature.get("properties") or {}) if isinstance(feature, dict) else {}
        label = _feature_label(i, props, name_property)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise DistrictImportError(_("Feature %(feature)s is not a GeoJSON Feature.") % {"feature": label})
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise DistrictImportError(_("Feature %(feature)s must have a Polygon or MultiPolygon geometry.") % {"feature": label})
        try:
            geom = shape(geometry)
        except Exception as exc:  # noqa: BLE001 - shapely raises several kinds for broken coordinates
            raise DistrictImportError(
                _("Feature %(feature)s has unreadable coordinates: %(error)s") % {"feature": label, "error": exc}
            ) from None
        if geom.is_empty:
            raise DistrictImportError(_("Feature %(feature)s has an empty polygon.") % {"feature": label})
        if not geom.is_valid:
            raise DistrictImportError(
                _("Feature %(feature)s has an invalid polygon (%(why)s), e.g. a boundary that crosses itself.")
                % {"feature": label, "why": explain_validity(geom)}
            )
        minx, miny, maxx, maxy = geom.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise DistrictImportError(
                _("Feature %(feature)s has coordinates outside longitude/latitude ranges (GeoJSON is longitude first).")
                % {"feature": label}
            )
        name = str(props.get(name_property) or "").strip()
        if not name:
            raise DistrictImportError(
                _("Feature %(feature)s has no “%(property)s” property for its name.")
                % {"feature": label, "property": name_property}
            )
        name_ar = str(props.get("name_ar") or "").strip() or name
        name_en = str(props.get("name_en") or "").strip() or (name if name != name_ar else "")
        code = str(props.get("code") or "").strip() or slugify(name_en or name, allow_unicode=True)
        code = code[:60]
        if not code:
            raise DistrictImportError(_("Feature %(feature)s has no usable code.") % {"feature": label})
        if code in codes:
            raise DistrictImportError(
                _("Features %(first)s and %(second)s have the same code “%(code)s”.")
                % {"first": codes[code], "second": label, "code": code}
            )
        codes[code] = label
        rows.append({"code": code, "name": name, "name_ar": name_ar[:200], "name_en": name_en[:200], "polygon": geometry})
    return rows


def import_districts_from_geojson(data, name_property: str = "name") -> tuple[int, int]:
    """Load or update districts from a GeoJSON FeatureCollection; all or nothing.

    ``data`` is the parsed dict, or the JSON text/bytes. A district is matched by
    its ``code`` property (or the slug of its name), else by its name; an
    unchanged district is left alone, so importing the same file again changes
    nothing. Returns ``(created, updated)``. Raises :class:`DistrictImportError`.
    """

    rows = _parse_features(data, name_property)
    created = updated = 0
    with transaction.atomic():
        existing = list(District.objects.select_for_update())
        by_code = {d.code: d for d in existing}
        by_name: dict[str, District] = {}
        for d in existing:
            by_name.setdefault(d.name_ar, d)
            if d.name_en:
                by_name.setdefault(d.name_en, d)
        for row in rows:
            district = by_code.get(row["code"]) or by_name.get(row["name"]) or by_name.get(row["name_ar"])
            if district is None:
                District.objects.create(code=row["code"], name_ar=row["name_ar"], name_en=row["name_en"], polygon=row["polygon"])
                created += 1
                continue
            changes = {"polygon": row["polygon"], "name_ar": row["name_ar"]}
            if row["name_en"]:
                changes["name_en"] = row["name_en"]
            if any(getattr(district, k) != v for k, v in changes.items()):
                for k, v in changes.items():
                    setattr(district, k, v)
                district.save(update_fields=[*changes, "updated_at"])
                updated += 1
        transaction.on_commit(geo.invalidate)
    return created, updated
