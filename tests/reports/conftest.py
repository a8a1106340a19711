"""A small, hand-computed week of reports (see ``week_fixture``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from complaints import services
from complaints.models import Complaint, Event
from reports.kpis import Period
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, MainCategoryFactory, make_user, submit

WEEK = date(2026, 11, 1)  # a Sunday
PERIOD = Period.week(WEEK)
S = PERIOD.start


def at(days: float):
    return S + timedelta(days=days)


@dataclass
class WeekData:
    dept1: object
    dept2: object
    cat1: object
    cat2: object
    admin: object
    c: dict = field(default_factory=dict)


@pytest.fixture(autouse=True)
def _empty_cache():
    """The dashboard caches its figures; every test starts without them."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def place(complaint, **fields):
    Complaint.objects.filter(pk=complaint.pk).update(**fields)


@pytest.fixture
def week_data(db) -> WeekData:
    """Ten reports around the week of Sunday 1 November 2026 (Asia/Riyadh).

    ======  =========================================================  =========
    report  story                                                      dept
    ======  =========================================================  =========
    A       received S+1, resolved S+2 (due S+4), closed S+3, rated 5   1
    B       received S+1, resolved S+6 (due S+4: late), rated 2         2
    C       received S+2, resolved, reopened, resolved S+4 (due S+5),   1
            closed S+5, rated 4
    D       received S+2, closed as a duplicate of A                    1
    E       received S+0.5, on hold 3 days so due S+3.5 → S+6.5,        1
            resolved S+6, closed S+6.2
    F       received S+1, still open, due S+4: overdue at week end      2
    G       received S+6, transferred 1 → 2 at S+6.5, open, due S+9     2
    H       received S-3 (last week), resolved+closed S+1, due S+0      1
    I       received S+5, resolved+closed S+8 (next week), due S+8      1
    J       received S+3, resolved S+3 (awaiting the citizen)           1
    ======  =========================================================  =========
    """
    dept1, dept2 = DepartmentFactory(code="roads"), DepartmentFactory(code="cleaning")
    DistrictFactory(code="centre")
    cat1 = CategoryFactory(code="pothole", parent=MainCategoryFactory(code="roads-main"), default_department=dept1)
    cat2 = CategoryFactory(code="garbage", parent=MainCategoryFactory(code="cleaning-main"), default_department=dept2)
    admin = make_user("boss", superuser=True)
    d = WeekData(dept1=dept1, dept2=dept2, cat1=cat1, cat2=cat2, admin=admin)
    cat_of = {"B": cat2, "F": cat2, "G": cat1}
    for name in "ABCDEFGHIJ":
        d.c[name] = submit(cat_of.get(name, cat1), phone=f"05012345{ord(name) - 60:02d}")

    def resolve(name, close=True, reason="fixed", note=""):
        c = services.complaint_resolve(complaint=d.c[name], actor=admin, note="تم إصلاح المشكلة")
        if close:
            c = services.complaint_close(complaint=c, actor=admin, reason=reason, note=note)
        d.c[name] = c
        return c

    # Ratings must be given while the report is resolved and recent (real clock), so before we move time.
    for name, rating in (("A", 5), ("B", 2)):
        resolve(name, close=False)
        services.complaint_rate(complaint=d.c[name], rating=rating)
        d.c[name] = services.complaint_close(complaint=d.c[name], actor=admin, reason="fixed")
    resolve("C")
    d.c["C"] = services.complaint_reopen(complaint=d.c["C"], actor=admin, reason="ما زالت الحفرة موجودة")
    d.c["C"] = services.complaint_resolve(complaint=d.c["C"], actor=admin, note="أعيد الإصلاح")
    services.complaint_rate(complaint=d.c["C"], rating=4)
    d.c["C"] = services.complaint_close(complaint=d.c["C"], actor=admin, reason="fixed")
    services.complaint_close(complaint=d.c["D"], actor=admin, reason="duplicate", note="مكرر")
    e = services.complaint_start(complaint=d.c["E"], actor=admin)
    e = services.complaint_hold(complaint=e, actor=admin, reason="بانتظار قطعة غيار")
    e = services.complaint_resume(complaint=e, actor=admin)
    d.c["E"] = e
    resolve("E")
    services.complaint_transfer(complaint=d.c["G"], actor=admin, department=dept2, reason="من اختصاص النظافة")
    resolve("H")
    resolve("I")
    resolve("J", close=False)

    # Now place everything in time.
    timeline = {
        "A": (1, 2, 3, 4),
        "B": (1, 6, 6, 4),
        "C": (2, 4, 5, 5),
        "D": (2, None, 2, 5),
        "E": (0.5, 6, 6.2, 6.5),
        "F": (1, None, None, 4),
        "G": (6, None, None, 9),
        "H": (-3, 1, 1, 0),
        "I": (5, 8, 8, 8),
        "J": (3, 3, None, 6),
    }
    for name, (created, resolved, closed, due) in timeline.items():
        place(
            d.c[name],
            created_at=at(created),
            resolved_at=at(resolved) if resolved is not None else None,
            closed_at=at(closed) if closed is not None else None,
            resolution_due_at=at(due),
            response_due_at=at(created + 1),
            first_response_at=None,
        )
        Event.objects.filter(complaint=d.c[name]).update(created_at=at(created))
    for name, hours in {"A": 2, "B": 30, "C": 1, "E": 1, "J": 3}.items():
        place(d.c[name], first_response_at=at(timeline[name][0]) + timedelta(hours=hours))
    for name, days in {"A": 3, "B": 6, "C": 5}.items():
        place(d.c[name], rated_at=at(days))
    place(d.c["D"], duplicate_of=d.c["A"])
    Event.objects.filter(complaint=d.c["G"], kind=Event.Kind.TRANSFERRED).update(created_at=at(6.5))
    for c in d.c.values():
        c.refresh_from_db()
    return d
