"""GET requests, requests/{id}, tokens/{token}: public, filtered, windowed, capped, and without personal data."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from channels.open311.statuses import STATUS_MAP, statuses_for
from complaints import services
from complaints.models import Complaint
from complaints.services import Submission, complaint_submit
from complaints.workflow import ClosureReason, Status
from tests.channels.open311.conftest import json_of, xml
from tests.factories import INSIDE

pytestmark = pytest.mark.django_db

URL = "/open311/v2/requests"
NAME, PHONE, EMAIL = "Sara Al-Qahtani", "0551234567", "sara.q@example.com"


def file_report(category, *, days_ago: float = 0, description="A deep pothole in front of the mosque", channel="open311"):
    return complaint_submit(
        submission=Submission(
            category=category,
            description=description,
            lat=INSIDE[0],
            lon=INSIDE[1],
            reporter_name=NAME,
            reporter_phone=PHONE,
            reporter_email=EMAIL,
            address="King Faisal Road",
            channel=channel,
        ),
        at=timezone.now() - timedelta(days=days_ago),
    )


def test_a_request_shows_status_owner_notes_and_dates_with_their_time_zone(client, town):
    complaint = file_report(town.pothole)
    services.complaint_add_note(complaint=complaint, actor=town.admin, text="Crew booked for Sunday.", public=True)
    services.complaint_add_note(complaint=complaint, actor=town.admin, text="Internal: contractor is late", public=False)
    complaint.refresh_from_db()
    root = xml(client.get(f"{URL}.xml", HTTP_ACCEPT_LANGUAGE="en"))
    assert root.tag == "service_requests"
    [request] = root.findall("request")
    assert request.findtext("service_request_id") == complaint.tracking_number
    assert request.findtext("status") == "open"
    assert request.findtext("status_notes") == "Crew booked for Sunday."
    assert request.findtext("service_code") == "roads-potholes" and request.findtext("service_name") == "Pothole"
    assert request.findtext("agency_responsible") == "Roads department"
    assert request.findtext("address") == "King Faisal Road"
    assert float(request.findtext("lat")) == INSIDE[0] and float(request.findtext("long")) == INSIDE[1]
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        value = datetime.fromisoformat(request.findtext(name))
        assert value.tzinfo is not None and request.findtext(name).endswith("+03:00")
    # Whole seconds, as Open311 writes them: a report filed in working hours is due at a moment with microseconds.
    assert datetime.fromisoformat(request.findtext("expected_datetime")) == complaint.resolution_due_at.replace(microsecond=0)
    assert datetime.fromisoformat(request.findtext("requested_datetime")) == complaint.created_at.replace(microsecond=0)
    [same] = json_of(client.get(f"{URL}.json", HTTP_ACCEPT_LANGUAGE="en"))
    assert same["service_request_id"] == complaint.tracking_number and same["status_notes"] == "Crew booked for Sunday."
    assert same["lat"] == INSIDE[0] and same["long"] == INSIDE[1] and same["agency_responsible"] == "Roads department"


def test_get_answers_carry_no_personal_data(client, town, make_key):
    _key, raw = make_key()
    complaint = file_report(
        town.pothole, description=f"Pothole. I am {NAME}, call me on 055 123 4567 or write to {EMAIL}; ref 2612-000001"
    )
    services.complaint_add_note(complaint=complaint, actor=town.admin, text="Private: the caller is our neighbour", public=False)
    day = timezone.localdate().isoformat()
    answers = [
        client.get(f"{URL}.xml"),
        client.get(f"{URL}.json"),
        client.get(f"{URL}/{complaint.tracking_number}.xml"),
        client.get(f"{URL}/{complaint.tracking_number}.json", {"api_key": raw}),
        client.get("/open311/v2/servicerequestupdates.xml", {"start_date": day}),
        client.get("/open311/v2/servicerequestupdates.json", {"start_date": day}),
    ]
    for response in answers:
        assert response.status_code == 200
        body = response.content.decode()
        for secret in (NAME, "Al-Qahtani", "055 123 4567", "551234567", EMAIL, "sara.q", complaint.token, "neighbour"):
            assert secret not in body, (secret, response.request["PATH_INFO"])
    [request] = json_of(answers[1])
    assert request["description"] == "Pothole. I am ***, call me on *** or write to ***; ref 2612-000001"
    assert "account_id" not in request and "email" not in request and "phone" not in request


def test_the_default_window_is_the_last_90_days(client, town):
    recent = file_report(town.pothole, days_ago=1)
    old = file_report(town.pothole, days_ago=100)
    ids = [r["service_request_id"] for r in json_of(client.get(f"{URL}.json"))]
    assert ids == [recent.tracking_number]
    start = (timezone.now() - timedelta(days=110)).isoformat()
    end = (timezone.now() - timedelta(days=50)).isoformat()
    ids = [r["service_request_id"] for r in client.get(f"{URL}.json", {"start_date": start, "end_date": end}).json()]
    assert ids == [old.tracking_number]
    only_start = client.get(f"{URL}.json", {"start_date": start}).json()  # the 90 days after start_date
    assert [r["service_request_id"] for r in only_start] == [old.tracking_number]


def test_dates_in_every_iso_spelling_are_understood(client, town):
    report = file_report(town.pothole, days_ago=2)
    for start in (
        (timezone.now() - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        timezone.localtime(timezone.now() - timedelta(days=3)).isoformat(timespec="seconds"),
        (timezone.localdate() - timedelta(days=3)).isoformat(),
    ):
        response = client.get(f"{URL}.json", {"start_date": start})
        assert response.status_code == 200, start
        assert [r["service_request_id"] for r in response.json()] == [report.tracking_number]
    # "+03:00" put in a URL without encoding arrives as " 03:00"
    raw_plus = timezone.localtime(timezone.now() - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S+03:00")
    response = client.get(f"{URL}.json?start_date={raw_plus}")
    assert response.status_code == 200 and len(response.json()) == 1


@pytest.mark.parametrize(
    ("params", "words"),
    [
        (
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
            "start_date and end_date may be at most 90 days apart.",
        ),
        ({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"}, "end_date is before start_date."),
        ({"start_date": "yesterday"}, "start_date is not an ISO-8601 date and time"),
        ({"end_date": "2026-13-45T99:00:00Z"}, "end_date is not an ISO-8601 date and time"),
        ({"start_date": "9" * 400}, "start_date is not an ISO-8601 date and time"),
        ({"status": "pending"}, "status must be open, closed or both (open,closed)."),
        ({"end_date": "0001-01-01"}, "start_date and end_date must be dates between the years 1900 and 2999."),
        ({"start_date": "9999-12-31T00:00:00Z"}, "start_date and end_date must be dates between the years 1900 and 2999."),
        (
            {"start_date": "0001-01-01T00:00:00+14:00", "end_date": "0001-02-01T00:00:00+14:00"},
            "start_date and end_date must be dates between the years 1900 and 2999.",
        ),
    ],
)
def test_bad_filters_are_400_in_open311_format(client, town, params, words):
    response = client.get(f"{URL}.xml", params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    descriptions = [error.findtext("description") for error in xml(response).findall("error")]
    assert any(description.startswith(words) for description in descriptions), descriptions


def test_status_filter_follows_the_one_status_map(client, town):
    open_report = file_report(town.pothole)
    resolved = file_report(town.pothole)
    services.complaint_resolve(complaint=resolved, actor=town.admin, note="Filled.")
    closed = file_report(town.pothole)
    services.complaint_close(complaint=closed, actor=town.admin, reason=ClosureReason.DUPLICATE, note="Same as another.")

    def ids(**params):
        return sorted(r["service_request_id"] for r in client.get(f"{URL}.json", params).json())

    assert ids(status="open") == [open_report.tracking_number]
    assert ids(status="closed") == sorted([resolved.tracking_number, closed.tracking_number])
    assert ids(status="open,closed") == ids() == sorted(c.tracking_number for c in (open_report, resolved, closed))
    shown = {r["service_request_id"]: r["status"] for r in client.get(f"{URL}.json").json()}
    assert shown == {open_report.tracking_number: "open", resolved.tracking_number: "closed", closed.tracking_number: "closed"}
    assert set(statuses_for({"open"})) | set(statuses_for({"closed"})) == set(Status.values) == set(STATUS_MAP)


def test_service_code_filter_takes_a_list(client, town):
    pothole = file_report(town.pothole)
    light = file_report(town.lights)
    assert [r["service_request_id"] for r in client.get(f"{URL}.json", {"service_code": "roads-lights"}).json()] == [
        light.tracking_number
    ]
    both = client.get(f"{URL}.json", {"service_code": "roads-lights,roads-potholes"}).json()
    assert {r["service_request_id"] for r in both} == {pothole.tracking_number, light.tracking_number}
    assert client.get(f"{URL}.json", {"service_code": "nothing"}).json() == []


def test_service_request_id_overrides_every_other_filter(client, town):
    old = file_report(town.pothole, days_ago=200)
    new = file_report(town.lights)
    found = client.get(
        f"{URL}.json", {"service_request_id": f"{old.tracking_number}, {new.tracking_number},junk", "service_code": "x"}
    ).json()
    assert {r["service_request_id"] for r in found} == {old.tracking_number, new.tracking_number}
    too_many = client.get(f"{URL}.json", {"service_request_id": ",".join(["2612-000001"] * 1001)})
    assert too_many.status_code == 400


def test_at_most_1000_requests_newest_first_in_one_query(client, town, django_assert_num_queries):
    first = file_report(town.pothole, days_ago=1)
    now = timezone.now()
    Complaint.objects.bulk_create(
        Complaint(
            tracking_number=f"2612-9{n:05d}",
            token=f"bulk-token-{n}",
            category=town.pothole,
            department=town.roads,
            description="A deep pothole in front of the mosque",
            lat=INSIDE[0],
            lon=INSIDE[1],
            created_at=now - timedelta(minutes=n + 1),
        )
        for n in range(1004)
    )
    with django_assert_num_queries(1):  # owner, last public update and first photo come annotated
        response = client.get(f"{URL}.xml")
    requests = xml(response).findall("request")
    assert len(requests) == 1000
    assert requests[0].findtext("service_request_id") == "2612-900000"
    assert first.tracking_number not in {r.findtext("service_request_id") for r in requests}  # the oldest fell off
    assert len(json.loads(client.get(f"{URL}.json").content)) == 1000


def test_one_request_by_its_id_is_an_array_of_one_and_an_unknown_id_is_404(client, town):
    complaint = file_report(town.pothole)
    [one] = json_of(client.get(f"{URL}/{complaint.tracking_number}.json"))
    assert one["service_request_id"] == complaint.tracking_number
    arabic_digits = complaint.tracking_number.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert client.get(f"{URL}/{arabic_digits}.json").json()[0]["service_request_id"] == complaint.tracking_number
    root = xml(client.get(f"{URL}/{complaint.tracking_number}.xml"))
    assert root.tag == "service_requests" and len(root.findall("request")) == 1
    missing = client.get(f"{URL}/2612-999999.xml", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 404
    assert xml(missing).findtext("error/description") == "No request has this service_request_id."
    assert client.get(f"{URL}/%3Cscript%3E.json").status_code == 404


def test_a_token_gives_back_its_request_id(client, town):
    complaint = file_report(town.pothole)
    [answer] = json_of(client.get(f"/open311/v2/tokens/{complaint.token}.json"))
    assert answer == {"service_request_id": complaint.tracking_number, "token": complaint.token}
    request = xml(client.get(f"/open311/v2/tokens/{complaint.token}.xml")).find("request")
    assert request.findtext("service_request_id") == complaint.tracking_number
    assert client.get("/open311/v2/tokens/not-a-token.json").status_code == 404


def test_xml_carries_any_text_safely(client, town):
    file_report(town.pothole, description='<b>Pothole</b> & "ditch" ]]> \x0b\x1b near the ‏مسجد')
    request = xml(client.get(f"{URL}.xml")).find("request")
    assert request.findtext("description") == '<b>Pothole</b> & "ditch" ]]>  near the ‏مسجد'
