"""The SLA clock on real reports: set at routing, priority table, transfers, priority changes, on-hold pauses."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from complaints import services
from complaints.models import Complaint
from complaints.selectors import clock_state
from complaints.services import Submission, complaint_submit
from complaints.workflow import Status
from municipality.calendar import business_calendar
from municipality.models import Department, Role
from municipality.times import RIYADH
from sla import clock as sla
from sla.models import EscalationStep, PrioritySLA
from tests.factories import CategoryFactory, DepartmentFactory, make_user

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=RIYADH)


@pytest.fixture
def category():
    # "3 working days" for a normal report: 24 working hours; response 1 working day.
    return CategoryFactory(response_hours=8, resolution_hours=24)


def file_at(category, when, **kwargs):

    sub = Submission(
        category=category, description="عمود إنارة مطفأ منذ أسبوع", lat=18.30, lon=42.73, reporter_phone="0501234567", **kwargs
    )
    return complaint_submit(submission=sub, at=when)


def test_due_times_are_set_at_routing_on_working_hours(category):
    # Thursday 2026-11-05 14:00: 2 h Thursday, weekend, 8 h Sunday, 8 h Monday, 6 h Tuesday
    c = file_at(category, at(2026, 11, 5, 14))
    assert c.status == Status.ASSIGNED
    assert c.resolution_due_at == at(2026, 11, 10, 14)
    assert c.response_due_at == at(2026, 11, 8, 14)  # 8 working hours
    # the ladder: 75 % -> 18 working hours; 150 % -> 36; 200 % -> 48
    assert c.at_risk_at == at(2026, 11, 9, 16)
    assert c.escalate_l1_at == c.resolution_due_at
    assert c.escalate_l2_at == at(2026, 11, 12, 10)
    assert c.escalate_l3_at == at(2026, 11, 15, 14)
    assert c.response_alert_at == c.response_due_at


def test_priority_table_scales_the_category_targets(category):
    high = file_at(category, at(2026, 11, 1, 8), priority="high")  # 1 working day
    low = file_at(category, at(2026, 11, 1, 8), priority="low")  # 10 working days
    assert high.resolution_due_at == at(2026, 11, 1, 16)
    assert low.resolution_due_at == at(2026, 11, 12, 16)  # two weeks of Sunday–Thursday


def test_urgent_counts_wall_clock_hours_around_the_clock(category):
    # Friday 23:00 (weekend, night): urgent is 4 hours, 24/7
    c = file_at(category, at(2026, 11, 6, 23), priority="urgent")
    assert c.resolution_due_at == at(2026, 11, 7, 3)
    assert c.response_due_at == at(2026, 11, 7, 0)
    assert c.at_risk_at == at(2026, 11, 7, 2)


def test_the_table_in_the_admin_changes_new_reports(category):
    PrioritySLA.objects.filter(priority="normal").update(resolution_hours=Decimal("16"))
    c = file_at(category, at(2026, 11, 1, 8))
    # the category's 24 h × (16 / 16): the category target is for a normal report
    assert c.resolution_due_at == at(2026, 11, 3, 16)
    PrioritySLA.objects.filter(priority="high").update(resolution_hours=Decimal("4"))
    high = file_at(category, at(2026, 11, 1, 8), priority="high")
    assert high.resolution_due_at == at(2026, 11, 1, 8) + 6 * H  # 24 × 4 / 16 = 6 working hours


def test_a_holiday_moves_the_due_time(category):
    # Monday 2026-09-21 08:00: Monday, Tuesday, National Day (Wednesday 23 Sep) off, Thursday
    c = file_at(category, at(2026, 9, 21, 8))
    assert c.resolution_due_at == at(2026, 9, 24, 16)


def test_priority_change_recomputes_from_the_routing_time(category):
    department = category.default_department
    officer = make_user("officer", Role.OFFICER, department=department)
    c = file_at(category, at(2026, 11, 1, 8))
    services.complaint_set_priority(complaint=c, actor=officer, priority="high")
    c.refresh_from_db()
    assert c.resolution_due_at == at(2026, 11, 1, 16)
    assert c.escalate_l3_at == at(2026, 11, 2, 16)  # 200 % of one working day


def test_transfer_restarts_the_clock_and_the_ladder(category):
    department = category.default_department
    other = DepartmentFactory()
    officer = make_user("officer", Role.OFFICER, department=department)
    c = file_at(category, at(2026, 11, 1, 8))
    Complaint.objects.filter(pk=c.pk).update(escalation_level=2, at_risk_notified_at=timezone.now())
    before = timezone.now()
    services.complaint_transfer(complaint=c, actor=officer, department=other, reason="Not ours: a water leak")
    c.refresh_from_db()
    cal = business_calendar()
    assert c.department == other
    assert c.escalation_level == 0 and c.at_risk_notified_at is None
    assert cal.add(before, 24 * H) <= c.resolution_due_at <= cal.add(timezone.now(), 24 * H)


def test_on_hold_pushes_every_threshold_back_by_the_working_time_on_hold(category):
    department = category.default_department
    officer = make_user("officer", Role.OFFICER, department=department)
    c = file_at(category, at(2026, 11, 1, 8))
    services.complaint_start(complaint=c, actor=officer)
    services.complaint_hold(complaint=c, actor=officer, reason="Waiting for the contractor")
    # On hold since Thursday 2026-11-19 15:00 (a fixed instant in the past).
    since = at(2026, 11, 19, 15)
    Complaint.objects.filter(pk=c.pk).update(on_hold_since=since)
    c.refresh_from_db()
    old = {name: getattr(c, name) for name in sla.THRESHOLD_FIELDS + ("resolution_due_at",)}
    t0 = timezone.now()
    services.complaint_resume(complaint=c, actor=officer)
    t1 = timezone.now()
    c.refresh_from_db()
    cal = business_calendar()
    assert c.on_hold_since is None and c.status == Status.IN_PROGRESS
    paused_low, paused_high = cal.between(since, t0), cal.between(since, t1)
    assert paused_low >= 2 * H  # at least Thursday 15–16 and Sunday 08–09 counted, not the weekend
    for name, value in old.items():
        if name == "response_alert_at":
            assert c.response_alert_at == value  # already responded: the response clock is over
            continue
        assert cal.add(value, paused_low) <= getattr(c, name) <= cal.add(value, paused_high), name


def test_hold_pushback_with_fixed_instants(category):
    c = file_at(category, at(2026, 11, 1, 8))
    c.on_hold_since = at(2026, 11, 2, 15)  # Monday 15:00
    # resumed Wednesday 10:00: 1 h Monday + 8 h Tuesday + 2 h Wednesday = 11 working hours
    updates = sla.hold_pushback(c, now=at(2026, 11, 4, 10))
    assert updates["resolution_due_at"] == at(2026, 11, 5, 11)  # Tuesday 16:00 + 11 working hours
    assert updates["on_hold_since"] is None


def test_urgent_hold_pushes_back_wall_clock_time(category):
    c = file_at(category, at(2026, 11, 6, 23), priority="urgent")
    c.on_hold_since = at(2026, 11, 7, 1)
    updates = sla.hold_pushback(c, now=at(2026, 11, 7, 1, 30))
    assert updates["resolution_due_at"] == at(2026, 11, 7, 3, 30)


def test_an_inactive_ladder_step_leaves_its_threshold_empty(category):
    EscalationStep.objects.filter(trigger="resolution", level=3).update(active=False)
    c = file_at(category, at(2026, 11, 1, 8))
    assert c.escalate_l3_at is None and c.escalate_l2_at is not None


def test_reports_for_the_triage_queue_get_their_clock_too():

    category = CategoryFactory(default_department=None, parent__default_department=None, response_hours=8, resolution_hours=24)
    triage = Department.objects.create(code="triage", name_ar="الفرز", is_triage=True)
    agent = make_user("agent", Role.AGENT)
    c = file_at(category, at(2026, 11, 1, 8))
    if c.status == Status.NEW:  # unowned: the clock starts when an agent assigns it
        services.complaint_assign(complaint=c, actor=agent, department=triage)
        c.refresh_from_db()
    assert c.resolution_due_at is not None and c.escalate_l1_at is not None


def test_the_admin_colours_follow_the_clock_written_on_the_report():

    now = at(2026, 11, 3, 12)
    c = Complaint(status=Status.IN_PROGRESS, resolution_due_at=now + 10 * H, at_risk_at=now + 2 * H)
    assert clock_state(c, now) == "ok"
    assert clock_state(c, now + 3 * H) == "at_risk"
    assert clock_state(c, now + 11 * H) == "breached"
    c.status = Status.ON_HOLD
    assert clock_state(c, now) == "paused"
    c.status = Status.CLOSED
    assert clock_state(c, now) == "none"
