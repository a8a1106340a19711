"""Counters come from the locked row, never from the caller's copy of the report."""

import pytest

from complaints import services
from complaints.models import Complaint, Event
from municipality.models import Role
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, make_user, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def report():
    DistrictFactory()
    return submit(CategoryFactory(default_department=DepartmentFactory(code="roads")))


def test_two_transfers_from_copies_read_at_the_same_moment_count_two(report):
    admin = make_user("boss", Role.ADMIN)
    first, second = Complaint.objects.get(pk=report.pk), Complaint.objects.get(pk=report.pk)
    services.complaint_transfer(complaint=first, actor=admin, department=DepartmentFactory(code="cleaning"), reason="Not ours")
    services.complaint_transfer(complaint=second, actor=admin, department=DepartmentFactory(code="parks"), reason="Parks")
    report.refresh_from_db()
    assert report.events.filter(kind=Event.Kind.TRANSFERRED).count() == 2
    assert report.transfer_count == 2


def test_a_second_reopen_from_an_old_copy_counts_two(report):
    officer = make_user("officer", Role.OFFICER, department=report.department)
    services.complaint_start(complaint=report, actor=officer)
    services.complaint_resolve(complaint=report, actor=officer, note="Filled")
    stale = Complaint.objects.get(pk=report.pk)
    services.complaint_reopen(complaint=report, actor=None, reason="Still a hole")
    services.complaint_resolve(complaint=Complaint.objects.get(pk=report.pk), actor=officer, note="Filled again")
    services.complaint_reopen(complaint=stale, actor=None, reason="Still a hole, again")
    report.refresh_from_db()
    assert report.events.filter(kind=Event.Kind.REOPENED).count() == 2
    assert report.reopen_count == 2
