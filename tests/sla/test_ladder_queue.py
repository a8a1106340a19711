"""The escalation ladder's work queue follows every report through the workflow.

The sweep reads the queue (``PendingStep``), not the reports table, so a report missing
from it would never escalate and a stale row must never escalate a finished report.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from complaints import services
from complaints.models import Complaint
from complaints.workflow import ClosureReason, Status
from sla import ladder
from sla.models import PendingStep
from sla.sweep import escalate_overdue
from tests.factories import DepartmentFactory
from tests.sla.helpers import file_reports

THRESHOLDS = {
    "at_risk": "at_risk_at",
    "response": "response_alert_at",
    "level1": "escalate_l1_at",
    "level2": "escalate_l2_at",
    "level3": "escalate_l3_at",
}


def queued(complaint) -> dict:
    return dict(PendingStep.objects.filter(complaint=complaint).values_list("step", "due_at"))


def expected(complaint, *steps) -> dict:
    complaint.refresh_from_db()
    return {step: getattr(complaint, THRESHOLDS[step]) for step in steps}


@pytest.mark.django_db
def test_the_queue_follows_routing_start_hold_resume_resolve_and_reopen(town):
    department, category, (head, committee, mayor, officer) = town
    now = timezone.now()
    [report] = file_reports(category, 1, when=now)
    assert queued(report) == expected(report, "at_risk", "response", "level1", "level2", "level3")

    services.complaint_start(complaint=report, actor=officer)  # a response: no response alert any more
    assert queued(report) == expected(report, "at_risk", "level1", "level2", "level3")

    services.complaint_hold(complaint=report, actor=officer, reason="بانتظار قطعة غيار")
    assert queued(report) == {}  # the clock stands still: nothing may escalate

    before = report.escalate_l1_at
    services.complaint_resume(complaint=report, actor=officer)
    report.refresh_from_db()
    assert report.escalate_l1_at >= before  # pushed back by the time on hold
    assert queued(report) == expected(report, "at_risk", "level1", "level2", "level3")

    services.complaint_resolve(complaint=report, actor=officer, note="تم رفع النفايات")
    assert queued(report) == {}
    services.complaint_reopen(complaint=report, actor=None, reason="ما زالت الحاوية ممتلئة", check_access=False)
    report.refresh_from_db()
    assert report.status in (Status.ASSIGNED, Status.IN_PROGRESS)
    assert set(queued(report)) == {"at_risk", "level1", "level2", "level3"}


@pytest.mark.django_db
def test_a_transfer_and_a_priority_change_requeue_the_fresh_clock(town):
    department, category, (head, committee, mayor, officer) = town
    [report] = file_reports(category, 1)  # filed long ago: every rung is due
    assert escalate_overdue()["level3"] == 1
    assert queued(report) == {}  # all done: nothing left to wait for

    other = DepartmentFactory(code="roads")
    services.complaint_transfer(complaint=report, actor=None, department=other, reason="ليست من اختصاصنا")
    report.refresh_from_db()
    assert report.escalation_level == 0 and report.escalate_l1_at > timezone.now()
    assert queued(report) == expected(report, "at_risk", "response", "level1", "level2", "level3")

    services.complaint_set_priority(complaint=report, actor=None, priority="urgent")
    assert queued(report) == expected(report, "at_risk", "response", "level1", "level2", "level3")
    assert queued(report)["level1"] < timezone.now() + timedelta(hours=5)  # urgent: 4 wall-clock hours


@pytest.mark.django_db
def test_a_stale_queue_row_never_escalates_a_finished_report(town):
    department, category, _ = town
    [report] = file_reports(category, 1)
    # Closed behind the services' back (a bulk script, a restore): the queue still has its rows.
    Complaint.objects.filter(pk=report.pk).update(
        status=Status.CLOSED, closure_reason=ClosureReason.FIXED, closed_at=timezone.now()
    )
    assert len(queued(report)) == 5
    assert not any(escalate_overdue().values())
    report.refresh_from_db()
    assert report.escalation_level == 0
    call_command("escalate_overdue", "--resync", stdout=StringIO())
    assert queued(report) == {}


@pytest.mark.django_db
def test_resync_requeues_reports_changed_outside_the_services(town):
    department, category, _ = town
    [report] = file_reports(category, 1)
    PendingStep.objects.all().delete()  # e.g. reports imported with plain SQL
    assert not any(escalate_overdue().values())  # the sweep reads only the queue

    out = StringIO()
    call_command("escalate_overdue", "--resync", stdout=out)
    assert "level3: 1" in out.getvalue()
    report.refresh_from_db()
    assert report.escalation_level == 3 and queued(report) == {}


@pytest.mark.django_db
def test_sync_of_some_reports_leaves_the_others_alone(town):
    department, category, _ = town
    first, second = file_reports(category, 2, when=timezone.now())
    Complaint.objects.filter(pk=first.pk).update(escalation_level=2)
    ladder.sync([first.pk])
    assert set(queued(first)) == {"at_risk", "response", "level3"}
    assert set(queued(second)) == {"at_risk", "response", "level1", "level2", "level3"}
    assert ladder.sync([]) == 0


def test_batch_size_must_be_positive_in_the_operators_language():
    from django.core.management.base import CommandError
    from django.utils import translation

    # Each language set here: a test before this one in the same process may have left another active.
    with translation.override("ar"), pytest.raises(CommandError, match="على الأقل"):
        call_command("escalate_overdue", "--batch-size", "0", stdout=StringIO())
    with translation.override("en"), pytest.raises(CommandError, match="at least 1"):
        call_command("escalate_overdue", "--batch-size", "0", stdout=StringIO())


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_sweeps_updates_touch_no_index_of_the_reports_table():
    """PostgreSQL rewrites every index of a row unless no indexed column changed (a HOT update):
    no index of complaints_complaint may name a column the sweep writes."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'complaints_complaint'")
        indexes = cursor.fetchall()
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'complaints_complaint'")
        (options,) = cursor.fetchone()
    assert len(indexes) > 10
    for name, definition in indexes:
        for column in ("escalation_level", "at_risk_notified_at", "response_alerted_at", "updated_at"):
            assert column not in definition, name
    assert "fillfactor=80" in (options or [])


@pytest.mark.django_db
def test_resync_touches_only_what_differs(town):
    department, category, _ = town
    first, second, third = file_reports(category, 3, when=timezone.now())
    kept = set(PendingStep.objects.filter(complaint=first).values_list("pk", flat=True))
    PendingStep.objects.filter(complaint=second, step="level1").delete()  # missing
    PendingStep.objects.filter(complaint=second, step="level2").update(due_at=timezone.now())  # wrong time
    Complaint.objects.filter(pk=third.pk).update(status=Status.ON_HOLD)  # waits for nothing now

    assert ladder.resync() == 10
    assert set(PendingStep.objects.filter(complaint=first).values_list("pk", flat=True)) == kept  # not rewritten
    assert queued(second) == expected(second, "at_risk", "response", "level1", "level2", "level3")
    assert queued(third) == {}
    assert ladder.resync() == 10  # nothing left to change
