"""A mass escalation (a holiday backlog, an outage) sends each person one digest, not hundreds of messages."""

import pytest
from django.core import mail

from complaints.models import Complaint, Event
from notifications.models import Outbox
from sla.sweep import escalate_overdue
from tests.sla.helpers import file_reports


@pytest.mark.django_db
def test_over_the_limit_each_recipient_gets_one_digest_per_step(town, settings, django_capture_on_commit_callbacks):
    settings.BALAGH_ESCALATION_DIGEST_OVER = 3
    department, category, (head, committee, mayor, officer) = town
    reports = file_reports(category, 5)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        counts = escalate_overdue()
    assert counts["level1"] == 5 and counts["level3"] == 5
    # every report still has its own timeline entries and its own level
    assert Event.objects.filter(kind="escalated", data__step="level2").count() == 5
    assert set(Complaint.objects.values_list("escalation_level", flat=True)) == {3}

    digests = Outbox.objects.filter(template="escalation_digest")
    head_mail = digests.filter(recipient="head@balagh.test", channel="email")
    assert head_mail.count() == 2  # level 1 and the response alert; one each
    assert not Outbox.objects.filter(template="escalated", recipient="head@balagh.test").exists()
    assert digests.filter(recipient="+966500000001", channel="sms").count() == 2
    mayor_mail = [m for m in mail.outbox if m.to == ["mayor@balagh.test"]]
    assert len(mayor_mail) == 1
    body = mayor_mail[0].body
    assert "5" in body and "المستوى 3" in body
    assert all(r.tracking_number in body for r in reports)
    assert "/admin/complaints/complaint/?due=overdue" in body
    assert not digests.exclude(status="sent").exists()

    assert not any(escalate_overdue().values())  # nothing twice
    assert Outbox.objects.filter(template="escalation_digest").count() == digests.count()


@pytest.mark.django_db
def test_at_the_limit_messages_stay_one_per_report(town, settings):
    settings.BALAGH_ESCALATION_DIGEST_OVER = 3
    department, category, _ = town
    file_reports(category, 3)
    escalate_overdue()
    assert not Outbox.objects.filter(template="escalation_digest").exists()
    assert Outbox.objects.filter(template="escalated", recipient="mayor@balagh.test").count() == 3
