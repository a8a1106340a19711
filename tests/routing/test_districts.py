"""District lookup on and outside boundaries; the import command's bad input, idempotence and index rebuild."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from complaints.services import Submission, complaint_submit
from municipality import geo
from municipality.models import District
from routing.districts_import import DistrictImportError, import_districts_from_geojson
from tests.factories import CategoryFactory, DistrictFactory

pytestmark = pytest.mark.django_db


def square(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def feature(name, geometry, **props):
    return {"type": "Feature", "properties": {"name": name, **props}, "geometry": geometry}


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


BOWTIE = {"type": "Polygon", "coordinates": [[[42.70, 18.27], [42.76, 18.33], [42.76, 18.27], [42.70, 18.33], [42.70, 18.27]]]}


def test_points_inside_on_the_boundary_and_outside():
    west = DistrictFactory(code="west", polygon=square(42.70, 18.27, 42.73, 18.33))
    east = DistrictFactory(code="east", polygon=square(42.73, 18.27, 42.76, 18.33))
    assert geo.district_id_for_point(18.30, 42.71) == west.pk
    assert geo.district_id_for_point(18.30, 42.75) == east.pk
    # On the shared edge: always the same one (the older district), and inside the municipality.
    assert geo.district_id_for_point(18.30, 42.73) == west.pk
    assert geo.inside_municipality(18.30, 42.73)
    # On the outer edge: inside.
    assert geo.district_id_for_point(18.27, 42.75) == east.pk
    assert geo.inside_municipality(18.33, 42.70)
    # Just outside and far outside.
    assert geo.district_id_for_point(18.30, 42.7601) is None
    assert not geo.inside_municipality(18.30, 42.7601)
    assert not geo.inside_municipality(24.71, 46.67)


def test_submission_outside_the_municipality_is_refused_with_a_clear_message():
    DistrictFactory(polygon=square(42.70, 18.27, 42.76, 18.33))
    with pytest.raises(Exception) as excinfo:
        complaint_submit(
            submission=Submission(
                category=CategoryFactory(),
                description="حفرة كبيرة في الطريق العام",
                lat=24.71,
                lon=46.67,
                reporter_phone="0501234567",
            )
        )
    assert "location" in excinfo.value.message_dict
    assert District.objects.count() == 1


def test_the_index_is_rebuilt_when_a_district_changes():
    district = DistrictFactory(polygon=square(42.70, 18.27, 42.73, 18.33))
    assert geo.district_id_for_point(18.30, 42.75) is None
    district.polygon = square(42.70, 18.27, 42.76, 18.33)
    district.save()
    assert geo.district_id_for_point(18.30, 42.75) == district.pk
    other = DistrictFactory(polygon=square(42.76, 18.27, 42.80, 18.33))
    assert geo.district_id_for_point(18.30, 42.78) == other.pk
    other.delete()
    assert geo.district_id_for_point(18.30, 42.78) is None


def test_import_creates_then_a_second_import_changes_nothing(tmp_path):
    data = collection(
        feature("الراقي", square(42.70, 18.27, 42.73, 18.33), name_en="Al-Raqi"),
        feature("الموسى", square(42.73, 18.27, 42.76, 18.33), name_en="Al-Mousa", code="al-mousa"),
    )
    path = tmp_path / "d.geojson"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    call_command("import_districts", str(path))
    assert District.objects.count() == 2
    raqi = District.objects.get(code="al-raqi")
    assert raqi.name_ar == "الراقي" and raqi.name_en == "Al-Raqi"
    stamp = raqi.updated_at
    assert import_districts_from_geojson(path.read_bytes()) == (0, 0)
    raqi.refresh_from_db()
    assert raqi.updated_at == stamp and District.objects.count() == 2


def test_import_updates_a_changed_boundary_by_code_and_by_name():
    DistrictFactory(code="al-mousa", name_ar="الموسى", polygon=square(42.0, 18.0, 42.1, 18.1))
    DistrictFactory(code="old-code", name_ar="الراقي", polygon=square(42.0, 18.0, 42.1, 18.1))
    data = collection(
        feature("الموسى", square(42.73, 18.27, 42.76, 18.33), code="al-mousa"),
        feature("الراقي", square(42.70, 18.27, 42.73, 18.33)),
    )
    assert import_districts_from_geojson(data) == (0, 2)
    assert District.objects.count() == 2
    assert geo.district_id_for_point(18.30, 42.71) == District.objects.get(name_ar="الراقي").pk


def test_import_with_another_name_property():
    data = collection({"type": "Feature", "properties": {"NAME_AR": "شمسان"}, "geometry": square(42.70, 18.27, 42.73, 18.33)})
    assert import_districts_from_geojson(data, name_property="NAME_AR") == (1, 0)
    assert District.objects.get().name_ar == "شمسان"


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"type": "Feature", "geometry": square(0, 0, 1, 1)}), "FeatureCollection"),
        (json.dumps(collection(feature("الراقي", square(42.70, 18.27, 42.73, 18.33)), feature("المتقاطع", BOWTIE))), "المتقاطع"),
        (
            json.dumps(
                collection(feature("الراقي", square(42.70, 18.27, 42.73, 18.33)), feature("", square(42.73, 18.27, 42.76, 18.33)))
            ),
            "#2",
        ),
        (json.dumps(collection(feature("نقطة", {"type": "Point", "coordinates": [42.7, 18.3]}))), "Polygon"),
        (json.dumps(collection(feature("مقلوب", square(18.27, 42.70, 18.33, 190.0)))), "outside"),
    ],
    ids=["bad-json", "not-a-collection", "self-intersecting", "missing-name", "point", "lat-lon-swapped"],
)
def test_bad_input_is_a_clear_error_and_nothing_is_imported(tmp_path, content, message):
    existing = DistrictFactory(code="keep", name_ar="قائم", polygon=square(42.0, 18.0, 42.1, 18.1))
    path = tmp_path / "bad.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError) as excinfo, translation.override("en"):
        call_command("import_districts", str(path))
    assert message in str(excinfo.value)
    assert "Nothing was imported" in str(excinfo.value)  # (English: the test runs the command under override("en"))
    assert list(District.objects.values_list("code", flat=True)) == ["keep"]
    existing.refresh_from_db()
    assert existing.polygon == square(42.0, 18.0, 42.1, 18.1)


def test_self_intersecting_polygon_names_the_feature():
    with pytest.raises(DistrictImportError, match="المتقاطع"):
        import_districts_from_geojson(collection(feature("المتقاطع", BOWTIE)))


def test_a_missing_file_is_a_clear_error():
    with pytest.raises(CommandError, match="Cannot read"), translation.override("en"):
        call_command("import_districts", "/nonexistent/districts.geojson")


def test_the_demo_file_tiles_the_centre_and_holds_the_demo_point(settings):
    from pathlib import Path

    path = Path(settings.BASE_DIR) / "municipality" / "data" / "khamis_mushait_districts.geojson"
    created, updated = import_districts_from_geojson(path.read_bytes())
    assert created >= 8 and updated == 0
    district_id = geo.district_id_for_point(18.30, 42.73)
    assert district_id is not None
    names = set(District.objects.values_list("name_ar", flat=True))
    assert {"الراقي", "الموسى", "شمسان", "الخالدية"} <= names
    assert import_districts_from_geojson(path.read_bytes()) == (0, 0)
