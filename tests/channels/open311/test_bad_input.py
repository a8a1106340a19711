"""From the attacker's side: whatever arrives, the answer is an Open311 refusal, nothing is half-saved, never a 500."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from complaints.models import Complaint, Event
from tests.channels.open311.conftest import json_of, xml
from tests.factories import INSIDE

pytestmark = pytest.mark.django_db

URL = "/open311/v2/requests"


@pytest.fixture
def raw_key(make_key):
    return make_key()[1]


def good_form(raw_key, **overrides) -> dict:
    data = {
        "api_key": raw_key,
        "service_code": "roads-potholes",
        "lat": str(INSIDE[0]),
        "long": str(INSIDE[1]),
        "description": "A deep pothole in front of the mosque",
    }
    data.update(overrides)
    return data


def nothing_saved():
    return not Complaint.objects.exists() and not Event.objects.exists()


def test_a_huge_body_is_refused_before_it_is_read(client, town, raw_key):
    body = urlencode(good_form(raw_key, description="x" * 200_000))
    response = client.post(f"{URL}.xml", body, content_type="application/x-www-form-urlencoded", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert xml(response).findtext("error/description") == "The request body is too large (at most 64 KB)."
    assert nothing_saved()


def test_a_json_or_xml_body_is_refused_with_the_form_encoding_to_use(client, town, raw_key):
    for body, content_type in (('{"service_code": "roads-potholes"', "application/json"), ("<request/>", "text/xml"), ("x", "")):
        response = client.post(f"{URL}.json?api_key={raw_key}", body, content_type=content_type, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400, content_type
        assert response.json() == [{"code": 400, "description": "Send the body as application/x-www-form-urlencoded."}]
    assert nothing_saved()


def test_too_many_fields_are_refused(client, town, raw_key):
    body = urlencode(good_form(raw_key)) + "&" + "&".join(f"f{n}=1" for n in range(1100))
    response = client.post(f"{URL}.json", body, content_type="application/x-www-form-urlencoded", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert nothing_saved()


def test_too_many_attributes_are_refused(client, town, raw_key):
    data = good_form(raw_key, **{f"attribute[a{n}]": "v" for n in range(51)})
    response = client.post(f"{URL}.json", data)
    assert response.status_code == 400
    assert nothing_saved()


def test_nul_and_control_characters_are_dropped_not_stored(client, town, raw_key):
    response = client.post(f"{URL}.json", good_form(raw_key, description="A deep\x00 pothole\x1b near the mosque"))
    assert response.status_code == 201
    assert Complaint.objects.get().description == "A deep pothole near the mosque"


def test_a_malformed_percent_encoding_does_not_break_anything(client, town, raw_key):
    body = f"api_key={raw_key}&service_code=roads-potholes&lat=18.3&long=42.73&description=%E0%A4%A%ZZ%ff%fe+pothole+near+mosque"
    response = client.post(f"{URL}.json", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (201, 400)
    assert response.json()


def test_a_forged_or_guessed_key_is_403(client, town, raw_key):
    for forged in (raw_key[:-2] + "zz", "blg_00000000_" + "a" * 43, "' OR 1=1 --", "blg__", "x" * 5000):
        response = client.post(f"{URL}.json", good_form(forged))
        assert response.status_code == 403, forged
    assert nothing_saved()


def test_a_key_in_the_query_string_of_a_post_works_but_a_bad_one_there_wins(client, town, raw_key):
    assert client.post(f"{URL}.json?api_key=wrong", good_form(raw_key)).status_code == 403
    assert nothing_saved()


def test_other_methods_are_refused_in_open311_format(client, town, raw_key):
    for method in (client.put, client.delete, client.patch):
        response = method(f"{URL}.xml", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 405
        assert xml(response).findtext("error/code") == "405"
    assert client.post("/open311/v2/services.json", {"api_key": raw_key}).status_code == 405


def test_a_post_without_csrf_token_is_taken_because_the_key_is_the_credential(town, raw_key):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"{URL}.json", good_form(raw_key)).status_code == 201


def test_a_bad_date_or_window_on_updates_is_400(client, town):
    response = client.get("/open311/v2/servicerequestupdates.json", {"start_date": "soon"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert json_of(response)[0]["description"].startswith("start_date is not an ISO-8601 date and time")
    far = {"start_date": "2026-01-01T00:00:00+03:00", "end_date": timezone.now().isoformat()}
    assert client.get("/open311/v2/servicerequestupdates.json", far).status_code == 400


def test_a_long_or_odd_path_is_a_404_not_a_500(client, town):
    for path in (f"{URL}/{'9' * 5000}.json", "/open311/v2/tokens/%00.json", f"{URL}/..%2F..%2Fetc%2Fpasswd.xml"):
        assert client.get(path).status_code == 404, path[:60]


NASTY = [
    " ",
    "\x00",
    "%",
    "%00",
    "ü" * 3000,
    "' OR 1=1 --",
    "<x>&amp;]]>",
    "1e309",
    "-0",
    "9" * 400,
    "[]",
    "\ud7ff\ufffe",
    "0001-01-01T00:00:00+14:00",
    "2026-02-30",
    ",,,,",
]
GET_CALLS = [
    "discovery",
    "services",
    "services/roads-potholes",
    "requests",
    "requests/2612-000001",
    "tokens/abc",
    "servicerequestupdates",
]
GET_PARAMS = ["jurisdiction_id", "service_request_id", "service_code", "start_date", "end_date", "status", "api_key"]
POST_FIELDS = ["service_code", "lat", "long", "address_string", "description", "email", "phone", "first_name", "media_url"]


@pytest.mark.parametrize("value", NASTY, ids=range(len(NASTY)))
def test_no_value_in_any_parameter_of_any_call_is_a_500(client, town, raw_key, value):
    for call in GET_CALLS:
        for fmt in ("xml", "json"):
            response = client.get(f"/open311/v2/{call}.{fmt}", {name: value for name in GET_PARAMS})
            assert response.status_code in (200, 400, 403, 404), (call, response.status_code)
            if response.status_code != 200:
                errors = xml(response).findall("error") if fmt == "xml" else json_of(response)
                assert len(errors) >= 1
    for name in POST_FIELDS:
        response = client.post(f"{URL}.json", good_form(raw_key, **{name: value, f"attribute[{name}]": value}))
        assert response.status_code in (200, 201, 400), (name, response.status_code)
        if response.status_code == 400:
            assert all(error["code"] == 400 and error["description"] for error in response.json())
