"""The escalation ladder: each step once per report — re-runs, parallel sweeps, a sweep that dies half-way."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections

from complaints import services
from complaints.models import Complaint
from notifications.models import Outbox
from sla.models import EscalationStep
from sla.sweep import escalate_overdue
from tests.sla.helpers import FILED, file_reports, step_counts


@pytest.mark.django_db
def test_the_whole_ladder_once_and_a_rerun_adds_nothing(town, django_capture_on_commit_callbacks):
    department, category, (head, committee, mayor, officer) = town
    reports = file_reports(category, 3)
    services.complaint_start(complaint=reports[0], actor=officer)  # responded: no response alert for it
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        counts = escalate_overdue()
    assert counts == {"at_risk": 3, "response": 2, "level1": 3, "level2": 3, "level3": 3}
    assert set(Complaint.objects.values_list("escalation_level", flat=True)) == {3}
    assert step_counts() == {"at_risk": 3, "response": 2, "level1": 3, "level2": 3, "level3": 3}
    # notices: the head (level 1 and the response alert, e-mail and SMS), the committee, the mayor, the owner
    assert Outbox.objects.filter(template="escalated", recipient="head@balagh.test").count() == 3
    assert Outbox.objects.filter(template="escalated", recipient="+966500000001", channel="sms").count() == 3
    assert Outbox.objects.filter(template="escalated", recipient="committee@balagh.test").count() == 3
    assert Outbox.objects.filter(template="escalated", recipient="mayor@balagh.test").count() == 3
    assert Outbox.objects.filter(template="response_late", recipient="head@balagh.test").count() == 2
    # Swept long after their deadline: no "approaching the deadline" notice, only the ladder's.
    assert not Outbox.objects.filter(template="at_risk").exists()
    assert not Outbox.objects.exclude(status="sent").filter(template__in=["escalated", "at_risk", "response_late"])
    mayor_mail = [m for m in mail.outbox if m.to == ["mayor@balagh.test"]]
    assert len(mayor_mail) == 3 and reports[1].tracking_number in " ".join(m.body for m in mayor_mail)

    sent = len(mail.outbox)
    assert escalate_overdue() == {"at_risk": 0, "response": 0, "level1": 0, "level2": 0, "level3": 0}
    out = StringIO()
    call_command("escalate_overdue", stdout=out)
    assert "level3: 0" in out.getvalue()
    assert step_counts()["level3"] == 3 and len(mail.outbox) == sent


@pytest.mark.django_db
def test_each_rung_fires_at_its_own_time(town):
    department, category, _ = town
    (c,) = file_reports(category, 1)
    c.refresh_from_db()
    assert escalate_overdue(now=c.response_alert_at - timedelta(minutes=1))["response"] == 0
    assert escalate_overdue(now=c.response_alert_at) == {"at_risk": 0, "response": 1, "level1": 0, "level2": 0, "level3": 0}
    assert escalate_overdue(now=c.at_risk_at - timedelta(minutes=1))["at_risk"] == 0
    assert escalate_overdue(now=c.at_risk_at) == {"at_risk": 1, "response": 0, "level1": 0, "level2": 0, "level3": 0}
    assert escalate_overdue(now=c.escalate_l1_at)["level1"] == 1
    c.refresh_from_db()
    assert c.escalation_level == 1
    event = c.events.get(kind="escalated", data__step="level1")
    assert not event.is_public  # the citizen never sees the ladder
    assert escalate_overdue(now=c.escalate_l2_at - timedelta(seconds=1))["level2"] == 0
    assert escalate_overdue(now=c.escalate_l3_at) == {"at_risk": 0, "response": 0, "level1": 0, "level2": 1, "level3": 1}


@pytest.mark.django_db
def test_on_hold_and_finished_reports_are_left_alone(town):
    department, category, (head, committee, mayor, officer) = town
    held, resolved, waiting = file_reports(category, 3)
    for c in (held, resolved):
        services.complaint_start(complaint=c, actor=officer)
    services.complaint_hold(complaint=held, actor=officer, reason="Waiting for a permit")
    services.complaint_resolve(complaint=resolved, actor=officer, note="تم رفع النفايات")
    counts = escalate_overdue()
    assert counts["level1"] == 1 and counts["level3"] == 1
    assert Complaint.objects.get(pk=waiting.pk).escalation_level == 3
    assert Complaint.objects.get(pk=held.pk).escalation_level == 0
    assert Complaint.objects.get(pk=resolved.pk).escalation_level == 0


class Crash(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_a_sweep_that_dies_half_way_loses_and_doubles_nothing(town):
    department, category, _ = town
    file_reports(category, 7)
    batches = []

    def die_on_the_second_batch(step, ids):
        batches.append((step.name, len(ids)))
        if step.name == "level1" and sum(1 for name, _ in batches if name == "level1") == 2:
            raise Crash("worker killed")

    with pytest.raises(Crash):
        escalate_overdue(batch_size=3, after_claim=die_on_the_second_batch)
    # the first level-1 batch is complete (claim + events + outbox), the second one rolled back entirely
    assert Complaint.objects.filter(escalation_level=1).count() == 3
    assert step_counts().get("level1") == 3
    assert Outbox.objects.filter(template="escalated").count() == 3 * 2  # the head by e-mail and SMS

    escalate_overdue(batch_size=3)
    assert step_counts() == {"at_risk": 7, "response": 7, "level1": 7, "level2": 7, "level3": 7}
    assert Outbox.objects.filter(template="escalated", recipient="head@balagh.test").count() == 7
    assert Outbox.objects.filter(template="escalated", recipient="mayor@balagh.test").count() == 7


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_sweep_whose_database_connection_is_killed_half_way_then_rerun(town):
    """A real failure: the backend serving the sweep is terminated by the server in mid-transaction."""
    department, category, _ = town
    file_reports(category, 6)
    killer = connections.create_connection("default")
    seen = []

    def kill_my_backend(step, ids):
        seen.append(step.name)
        if step.name == "level2" and seen.count("level2") == 2:
            pid = connection.connection.info.backend_pid
            with killer.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

    try:
        with pytest.raises(Exception):  # noqa: B017 - whatever the dead connection raises
            escalate_overdue(batch_size=4, after_claim=kill_my_backend)
    finally:
        killer.close()
    connection.close()  # the dead connection; the next query reconnects
    done = step_counts()
    assert done["level1"] == 6 and done["level2"] == 4  # first level-2 batch committed, second rolled back
    escalate_overdue(batch_size=4)
    assert step_counts() == {"at_risk": 6, "response": 6, "level1": 6, "level2": 6, "level3": 6}
    assert Outbox.objects.filter(template="escalated", recipient="committee@balagh.test").count() == 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_moment_take_each_step_once(town):
    department, category, _ = town
    file_reports(category, 40)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            barrier.wait(timeout=10)
            results.append(escalate_overdue(batch_size=5))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    parallel = {k: sum(r[k] for r in results) for k in results[0]}
    # A row one sweep held (in another rung's transaction) while the other passed by is left for the
    # next beat; nothing is ever taken twice.
    follow_up = escalate_overdue(batch_size=5)
    total = {k: parallel[k] + follow_up[k] for k in parallel}
    assert total == {"at_risk": 40, "response": 40, "level1": 40, "level2": 40, "level3": 40}
    assert step_counts() == total
    assert not any(escalate_overdue().values())
    assert Outbox.objects.filter(template="escalated", recipient="mayor@balagh.test").count() == 40


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_report_locked_by_someone_else_is_not_pushed_past_a_rung(town):
    department, category, _ = town
    (c,) = file_reports(category, 1)
    other = connections.create_connection("default")
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute("SELECT id FROM complaints_complaint WHERE id = %s FOR UPDATE", [c.pk])
        counts = escalate_overdue()  # every rung skips the locked row; level 2 does not take it from level 0
        assert counts["level1"] == counts["level2"] == counts["level3"] == 0
        other.rollback()
    finally:
        other.close()
    assert Complaint.objects.get(pk=c.pk).escalation_level == 0
    assert escalate_overdue() == {"at_risk": 1, "response": 1, "level1": 1, "level2": 1, "level3": 1}


@pytest.mark.django_db
def test_with_level_1_switched_off_level_2_follows_level_0(town):

    department, category, _ = town
    (c,) = file_reports(category, 1)
    EscalationStep.objects.filter(trigger="resolution", level=1).update(active=False)
    counts = escalate_overdue()
    assert (counts["level1"], counts["level2"], counts["level3"]) == (0, 1, 1)
    assert Complaint.objects.get(pk=c.pk).escalation_level == 3


@pytest.mark.django_db
def test_the_at_risk_notice_goes_out_only_before_the_deadline(town):
    department, category, (head, committee, mayor, officer) = town
    (late,) = file_reports(category, 1)
    (on_time,) = file_reports(category, 1, when=FILED + timedelta(days=21))
    for report in (late, on_time):
        services.complaint_start(complaint=report, actor=officer)
        report.refresh_from_db()
    # The first is swept only after its deadline has passed (the sweep was stopped): no "approaching" notice.
    counts = escalate_overdue(now=late.resolution_due_at + timedelta(days=3))
    assert counts["at_risk"] == 1  # the step is done, once
    assert not Outbox.objects.filter(template="at_risk", complaint_id=late.pk).exists()
    assert Outbox.objects.filter(template="escalated", complaint_id=late.pk).exists()
    # The second is swept when it becomes at risk: its owner is warned.
    escalate_overdue(now=on_time.at_risk_at)
    assert Outbox.objects.filter(template="at_risk", complaint_id=on_time.pk).exists()
