"""Districts from GeoJSON: the admin's upload and ``manage.py import_districts``, all or nothing."""

from __future__ import annotations

import json

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from municipality import geo
from municipality.models import District


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
