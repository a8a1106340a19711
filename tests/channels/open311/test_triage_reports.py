"""Open311 readers see a report that came by e-mail or X while it waits in triage: no service yet, no pin."""

from __future__ import annotations

import pytest

from channels.email.services import email_receive
from tests.channels.mail import mail
from tests.channels.open311.conftest import json_of, xml

pytestmark = pytest.mark.django_db


def test_get_requests_lists_a_triage_report_without_service_or_pin(client, town):
    complaint = email_receive(raw=mail(body="A deep pothole near the school gate, please fix.")).complaint
    payload = json_of(client.get("/open311/v2/requests.json"))
    (row,) = [r for r in payload if r["service_request_id"] == complaint.tracking_number]
    assert row["service_code"] is None and row["lat"] is None and row["status"] == "open"
    assert "sara@example.org" not in str(payload)  # the sender's address is personal data
    one = xml(client.get(f"/open311/v2/requests/{complaint.tracking_number}.xml"))
    assert one.find("request/service_request_id").text == complaint.tracking_number
