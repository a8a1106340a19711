"""POST requests: an Open311 client files a report through the one submission service."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from channels.api_keys.models import ApiKey
from complaints.models import Channel, Complaint, Event
from complaints.workflow import Status
from tests.channels.open311.conftest import json_of, xml
from tests.factories import INSIDE, OUTSIDE

pytestmark = pytest.mark.django_db

URL = "/open311/v2/requests"


def form(raw_key, **overrides) -> dict:
    data = {
        "api_key": raw_key,
        "service_code": "roads-potholes",
        "lat": str(INSIDE[0]),
        "long": str(INSIDE[1]),
        "description": "A deep pothole in front of the mosque",
        "first_name": "Sara",
        "last_name": "Al-Qahtani",
        "phone": "0501234567",
        "email": "sara@example.com",
        "address_string": "King Faisal Road",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_a_form_encoded_report_is_filed_routed_and_answered_with_its_tracking_number(client, town, make_key):
    _key, raw = make_key()
    response = client.post(f"{URL}.xml", form(raw, **{"attribute[fixmystreet_id]": "4711", "attribute[depth]": "deep"}))
    assert response.status_code == 201
    answer = xml(response)
    assert answer.tag == "service_requests"
    request = answer.find("request")
    complaint = Complaint.objects.get()
    assert request.findtext("service_request_id") == complaint.tracking_number
    assert request.findtext("token") == complaint.token
    assert complaint.tracking_number in request.findtext("service_notice")
    assert complaint.channel == Channel.OPEN311
    assert complaint.category == town.pothole and complaint.department == town.roads
    assert complaint.status == Status.ASSIGNED and complaint.resolution_due_at is not None
    assert complaint.reporter_name == "Sara Al-Qahtani" and complaint.reporter_phone == "+966501234567"
    assert complaint.reporter_email == "sara@example.com" and complaint.address == "King Faisal Road"
    note = complaint.events.get(kind=Event.Kind.NOTE)
    assert not note.is_public
    assert "fixmystreet_id: 4711" in note.text and "depth: deep" in note.text and "FixMyStreet Aseer" in note.text
    assert note.data["open311"]["attributes"] == {"fixmystreet_id": "4711", "depth": "deep"}


def test_the_json_answer_is_an_array_of_one_request(client, town, make_key):
    _key, raw = make_key()
    response = client.post(f"{URL}.json", form(raw))
    assert response.status_code == 201
    [answer] = json_of(response)
    complaint = Complaint.objects.get()
    assert answer["service_request_id"] == complaint.tracking_number and answer["token"] == complaint.token


def test_the_key_may_come_in_a_header(client, town, make_key):
    _key, raw = make_key()
    response = client.post(f"{URL}.json", form(None), HTTP_X_API_KEY=raw)
    assert response.status_code == 201


def test_the_same_client_id_twice_files_one_report(client, town, make_key):
    _key, raw = make_key()
    first = client.post(f"{URL}.json", form(raw, **{"attribute[fixmystreet_id]": "4711"}))
    again = client.post(f"{URL}.json", form(raw, **{"attribute[fixmystreet_id]": "4711"}))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Complaint.objects.count() == 1 and Event.objects.filter(kind=Event.Kind.NOTE).count() == 1
    by_external_id = client.post(f"{URL}.json", form(raw, external_id="crm-17"))
    assert by_external_id.status_code == 201
    assert client.post(f"{URL}.json", form(raw, external_id="crm-17")).json() == by_external_id.json()
    assert Complaint.objects.count() == 2


def test_another_client_with_the_same_id_gets_its_own_report(client, town, make_key):
    _first, raw = make_key()
    _second, other_raw = make_key(name="SeeClickFix")
    mine = client.post(f"{URL}.json", form(raw, external_id="1")).json()[0]
    theirs = client.post(f"{URL}.json", form(other_raw, external_id="1")).json()[0]
    assert mine["service_request_id"] != theirs["service_request_id"] and mine["token"] != theirs["token"]


def test_a_report_without_a_description_is_filed_with_a_line_for_staff(client, town, make_key):
    _key, raw = make_key()
    response = client.post(f"{URL}.json", form(raw, description=None), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 201
    assert Complaint.objects.get().description == "Pothole: reported through Open311 without a description."


def test_attributes_with_several_values_are_kept(client, town, make_key):
    _key, raw = make_key()
    data = form(raw)
    data["attribute[hazards][]"] = ["traffic", "children"]
    assert client.post(f"{URL}.json", data).status_code == 201
    note = Event.objects.get(kind=Event.Kind.NOTE)
    assert note.data["open311"]["attributes"] == {"hazards": ["traffic", "children"]}
    assert "hazards: traffic, children" in note.text


def test_the_staff_note_reads_in_each_readers_language_whatever_the_clients(client, town, make_key):
    _key, raw = make_key()
    data = form(
        raw,
        media_url="https://fms.example.org/photo/1.jpeg",
        device_id="dev-7",
        account_id="acct-9",
        **{"attribute[depth]": "deep"},
    )
    assert client.post(f"{URL}.json", data, HTTP_ACCEPT_LANGUAGE="ar").status_code == 201
    complaint = Complaint.objects.get()
    english = [
        "Filed through Open311 by “FixMyStreet Aseer”.",
        "Photo at: https://fms.example.org/photo/1.jpeg",
        "Device: dev-7",
        "Account: acct-9",
    ]
    arabic = [
        "وصل من تطبيق البلاغات الشريك «FixMyStreet Aseer».",
        "صورة على: https://fms.example.org/photo/1.jpeg",
        "الجهاز: dev-7",
        "الحساب: acct-9",
    ]
    assert complaint.events.get(kind=Event.Kind.NOTE).text.splitlines() == [arabic[0], "depth: deep", *arabic[1:]]
    client.force_login(town.admin)
    page = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    client.cookies["django_language"] = "en"
    html = client.get(page).content.decode()
    assert "<br>".join([english[0], "depth: deep", *english[1:]]) in html
    assert not any(line in html for line in arabic)
    client.cookies["django_language"] = "ar"
    html = client.get(page).content.decode()
    assert "<br>".join([arabic[0], "depth: deep", *arabic[1:]]) in html
    assert not any(line in html for line in english)


# --------------------------------------------------------------------------- refusals


def test_without_a_key_it_is_403_and_nothing_is_saved(client, town):
    response = client.post(f"{URL}.xml", form(""), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    error = xml(response).find("error")
    assert error.findtext("code") == "403" and error.findtext("description") == "An api_key is required for this call."
    assert not Complaint.objects.exists()


def test_a_revoked_key_is_403_and_nothing_is_saved(client, town, make_key):
    api_key, raw = make_key()
    ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=timezone.now())
    response = client.post(f"{URL}.json", form(raw), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert response.json() == [{"code": 403, "description": "This api_key is not valid or has been revoked."}]
    assert not Complaint.objects.exists()


def test_a_point_outside_the_city_is_400_with_the_forms_own_words(client, town, make_key):
    _key, raw = make_key()
    response = client.post(f"{URL}.json", form(raw, lat=str(OUTSIDE[0]), long=str(OUTSIDE[1])), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == [
        {"code": 400, "description": "This point is outside the municipality. Put the pin inside the city's districts."}
    ]
    assert not Complaint.objects.exists()


def test_refusals_are_in_arabic_by_default(client, town, make_key):
    _key, raw = make_key()
    response = client.post(f"{URL}.json", form(raw, lat=str(OUTSIDE[0]), long=str(OUTSIDE[1])), HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 400
    assert "خارج" in response.json()[0]["description"]
    missing = client.post(f"{URL}.json", form(raw, service_code=None), HTTP_ACCEPT_LANGUAGE="ar")
    assert missing.status_code == 400 and "service_code" in missing.json()[0]["description"]
    assert missing.json()[0]["description"] != "service_code is required."


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"service_code": None}, "service_code is required."),
        ({"service_code": "no-such-code"}, "No service has this service_code."),
        ({"service_code": "roads"}, "No service has this service_code."),  # a main type
        ({"lat": None}, "lat and long are required: this city takes reports with a location."),
        ({"long": ""}, "lat and long are required: this city takes reports with a location."),
        ({"lat": "north"}, "lat must be a number between -90 and 90."),
        ({"lat": "nan"}, "lat must be a number between -90 and 90."),
        ({"long": "1e999"}, "long must be a number between -180 and 180."),
        ({"description": "hole"}, "Describe the problem in at least 10 characters."),
        ({"description": "x" * 4001}, "description is limited to 4000 characters."),
        ({"email": "not-an-address"}, "Enter a valid e-mail address."),
        ({"media_url": "file:///etc/passwd"}, "media_url must be up to 10 http(s) addresses of at most 2000 characters."),
        ({"attribute[bad key]": "x"}, "Attributes are sent as attribute[code]=value"),
        ({"attribute[depth]": "x" * 1001}, "Attributes are sent as attribute[code]=value"),
    ],
)
def test_bad_input_is_a_400_in_open311_format_and_saves_nothing(client, town, make_key, overrides, words):
    _key, raw = make_key()
    response = client.post(f"{URL}.xml", form(raw, **overrides), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    descriptions = [error.findtext("description") for error in xml(response).findall("error")]
    assert any(description.startswith(words) for description in descriptions), descriptions
    assert all(error.findtext("code") == "400" for error in xml(response).findall("error"))
    assert not Complaint.objects.exists() and not Event.objects.exists()


def test_several_mistakes_are_reported_together(client, town, make_key):
    _key, raw = make_key()
    response = client.post(f"{URL}.json", form(raw, service_code=None, lat="x", long="y"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert [error["description"] for error in response.json()] == [
        "service_code is required.",
        "lat must be a number between -90 and 90.",
        "long must be a number between -180 and 180.",
    ]
