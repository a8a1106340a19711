"""Working-time arithmetic on fixed datetimes: weekends, holidays, evenings, overnight."""

from datetime import date, datetime, time, timedelta

import pytest

from municipality.calendar import BusinessCalendar, CalendarError, business_calendar
from municipality.models import Holiday, WorkingWeek
from municipality.times import RIYADH

H = timedelta(hours=1)


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=RIYADH)


CAL = BusinessCalendar()  # Sunday–Thursday 08:00–16:00, no holidays


def test_inside_one_working_day():
    # Sunday 2026-11-01 09:00 + 3 h = 12:00 the same day
    assert CAL.add(at(2026, 11, 1, 9), 3 * H) == at(2026, 11, 1, 12)


def test_the_rest_carries_over_to_the_next_morning():
    # Sunday 14:00 + 4 h: 2 h on Sunday, 2 h on Monday from 08:00
    assert CAL.add(at(2026, 11, 1, 14), 4 * H) == at(2026, 11, 2, 10)


def test_a_report_filed_in_the_evening_starts_next_morning():
    # Monday 22:30 + 1 h -> Tuesday 09:00 (overnight does not count)
    assert CAL.add(at(2026, 11, 2, 22, 30), H) == at(2026, 11, 3, 9)


def test_a_thursday_afternoon_report_skips_the_weekend():
    # Thursday 2026-11-05 15:00 + 3 h: 1 h Thursday, then Friday and Saturday off, 2 h on Sunday
    assert CAL.add(at(2026, 11, 5, 15), 3 * H) == at(2026, 11, 8, 10)


def test_friday_filed_report_starts_sunday():
    assert CAL.add(at(2026, 11, 6, 11), 8 * H) == at(2026, 11, 8, 16)


def test_three_working_days():
    # Sunday 08:00 + 24 working hours = Tuesday 16:00
    assert CAL.add(at(2026, 11, 1, 8), CAL.working_days(3)) == at(2026, 11, 3, 16)


def test_holidays_do_not_count():
    cal = BusinessCalendar(holidays=frozenset({date(2026, 9, 23)}))  # National Day, a Wednesday
    # Tuesday 2026-09-22 12:00 + 8 h: 4 h Tuesday, Wednesday off, 4 h Thursday
    assert cal.add(at(2026, 9, 22, 12), 8 * H) == at(2026, 9, 24, 12)


def test_eid_holidays_from_the_database_push_the_due_time(db):
    cal = business_calendar()  # seeded: Eid al-Adha 2026 is 26–29 May (Tuesday–Friday)
    assert date(2026, 5, 27) in cal.holidays and date(2026, 3, 20) in cal.holidays and date(2027, 2, 22) in cal.holidays
    # Monday 25 May 15:00 + 2 h: 1 h Monday, Tue–Thu are Eid, Fri–Sat weekend, 1 h Sunday 31 May
    assert cal.add(at(2026, 5, 25, 15), 2 * H) == at(2026, 5, 31, 9)


def test_between_counts_only_working_time():
    # Thursday 15:00 to Sunday 09:00: 1 h + 1 h
    assert CAL.between(at(2026, 11, 5, 15), at(2026, 11, 8, 9)) == 2 * H
    assert CAL.between(at(2026, 11, 8, 9), at(2026, 11, 5, 15)) == timedelta(0)
    # a whole weekend evening to morning: nothing
    assert CAL.between(at(2026, 11, 5, 17), at(2026, 11, 8, 7)) == timedelta(0)


def test_add_and_between_agree():
    start = at(2026, 11, 3, 13, 17)
    for hours in (0.5, 3, 8, 17, 80):
        end = CAL.add(start, timedelta(hours=hours))
        assert CAL.between(start, end) == timedelta(hours=hours)


def test_the_working_week_in_the_admin_is_used(db):
    WorkingWeek.objects.all().delete()
    WorkingWeek.objects.create(name="Ramadan hours", days=[6, 0, 1, 2, 3], start=time(10), end=time(15))
    Holiday.objects.all().delete()
    cal = business_calendar()
    assert cal.day_length == 5 * H
    assert cal.add(at(2026, 11, 1, 9), 6 * H) == at(2026, 11, 2, 11)


def test_a_calendar_without_working_days_is_refused():
    with pytest.raises(CalendarError):
        BusinessCalendar(days=frozenset())
    with pytest.raises(CalendarError):
        BusinessCalendar(start=time(16), end=time(8))


def _between_day_by_day(cal: BusinessCalendar, a: datetime, b: datetime) -> timedelta:
    """The definition: every day's window clipped to [a, b], one day at a time."""
    if b <= a:
        return timedelta(0)
    a, b = a.astimezone(cal.tz), b.astimezone(cal.tz)
    total, day = timedelta(0), a.date()
    while day <= b.date():
        if cal.is_working_day(day):
            opens, closes = cal.window(day)
            lo, hi = max(a, opens), min(b, closes)
            total += max(hi - lo, timedelta(0))
        day += timedelta(days=1)
    return total


@pytest.mark.parametrize(
    "cal",
    [
        CAL,
        BusinessCalendar(holidays=frozenset({date(2026, 3, 19), date(2026, 3, 22), date(2026, 6, 5), date(2027, 1, 1)})),
        BusinessCalendar(days=frozenset({0, 2, 5}), start=time(7, 30), end=time(19, 0), holidays=frozenset({date(2026, 9, 23)})),
    ],
    ids=["Sunday-Thursday", "with holidays", "three days 07:30-19:00"],
)
def test_working_time_over_spans_of_days_to_years_is_the_day_by_day_sum(cal):
    """The dashboard's overdue list measures reports overdue for years: whole weeks are counted at once, and
    every span (inside a day, across weekends and holidays, evenings, years) gives the day-by-day figure."""
    import random

    rng = random.Random(7)
    start = at(2025, 12, 28)
    for _ in range(600):
        a = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 500))
        b = a + timedelta(
            minutes=rng.choice([rng.randrange(0, 600), rng.randrange(0, 60 * 24 * 20), rng.randrange(0, 60 * 24 * 900)])
        )
        assert cal.between(a, b) == _between_day_by_day(cal, a, b), (a, b)
    assert cal.between(at(2026, 1, 4, 8), at(2027, 1, 3, 8)) == _between_day_by_day(cal, at(2026, 1, 4, 8), at(2027, 1, 3, 8))
