"""Overdue lists: reports on hold show as on hold (their clock stopped), and the order is working time overdue."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from complaints.models import Complaint
from complaints.workflow import Status
from municipality.models import Role
from reports import kpis
from reports.kpis import RIYADH
from tests.factories import CategoryFactory, make_user, submit

pytestmark = pytest.mark.django_db
AS_OF = datetime(2026, 11, 5, 12, 0, tzinfo=RIYADH)  # a Thursday noon
PERIOD = kpis.Period.for_dates(date(2026, 11, 1), date(2026, 11, 5))


def report(*, due, on_hold_since=None):
    c = submit(CategoryFactory())
    Complaint.objects.filter(pk=c.pk).update(
        created_at=datetime(2026, 10, 20, 9, 0, tzinfo=RIYADH),
        resolution_due_at=due,
        status=Status.ON_HOLD if on_hold_since else Status.IN_PROGRESS,
        on_hold_since=on_hold_since,
    )
    return c


def test_order_is_working_time_overdue_and_holds_are_marked():
    over_weekend = report(due=datetime(2026, 10, 29, 15, 0, tzinfo=RIYADH))  # Thu 15:00: 1 + 4×8 + 4 = 37 working hours
    yesterday = report(due=datetime(2026, 11, 4, 12, 0, tzinfo=RIYADH))  # Wed 12:00: 8 working hours
    held_late = report(  # late 6 working hours when it went on hold on Tuesday noon
        due=datetime(2026, 11, 2, 14, 0, tzinfo=RIYADH), on_hold_since=datetime(2026, 11, 3, 12, 0, tzinfo=RIYADH)
    )
    held_in_time = report(  # went on hold before its deadline: its clock stopped in time
        due=datetime(2026, 11, 3, 10, 0, tzinfo=RIYADH), on_hold_since=datetime(2026, 11, 2, 10, 0, tzinfo=RIYADH)
    )
    rows = kpis.overdue_list(period=PERIOD, now=AS_OF)
    assert [r["id"] for r in rows] == [over_weekend.pk, yesterday.pk, held_late.pk]
    assert [r["overdue_hours"] for r in rows] == [37.0, 8.0, 6.0]
    assert [r["on_hold"] for r in rows] == [False, False, True]
    assert rows[0]["overdue_working_days"] == 4.6
    assert held_in_time.pk not in {r["id"] for r in rows}


def test_the_overdue_page_says_on_hold_in_words(client):

    report(due=datetime(2026, 11, 2, 14, 0, tzinfo=RIYADH), on_hold_since=datetime(2026, 11, 3, 12, 0, tzinfo=RIYADH))
    client.force_login(make_user("chair", Role.COMMITTEE))
    page = client.get("/reports/overdue/", {"date_from": "2026-11-01", "date_to": "2026-11-05"}).content.decode()
    assert "معلق: الساعة متوقفة" in page
