"""The reporter of a triage report sends what it lacks on their channel: only the gaps are filled."""

from __future__ import annotations

import pytest

from complaints import services
from complaints.models import Event
from complaints.workflow import Status
from tests.complaints.test_triage import town, triage_report  # noqa: F401  (the fixture)
from tests.factories import INSIDE, OUTSIDE, CategoryFactory

pytestmark = pytest.mark.django_db


def test_a_pin_then_a_type_route_the_report_and_start_the_clock(town):  # noqa: F811
    report = triage_report(channel="whatsapp", external_id="wamid.S1")
    assert services.complaint_supply_missing(complaint=report, channel="whatsapp", lat=INSIDE[0], lon=INSIDE[1]) is not None
    report.refresh_from_db()
    assert report.has_pin and report.needs_triage and report.department is None
    services.complaint_supply_missing(complaint=report, channel="whatsapp", category=town.pothole)
    report.refresh_from_db()
    assert not report.needs_triage and report.department == town.roads and report.resolution_due_at is not None
    assert report.events.filter(kind=Event.Kind.TRIAGED, is_public=True).count() == 1


def test_what_is_unusable_or_already_there_changes_nothing(town):  # noqa: F811
    report = triage_report(channel="whatsapp", external_id="wamid.S2")
    main = town.pothole.parent
    assert services.complaint_supply_missing(complaint=report, channel="whatsapp", category=main) is None
    assert services.complaint_supply_missing(complaint=report, channel="whatsapp", lat=OUTSIDE[0], lon=OUTSIDE[1]) is None
    other = CategoryFactory(parent=main)
    services.complaint_supply_missing(complaint=report, channel="whatsapp", category=town.pothole)
    assert services.complaint_supply_missing(complaint=report, channel="whatsapp", category=other) is None  # kept
    report.refresh_from_db()
    assert report.category == town.pothole


def test_a_report_staff_already_handle_is_left_alone(town):  # noqa: F811
    report = triage_report(channel="whatsapp", external_id="wamid.S3")
    type(report).objects.filter(pk=report.pk).update(status=Status.CLOSED)
    assert services.complaint_supply_missing(complaint=report, channel="whatsapp", lat=INSIDE[0], lon=INSIDE[1]) is None
    report.refresh_from_db()
    assert not report.has_pin


def test_the_note_of_what_the_citizen_sent_reads_in_each_readers_language(town):  # noqa: F811
    """An Arabic report completed on WhatsApp: staff reading the timeline in English see the note in English
    (the type's English name included), those reading in Arabic see it in Arabic."""
    from django.utils import translation

    report = triage_report(channel="whatsapp", external_id="wamid.S4")
    assert report.language == "ar"
    services.complaint_supply_missing(complaint=report, channel="whatsapp", category=town.pothole, lat=INSIDE[0], lon=INSIDE[1])
    event = report.events.get(kind=Event.Kind.TRIAGED)
    with translation.override("en"):
        english = event.display_text
    with translation.override("ar"):
        arabic = event.display_text
    assert english == f"Type chosen by the citizen: {town.pothole.name_en}.\nLocation sent by the citizen."
    assert town.pothole.name_ar in arabic and "Type chosen" not in arabic and "Location sent" not in arabic
