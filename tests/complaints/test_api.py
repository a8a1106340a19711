"""The mobile-app API: categories, submission, tracking, rating and reopening."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.utils import timezone, translation
from PIL import Image
from rest_framework.test import APIClient

from complaints import services
from complaints.models import Attachment, Complaint, Event
from tests.factories import (
    OUTSIDE,
    CategoryFactory,
    DistrictFactory,
    MainCategoryFactory,
    Role,
    make_user,
    photo_file,
    submit,
)

pytestmark = pytest.mark.django_db

CREATE_URL = "/api/v1/complaints/"
PHONE = "0501234567"


@pytest.fixture(autouse=True)
def _language_does_not_leak():
    """Requests switch the active language (Accept-Language); the next test starts as this one did."""
    with translation.override(translation.get_language()):
        yield


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def district():
    return DistrictFactory()


@pytest.fixture
def category(district):
    return CategoryFactory(code="roads-potholes", name_ar="حفرة في الطريق", name_en="Pothole")


def payload(sub_type, **overrides) -> dict:
    data = {
        "category": sub_type.code,
        "description": "حفرة عميقة أمام المسجد تعيق السير",
        "lat": 18.30,
        "lon": 42.73,
        "reporter_name": "محمد",
        "reporter_phone": PHONE,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def exif_jpeg(name="exif.jpg"):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "PhoneModel"  # Model
    exif[0x0131] = "secret-software"  # Software
    return photo_file(name, exif=exif.tobytes())


# --------------------------------------------------------------------------- categories


def test_categories_are_a_tree_of_active_types_in_the_requested_language(api, django_assert_max_num_queries):
    roads = MainCategoryFactory(code="roads", name_ar="الطرق", name_en="Roads", sort_order=1)
    CategoryFactory(code="roads-potholes", parent=roads, name_ar="حفرة", name_en="Pothole", needs_photo=True, icon="🕳")
    CategoryFactory(code="roads-asphalt", parent=roads, name_ar="تلف الأسفلت", name_en="Damaged asphalt", allow_anonymous=True)
    CategoryFactory(code="roads-old", parent=roads, active=False)
    lighting = MainCategoryFactory(code="lighting", name_ar="الإنارة", name_en="Lighting", sort_order=2)
    for n in range(5):
        CategoryFactory(code=f"lighting-{n}", parent=lighting)
    MainCategoryFactory(code="empty-main")  # no sub-types: nothing to choose, not listed

    with django_assert_max_num_queries(2):
        response = api.get("/api/v1/categories/")
    assert response.status_code == 200
    tree = response.json()
    assert [main["code"] for main in tree] == ["roads", "lighting"]
    roads_json = tree[0]
    assert roads_json["name"] == "Roads" and roads_json["name_ar"] == "الطرق" and roads_json["name_en"] == "Roads"
    subs = {sub["code"]: sub for sub in roads_json["sub_types"]}
    assert set(subs) == {"roads-potholes", "roads-asphalt"}  # the inactive one is hidden
    assert subs["roads-potholes"] == {
        "code": "roads-potholes",
        "name": "Pothole",
        "name_ar": "حفرة",
        "name_en": "Pothole",
        "needs_photo": True,
        "allow_anonymous": False,
        "icon": "🕳",
    }
    assert subs["roads-asphalt"]["allow_anonymous"] is True
    assert len(tree[1]["sub_types"]) == 5

    arabic = APIClient(HTTP_ACCEPT_LANGUAGE="ar").get("/api/v1/categories/").json()
    assert arabic[0]["name"] == "الطرق"
    assert {sub["name"] for sub in arabic[0]["sub_types"]} == {"حفرة", "تلف الأسفلت"}


# --------------------------------------------------------------------------- submission


def test_one_submission_costs_a_dozen_queries(api, category, django_assert_max_num_queries):
    """The report (on PostgreSQL its id first, its row last with its number), its two events in one
    INSERT, the number (SQLite: then its UPDATE), its ladder steps (a new report has none to delete), one
    outbox INSERT; plus the fingerprints of the routing rules, the districts and the clock's settings,
    which the tests re-check on every call (production: at most once a second)."""
    api.post(CREATE_URL, payload(category), format="json")  # the per-process caches are built once
    with django_assert_max_num_queries(14) as captured:
        response = api.post(CREATE_URL, payload(category, description="حفرة ثانية أمام المدرسة تعيق السير"), format="json")
    assert response.status_code == 201, response.content
    writes = [
        q["sql"].split()[0] for q in captured.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE", "WITH")
    ]
    if connection.vendor == "postgresql":  # the events, then the counter and the report in one statement
        assert writes == ["INSERT", "WITH", "INSERT", "INSERT"]
    else:  # the report under a provisional number, the events, the counter and the number's UPDATE
        assert writes == ["INSERT", "INSERT", "INSERT", "UPDATE", "INSERT", "INSERT"]


def test_the_type_comes_from_the_process_copy_and_a_change_in_the_admin_reaches_it(api, category, settings):
    """Between two checks of the types table (BALAGH_ROUTING_RECHECK_SECONDS) a submission reads no type from
    the database; a type switched off in the admin is refused once the copy has been checked again."""
    from django.test.utils import CaptureQueriesContext

    settings.BALAGH_ROUTING_RECHECK_SECONDS = 60
    assert api.post(CREATE_URL, payload(category), format="json").status_code == 201  # the copy is made
    with CaptureQueriesContext(connection) as captured:
        second = api.post(CREATE_URL, payload(category, description="حفرة ثانية أمام المدرسة تعيق السير"), format="json")
    assert second.status_code == 201, second.content
    assert not [q["sql"] for q in captured.captured_queries if 'FROM "complaints_category"' in q["sql"]]

    category.active = False
    category.save()
    settings.BALAGH_ROUTING_RECHECK_SECONDS = 0  # the next check is due
    refused = api.post(CREATE_URL, payload(category, description="حفرة ثالثة في الطريق العام"), format="json")
    assert refused.status_code == 400
    assert "category" in refused.json(), refused.json()


def test_submit_json_creates_an_app_report_through_the_service(api, category):
    response = api.post(CREATE_URL, payload(category, address="حي الراقي، شارع الأمير سلطان"), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"tracking_number", "token", "status", "status_display", "tracking_url"}
    complaint = Complaint.objects.get()
    assert body["tracking_number"] == complaint.tracking_number
    assert body["token"] == complaint.token
    assert body["tracking_url"].endswith(f"/track/{complaint.token}/")
    assert complaint.channel == "app"
    assert complaint.reporter_phone == "+966501234567"
    assert complaint.address == "حي الراقي، شارع الأمير سلطان"
    assert complaint.language == "en"
    # Routed like any other report: the category's department owns it.
    assert complaint.department == category.default_department
    assert body["status"] == complaint.status == "assigned"
    assert body["status_display"] == "Assigned"
    assert complaint.events.filter(kind=Event.Kind.CREATED).exists()


def test_submit_multipart_with_photos_strips_exif(api, category):
    data = payload(category, reporter_email="citizen@example.com")
    with_exif = exif_jpeg()
    assert Image.open(with_exif).getexif()  # the upload does carry metadata
    with_exif.seek(0)
    data["photos"] = [with_exif, photo_file("second.png", fmt="PNG")]
    response = api.post(CREATE_URL, data, format="multipart")
    assert response.status_code == 201, response.content
    complaint = Complaint.objects.get(tracking_number=response.json()["tracking_number"])
    assert complaint.reporter_email == "citizen@example.com"
    photos = list(complaint.attachments.all())
    assert len(photos) == 2
    for attachment in photos:
        with attachment.file.open("rb") as handle:
            stored = Image.open(io.BytesIO(handle.read()))
            assert stored.format == "JPEG"
            assert len(stored.getexif()) == 0
            assert "exif" not in stored.info
        assert b"secret-software" not in attachment.file.open("rb").read()


def test_a_sub_type_that_allows_anonymous_reports_needs_no_phone(api, district):
    category = CategoryFactory(allow_anonymous=True)
    response = api.post(CREATE_URL, payload(category, reporter_phone="", reporter_name=""), format="json")
    assert response.status_code == 201, response.content
    assert Complaint.objects.get().is_anonymous


def _bad_cases():
    """(name, overrides or callable, the field named in the answer)."""
    return [
        ("no category", {"category": None}, "category"),
        ("unknown category", {"category": "no-such-type"}, "category"),
        ("main type only", "main", "category"),
        ("inactive sub-type", "inactive", "category"),
        ("no description", {"description": None}, "description"),
        ("short description", {"description": "حفرة"}, "description"),
        ("no latitude", {"lat": None}, "lat"),
        ("latitude not a number", {"lat": "north"}, "lat"),
        ("point outside the municipality", {"lat": OUTSIDE[0], "lon": OUTSIDE[1]}, "location"),
        ("not a phone number", {"reporter_phone": "12ab"}, "reporter_phone"),
        ("no phone", {"reporter_phone": ""}, "reporter_phone"),
        ("bad e-mail", {"reporter_email": "not-an-email"}, "reporter_email"),
        ("photos in JSON", {"photos": ["aGVsbG8="]}, "photos"),
    ]


@pytest.mark.parametrize("name, change, field", _bad_cases(), ids=[case[0] for case in _bad_cases()])
def test_bad_json_input_is_refused_with_the_field_named_and_nothing_saved(api, category, name, change, field):
    submit(category)  # something already there, so "nothing saved" means "nothing more"
    before = (Complaint.objects.count(), Attachment.objects.count(), Event.objects.count())
    if change == "main":
        data = payload(category, category=category.parent.code)
    elif change == "inactive":
        data = payload(CategoryFactory(active=False))
    else:
        data = payload(category, **change)
    response = api.post(CREATE_URL, data, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()
    assert field in errors, errors
    assert all(isinstance(message, str) and message for message in errors[field])
    assert (Complaint.objects.count(), Attachment.objects.count(), Event.objects.count()) == before


@pytest.mark.parametrize(
    "photos, category_kwargs",
    [
        (lambda: [photo_file("a.jpg"), SimpleUploadedFile("fake.jpg", b"not an image", "image/jpeg")], {}),
        (lambda: [photo_file(f"p{n}.jpg") for n in range(5)], {}),
        (lambda: [], {"needs_photo": True}),
    ],
    ids=["not an image", "too many photos", "photo required"],
)
def test_bad_photos_are_refused_on_photos_and_nothing_saved(api, district, photos, category_kwargs):
    category = CategoryFactory(**category_kwargs)
    data = payload(category)
    files = photos()
    if files:
        data["photos"] = files
    response = api.post(CREATE_URL, data, format="multipart")
    assert response.status_code == 400, response.content
    assert "photos" in response.json()
    assert Complaint.objects.count() == 0 and Attachment.objects.count() == 0


def test_error_messages_follow_accept_language(category):
    arabic = APIClient(HTTP_ACCEPT_LANGUAGE="ar").post(CREATE_URL, {"category": category.code}, format="json")
    english = APIClient(HTTP_ACCEPT_LANGUAGE="en").post(CREATE_URL, {"category": category.code}, format="json")
    assert arabic.status_code == english.status_code == 400
    assert english.json()["description"] == ["This field is required."]
    assert arabic.json()["description"] != english.json()["description"]
    assert any("\u0600" <= ch <= "\u06ff" for ch in arabic.json()["description"][0])

    unknown = APIClient(HTTP_ACCEPT_LANGUAGE="ar").post(CREATE_URL, payload(category, category="xyz"), format="json")
    assert unknown.json()["category"] == ["نوع البلاغ «xyz» غير معروف. استخدم رمزًا من قائمة التصنيفات."]
    english_unknown = APIClient(HTTP_ACCEPT_LANGUAGE="en").post(CREATE_URL, payload(category, category="xyz"), format="json")
    assert english_unknown.json()["category"] == ["Unknown report type “xyz”. Use a code from the categories list."]


def test_service_errors_are_translated_too(api, category):
    response = api.post(CREATE_URL, payload(category, description="short"), format="json")
    assert response.json()["description"] == ["Describe the problem in at least 10 characters."]


def test_malformed_json_is_a_clear_400(api, category):
    response = api.post(CREATE_URL, data='{"category": "roads-potholes", ', content_type="application/json")
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "JSON" in detail
    assert Complaint.objects.count() == 0


def test_same_external_id_returns_the_same_report(api, category):
    first = api.post(CREATE_URL, payload(category, external_id="app-42"), format="json")
    again = api.post(CREATE_URL, payload(category, external_id="app-42"), format="json")
    other = api.post(CREATE_URL, payload(category, external_id="app-43"), format="json")
    assert first.status_code == 201 and again.status_code == 200 and other.status_code == 201
    assert again.json() == first.json()
    assert other.json()["tracking_number"] != first.json()["tracking_number"]
    assert Complaint.objects.count() == 2


def test_anonymous_callers_are_throttled(category):
    cache.clear()
    try:
        with override_settings(REST_FRAMEWORK={"DEFAULT_THROTTLE_RATES": {"anon": "2/min"}}):
            client = APIClient()
            codes = [client.get("/api/v1/categories/").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
    finally:
        cache.clear()


# --------------------------------------------------------------------------- tracking


@pytest.fixture
def complaint(category):
    return submit(category, phone=PHONE)


@pytest.fixture
def officer(complaint):
    return make_user("roads-officer", Role.OFFICER, department=complaint.department)


def track(client, complaint, phone=PHONE):
    return client.get(f"/api/v1/track/{complaint.tracking_number}/", {"phone": phone})


def test_track_with_the_right_phone_in_any_form(api, complaint, django_assert_max_num_queries):
    for phone in (PHONE, "+966501234567", "٠٥٠١٢٣٤٥٦٧"):
        with django_assert_max_num_queries(3):  # the report, its public events, its public photos
            response = track(api, complaint, phone)
        assert response.status_code == 200, response.content
    body = response.json()
    assert body["tracking_number"] == complaint.tracking_number
    assert body["status"] == "assigned" and body["status_display"] == "Assigned"
    assert body["category"] == {"code": "roads-potholes", "name": "Pothole"}
    assert body["resolution_due_at"]
    assert body["can_rate"] is False and body["can_reopen"] is False
    assert [event["kind"] for event in body["timeline"]] == ["created", "routed"]
    assert set(body["timeline"][0]) == {"kind", "kind_display", "text", "status", "at"}


def test_wrong_phone_and_unknown_number_get_the_same_404(api, complaint):
    wrong = track(api, complaint, "0559999999")
    unknown = api.get("/api/v1/track/2611-999999/", {"phone": PHONE})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    assert complaint.description not in wrong.content.decode()


def test_track_without_phone_is_a_400_on_phone(api, complaint):
    response = api.get(f"/api/v1/track/{complaint.tracking_number}/")
    assert response.status_code == 400
    assert "phone" in response.json()


def test_timeline_hides_internal_notes_and_staff_names(api, complaint, officer):
    services.complaint_add_note(complaint=complaint, actor=officer, text="Contractor owes us money, keep quiet", public=False)
    services.complaint_add_note(complaint=complaint, actor=officer, text="A team visits tomorrow morning", public=True)
    services.complaint_start(complaint=complaint, actor=officer)
    response = track(api, complaint)
    content = response.content.decode()
    assert "A team visits tomorrow morning" in content
    assert "Contractor owes us money" not in content
    assert "roads-officer" not in content
    kinds = [event["kind"] for event in response.json()["timeline"]]
    assert "note" not in kinds and "update" in kinds and kinds[-1] == "started"
    assert response.json()["status"] == "in_progress"


def test_track_lists_public_photos(api, district, category):
    complaint = submit(category, photos=[photo_file()])
    response = track(api, complaint)
    photos = response.json()["photos"]
    assert len(photos) == 1 and photos[0]["kind"] == "before"
    assert photos[0]["url"].startswith("http://testserver/track/photo/")  # a signed link that expires
    assert api.get(photos[0]["url"])["Content-Type"] == "image/jpeg"


@pytest.fixture
def resolved(complaint, officer):
    services.complaint_start(complaint=complaint, actor=officer)
    services.complaint_resolve(complaint=complaint, actor=officer, note="The pothole was filled with asphalt.")
    complaint.refresh_from_db()
    return complaint


def test_rate_a_resolved_report_once(api, resolved):
    assert track(api, resolved).json()["can_rate"] is True
    url = f"/api/v1/track/{resolved.tracking_number}/rate/"
    response = api.post(url, {"phone": PHONE, "rating": 5, "comment": "شكراً"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["rating"] == 5 and response.json()["can_rate"] is False
    resolved.refresh_from_db()
    assert resolved.rating == 5 and resolved.rating_comment == "شكراً"

    again = api.post(url, {"phone": PHONE, "rating": 1}, format="json")
    assert again.status_code == 400 and again.json()["detail"]
    resolved.refresh_from_db()
    assert resolved.rating == 5


def test_rating_refused_for_bad_values_wrong_phone_and_open_reports(api, complaint, resolved):
    url = f"/api/v1/track/{resolved.tracking_number}/rate/"
    bad = api.post(url, {"phone": PHONE, "rating": 9}, format="json")
    assert bad.status_code == 400 and "rating" in bad.json()
    not_number = api.post(url, {"phone": PHONE, "rating": "great"}, format="json")
    assert not_number.status_code == 400 and "rating" in not_number.json()
    wrong_phone = api.post(url, {"phone": "0559999999", "rating": 4}, format="json")
    assert wrong_phone.status_code == 404
    resolved.refresh_from_db()
    assert resolved.rating is None

    still_open = submit(resolved.category, phone=PHONE)
    response = api.post(f"/api/v1/track/{still_open.tracking_number}/rate/", {"phone": PHONE, "rating": 4}, format="json")
    assert response.status_code == 400 and response.json()["detail"]


def test_reopen_within_the_window_sends_it_back_to_work(api, resolved):
    url = f"/api/v1/track/{resolved.tracking_number}/reopen/"
    assert api.post(url, {"phone": PHONE}, format="json").status_code == 400  # no reason
    response = api.post(url, {"phone": PHONE, "reason": "The hole is back after the rain"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_progress"
    resolved.refresh_from_db()
    assert resolved.status == "in_progress" and resolved.reopen_count == 1
    assert response.json()["timeline"][-1]["kind"] == "reopened"


def test_reopen_after_the_window_or_with_wrong_phone_is_refused(api, resolved):
    url = f"/api/v1/track/{resolved.tracking_number}/reopen/"
    assert api.post(url, {"phone": "0559999999", "reason": "not fixed"}, format="json").status_code == 404
    Complaint.objects.filter(pk=resolved.pk).update(resolved_at=timezone.now() - timedelta(days=30))
    response = api.post(url, {"phone": PHONE, "reason": "not fixed"}, format="json")
    assert response.status_code == 400 and response.json()["detail"]
    resolved.refresh_from_db()
    assert resolved.status == "resolved" and resolved.reopen_count == 0


# --------------------------------------------------------------------------- OpenAPI


def test_schema_documents_the_endpoints(api):
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/categories/",
        "/api/v1/complaints/",
        "/api/v1/track/{tracking_number}/",
        "/api/v1/track/{tracking_number}/rate/",
        "/api/v1/track/{tracking_number}/reopen/",
    ):
        assert path in paths
    create = paths["/api/v1/complaints/"]["post"]
    assert {"application/json", "multipart/form-data"} <= set(create["requestBody"]["content"])
    assert {"201", "400"} <= set(create["responses"])


def test_docs_page_renders_from_our_own_static_files(api):
    response = api.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger-ui" in response.content
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in response.content  # no CDN needed


# --------------------------------------------------------------------------- retries at the same moment


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_external_id_sent_in_parallel_makes_one_report():
    import threading

    from django.db import connection

    DistrictFactory()
    category = CategoryFactory()
    workers = 8
    barrier = threading.Barrier(workers)
    answers, errors = [], []

    def send():
        try:
            client = APIClient()
            barrier.wait()
            response = client.post(CREATE_URL, payload(category, external_id="app-retry-1"), format="json")
            answers.append((response.status_code, response.json()["tracking_number"]))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(code for code, _ in answers) == [200] * (workers - 1) + [201]
    assert len({number for _, number in answers}) == 1
    assert Complaint.objects.filter(external_id="app-retry-1").count() == 1
