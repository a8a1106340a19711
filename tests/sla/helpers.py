"""Shared by the SLA tests: a department with its staff, and reports filed through the services."""

from datetime import datetime

from complaints.models import Event
from complaints.services import Submission, complaint_submit
from municipality.models import Role, StaffProfile
from municipality.times import RIYADH
from tests.factories import make_user

FILED = datetime(2026, 10, 4, 8, 0, tzinfo=RIYADH)  # a Sunday, long past: every rung is due now


def staff(department):
    head = make_user("head", Role.HEAD, department=department)
    head.email = "head@balagh.test"
    head.save(update_fields=["email"])
    StaffProfile.objects.filter(user=head).update(phone="+966500000001")
    committee = make_user("committee", Role.COMMITTEE)
    committee.email = "committee@balagh.test"
    committee.save(update_fields=["email"])
    mayor = make_user("mayor", Role.MAYOR)
    mayor.email = "mayor@balagh.test"
    mayor.save(update_fields=["email"])
    officer = make_user("officer", Role.OFFICER, department=department)
    officer.email = "officer@balagh.test"
    officer.save(update_fields=["email"])
    return head, committee, mayor, officer


def file_reports(category, n, when=FILED):
    return [
        complaint_submit(
            submission=Submission(
                category=category, description="حاوية نفايات ممتلئة منذ أيام", lat=18.30, lon=42.73, reporter_phone="0501234567"
            ),
            at=when,
        )
        for _ in range(n)
    ]


def step_counts():
    counts = {}
    for _kind, data in Event.objects.filter(kind__in=["at_risk", "escalated"]).values_list("kind", "data"):
        counts[data["step"]] = counts.get(data["step"], 0) + 1
    return counts
