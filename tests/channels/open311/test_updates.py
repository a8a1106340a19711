"""FixMyStreet's servicerequestupdates: the public updates of a window, each with the status as it stood then."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from complaints import services
from complaints.workflow import ClosureReason
from tests.channels.open311.conftest import json_of, xml
from tests.channels.open311.test_get_requests import file_report

pytestmark = pytest.mark.django_db

URL = "/open311/v2/servicerequestupdates"


def test_updates_follow_a_report_from_received_to_closed_without_internal_notes(client, town):
    complaint = file_report(town.pothole)
    services.complaint_add_note(complaint=complaint, actor=town.admin, text="Contractor dispute", public=False)
    services.complaint_start(complaint=complaint, actor=town.admin, note="Crew on site.")
    services.complaint_add_note(complaint=complaint, actor=town.admin, text="Asphalt arrives tomorrow.", public=True)
    services.complaint_resolve(complaint=complaint, actor=town.admin, note="Filled and rolled.")
    services.complaint_close(complaint=complaint, actor=town.admin, reason=ClosureReason.FIXED)
    start = (timezone.now() - timedelta(hours=1)).isoformat()
    root = xml(client.get(f"{URL}.xml", {"start_date": start}, HTTP_ACCEPT_LANGUAGE="en"))
    assert root.tag == "service_requests_updates"
    updates = root.findall("request_update")
    assert {u.findtext("service_request_id") for u in updates} == {complaint.tracking_number}
    statuses = [(u.findtext("status"), u.findtext("description")) for u in updates]
    assert statuses[0][0] == "OPEN"
    assert ("IN_PROGRESS", "Crew on site.") in statuses
    assert ("IN_PROGRESS", "Asphalt arrives tomorrow.") in statuses  # a public update carries the status of its moment
    assert ("FIXED", "Filled and rolled.") in statuses
    assert statuses[-1][0] == "FIXED" and updates[-1].findtext("external_status_code") == "closed"
    assert "Contractor dispute" not in root.itertext()
    for update in updates:
        assert update.findtext("update_id").isdigit()
        assert datetime.fromisoformat(update.findtext("updated_datetime")).tzinfo is not None
    data = json_of(client.get(f"{URL}.json", {"start_date": start}, HTTP_ACCEPT_LANGUAGE="en"))
    assert [(u["status"], u["description"]) for u in data] == statuses
    # The system's own texts are in the caller's language; what staff typed stays as typed.
    arabic = json_of(client.get(f"{URL}.json", {"start_date": start}, HTTP_ACCEPT_LANGUAGE="ar"))
    assert arabic[0]["description"].startswith("تم استلام البلاغ") and statuses[0][1].startswith("Report received")
    assert ("FIXED", "Filled and rolled.") in [(u["status"], u["description"]) for u in arabic]


def test_updates_are_read_in_one_query(client, town, django_assert_num_queries):
    for _ in range(3):
        services.complaint_add_note(complaint=file_report(town.pothole), actor=town.admin, text="On it.", public=True)
    with django_assert_num_queries(1):
        assert len(client.get(f"{URL}.json").json()) == 9  # received, routed, update; three times


def test_a_report_closed_as_a_duplicate_says_so(client, town):
    complaint = file_report(town.pothole)
    services.complaint_close(complaint=complaint, actor=town.admin, reason=ClosureReason.DUPLICATE, note="Same as 2612-000001.")
    data = client.get(f"{URL}.json").json()
    assert data[-1]["status"] == "DUPLICATE" and data[-1]["external_status_code"] == "closed"


def test_updates_default_to_the_last_90_days_and_an_old_window_can_be_asked_for(client, town):
    old = file_report(town.pothole, days_ago=120)
    # Only its "received" event is dated back (routing stamps the time of the call).
    assert "OPEN" not in {u["status"] for u in client.get(f"{URL}.json").json()}
    window = {
        "start_date": (timezone.now() - timedelta(days=125)).isoformat(),
        "end_date": (timezone.now() - timedelta(days=100)).isoformat(),
    }
    found = client.get(f"{URL}.json", window).json()
    assert [(u["service_request_id"], u["status"]) for u in found] == [(old.tracking_number, "OPEN")]
