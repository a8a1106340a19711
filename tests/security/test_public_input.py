"""The public API and form, fed what an attacker would send: re-used ids, foreign numbers, broken bodies, invisible text."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from complaints.exports import csv_response
from complaints.models import Complaint
from municipality.models import Role
from reports.exports import complaint_rows
from tests.factories import CategoryFactory, DistrictFactory, make_user, submit
from tests.municipality.test_settings_env import last_line, start

pytestmark = pytest.mark.django_db

CREATE_URL = "/api/v1/complaints/"


@pytest.fixture(autouse=True)
def _language_does_not_leak():
    with translation.override(translation.get_language()):
        yield


@pytest.fixture
def category():
    DistrictFactory()
    return CategoryFactory(code="roads-potholes")


def payload(category, **overrides):
    data = {
        "category": category.code,
        "description": "حفرة عميقة أمام المسجد تعيق السير",
        "lat": 18.30,
        "lon": 42.73,
        "reporter_phone": "0501234567",
    }
    return {**data, **overrides}


def api(language="ar"):
    return APIClient(HTTP_ACCEPT_LANGUAGE=language)


# --------------------------------------------------------------------------- item 6: a re-used external_id


def test_a_reused_external_id_with_other_content_gets_409_without_the_token(category):
    first = api().post(CREATE_URL, payload(category, external_id="app-1"), format="json")
    token = first.json()["token"]
    stolen = api().post(
        CREATE_URL,
        payload(category, external_id="app-1", reporter_phone="0559999999", description="أي نص آخر هنا"),
        format="json",
    )
    assert stolen.status_code == 409
    assert token not in stolen.content.decode() and first.json()["tracking_number"] not in stolen.content.decode()
    assert stolen.json()["external_id"][0]
    other_text = api().post(
        CREATE_URL, payload(category, external_id="app-1", description="نص مختلف من المرسل نفسه"), format="json"
    )
    assert other_text.status_code == 409
    retry = api().post(CREATE_URL, payload(category, external_id="app-1", reporter_phone="+966501234567"), format="json")
    assert retry.status_code == 200 and retry.json() == first.json()
    assert Complaint.objects.count() == 1


# --------------------------------------------------------------------------- item 8: foreign numbers


def test_a_foreign_mobile_is_refused_with_a_clear_message(category, settings):
    response = api("en").post(CREATE_URL, payload(category, reporter_phone="+12025550100"), format="json")
    assert response.status_code == 400
    message = response.json()["reporter_phone"][0]
    assert "Saudi Arabia" in message and "+966" in message
    arabic = api("ar").post(CREATE_URL, payload(category, reporter_phone="+447911123456"), format="json")
    assert "السعودية" in arabic.json()["reporter_phone"][0]
    assert not Complaint.objects.exists()
    settings.BALAGH_PHONE_COUNTRIES = ["SA", "AE"]
    assert api().post(CREATE_URL, payload(category, reporter_phone="+971501234567"), format="json").status_code == 201


def test_the_accepted_countries_are_checked_at_start_up(tmp_path):

    result = start(tmp_path, DEBUG="1", BALAGH_PHONE_COUNTRIES="SA,XX")
    assert result.returncode != 0 and "BALAGH_PHONE_COUNTRIES" in last_line(result) and "XX" in last_line(result)


# --------------------------------------------------------------------------- item 11: errors are JSON


def test_json_nested_thousands_deep_is_a_translated_400(category):
    body = "[" * 5000 + "]" * 5000
    response = api("ar").post(CREATE_URL, data=body, content_type="application/json")
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
    assert "متداخلة" in response.json()["detail"]
    body = '{"a":' * 100 + "1" + "}" * 100  # parses, but deeper than any request of ours
    assert api().post(CREATE_URL, data=body, content_type="application/json").status_code == 400


def test_a_huge_body_is_a_translated_json_413(category):
    body = '{"description": "' + "x" * (3 * 1024 * 1024) + '"}'
    response = api("ar").post(CREATE_URL, data=body, content_type="application/json")
    assert response.status_code == 413 and response["Content-Type"].startswith("application/json")
    assert "كبير" in response.json()["detail"]


def test_too_many_files_is_a_translated_json_400(category):
    files = [SimpleUploadedFile(f"p{i}.jpg", b"x", content_type="image/jpeg") for i in range(101)]
    response = api("en").post(CREATE_URL, {**payload(category), "photos": files}, format="multipart")
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
    assert "files" in response.json()["detail"]


def test_unknown_api_addresses_and_methods_answer_json():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response.json()["detail"]
    response = client.delete("/api/v1/categories/")
    assert response.status_code == 405 and response.json()["detail"]


# --------------------------------------------------------------------------- item 12: invisible characters


def test_direction_overrides_are_stripped_from_names_and_descriptions(category):
    response = api().post(
        CREATE_URL,
        payload(
            category,
            reporter_name="Ali \u202egpj.exe",
            description="\u2067حفرة\u200b عميقة أمام المسجد\u2069",
            address="\u202bشارع",
        ),
        format="json",
    )
    assert response.status_code == 201
    complaint = Complaint.objects.get()
    assert complaint.reporter_name == "Ali gpj.exe"
    assert complaint.description == "حفرة عميقة أمام المسجد" and complaint.address == "شارع"
    rows = b"".join(bytes(chunk) for chunk in csv_response(complaint_rows(Complaint.objects.all()), "x").streaming_content)
    assert "\u202e".encode() not in rows


def test_zero_width_padding_does_not_reach_the_minimum_length(category):
    response = api("en").post(CREATE_URL, payload(category, description="ab" + "\u200b" * 12), format="json")
    assert response.status_code == 400 and "description" in response.json()
    response = api("en").post(CREATE_URL, payload(category, description="\u200d" * 12 + "\u064e" * 12), format="json")
    assert response.status_code == 400 and "description" in response.json()


def test_older_rows_with_overrides_are_cleaned_in_the_staff_csv(category, client):

    complaint = submit(category)
    Complaint.objects.filter(pk=complaint.pk).update(reporter_name="\u202eexe.jpg", address='=HYPERLINK("http://x")')
    client.force_login(make_user("admin1", Role.ADMIN))
    response = client.get("/admin/complaints/complaint/export/")
    body = b"".join(response.streaming_content).decode()
    assert response.status_code == 200 and "\u202e" not in body and "exe.jpg" in body
    assert "'=HYPERLINK" in body  # not a formula to the spreadsheet


def test_photo_names_in_error_messages_lose_their_overrides(category):
    bad = SimpleUploadedFile("\u202egpj.exe", b"not an image", content_type="image/jpeg")
    response = api("en").post(CREATE_URL, {**payload(category), "photos": [bad]}, format="multipart")
    assert response.status_code == 400
    assert "\u202e" not in response.content.decode() and "gpj.exe" in response.json()["photos"][0]
