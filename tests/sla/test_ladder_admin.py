"""The ladder's admin offers only what the sweep really reads: percent, audience, active (docs/sla.md)."""

from datetime import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from complaints.services import Submission, complaint_submit
from municipality.models import Role
from municipality.times import RIYADH
from sla.clock import ladder
from sla.models import EscalationStep
from sla.sweep import _active_audiences
from tests.factories import CategoryFactory, make_user

pytestmark = pytest.mark.django_db

MONDAY_8 = datetime(2026, 11, 2, 8, 0, tzinfo=RIYADH)


def url(name, *args):
    return reverse(f"admin:{EscalationStep._meta.app_label}_{EscalationStep._meta.model_name}_{name}", args=args)


@pytest.fixture
def boss(client):
    user = make_user("boss", Role.ADMIN)
    client.force_login(user)
    return user


def level(n):
    return EscalationStep.objects.get(trigger="resolution", level=n)


def test_no_step_can_be_added_or_deleted(client, boss):
    assert client.get(url("add")).status_code == 403
    assert client.post(url("delete", level(3).pk), {"post": "yes"}).status_code == 403
    assert EscalationStep.objects.count() == 5


def test_only_percent_audience_and_active_are_editable(client, boss):
    step = level(2)
    response = client.post(
        url("change", step.pk),
        {"name": "Renamed", "trigger": "response", "level": 1, "percent": 160, "audience": "mayor", "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    step.refresh_from_db()
    assert (step.trigger, step.level, step.percent, step.audience) == ("resolution", 2, 160, "mayor")
    assert step.name != "Renamed"


def test_a_changed_percent_moves_the_threshold_of_the_next_report(client, boss):
    level(1).__class__.objects.filter(pk=level(1).pk).update(percent=50)
    sub = Submission(
        category=CategoryFactory(response_hours=8, resolution_hours=24),
        description="حاوية نفايات ممتلئة منذ أيام",
        lat=18.30,
        lon=42.73,
        reporter_phone="0501234567",
    )
    report = complaint_submit(submission=sub, at=MONDAY_8)
    # half of 24 working hours: 12 working hours after Monday 08:00 is Tuesday 12:00
    assert report.escalate_l1_at == datetime(2026, 11, 3, 12, 0, tzinfo=RIYADH)


def test_two_steps_may_fire_at_the_same_percent(client, boss):
    # The committee and the mayor told at once: an edit of what the admin offers, not an error page.
    response = client.post(url("change", level(2).pk), {"percent": 200, "audience": "committee", "active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert level(2).percent == level(3).percent == 200
    report = complaint_submit(
        submission=Submission(
            category=CategoryFactory(response_hours=8, resolution_hours=24),
            description="حاوية نفايات ممتلئة منذ أيام",
            lat=18.30,
            lon=42.73,
            reporter_phone="0501234567",
        ),
        at=MONDAY_8,
    )
    assert report.escalate_l2_at == report.escalate_l3_at


def test_a_step_has_one_row_of_settings(boss):
    # Two rows for one step would leave the clock and the sweep each picking one of them.
    with pytest.raises(IntegrityError), transaction.atomic():
        EscalationStep.objects.create(name="Another level 2", trigger="resolution", level=2, percent=175, audience="mayor")


def test_a_warning_row_left_at_another_level_by_an_upgrade_still_sets_its_step():
    """(trigger, level) is unique, but the warnings are read by trigger (their level is 0): a database
    upgraded from when rows were unique by (trigger, percent) may still hold an at-risk or response row
    at level 1-3. The clock and the sweep then read the same one: the active row with the lowest percent."""
    EscalationStep.objects.filter(trigger="response").update(active=False)
    EscalationStep.objects.create(name="Old response alert", trigger="response", level=2, percent=90, audience="committee")
    EscalationStep.objects.create(name="Older response alert", trigger="response", level=3, percent=95, audience="mayor")
    assert ladder()[("response", 0)] == 90
    assert _active_audiences()["response"] == "committee"
