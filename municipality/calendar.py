"""Working-time arithmetic over the municipality's week (``WorkingWeek``) and ``Holiday`` rows.

Only the hours inside a working day's window count: by default Sunday–Thursday,
08:00–16:00 Asia/Riyadh, minus public holidays. A report filed at 22:00 on a
Thursday starts its clock at 08:00 on Sunday.

    cal = business_calendar()
    due = cal.add(start, timedelta(hours=24))      # 3 working days of 8 hours
    spent = cal.between(held_since, resumed_at)   # working time between two instants
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from municipality.models import Holiday, WorkingWeek
from municipality.times import RIYADH

SUNDAY_TO_THURSDAY = (6, 0, 1, 2, 3)  # Python weekday numbers: Monday=0 … Sunday=6
DEFAULT_START = time(8, 0)
DEFAULT_END = time(16, 0)
_MAX_DAYS = 3660  # ten years: a guard against a calendar with no working day at all


class CalendarError(ValueError):
    pass


@dataclass(frozen=True)
class BusinessCalendar:
    days: frozenset[int] = frozenset(SUNDAY_TO_THURSDAY)
    start: time = DEFAULT_START
    end: time = DEFAULT_END
    holidays: frozenset[date] = field(default_factory=frozenset)
    tz: ZoneInfo = RIYADH

    def __post_init__(self) -> None:
        if not self.days:
            raise CalendarError("The working week has no working day.")
        if self.end <= self.start:
            raise CalendarError("A working day must end after it starts.")

    @property
    def day_length(self) -> timedelta:
        return datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self.holidays

    def window(self, day: date) -> tuple[datetime, datetime]:
        return datetime.combine(day, self.start, tzinfo=self.tz), datetime.combine(day, self.end, tzinfo=self.tz)

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The instant when ``amount`` of working time has passed since ``start``."""
        if amount <= timedelta(0):
            return start
        local = start.astimezone(self.tz)
        day, cursor, remaining = local.date(), local, amount
        for _ in range(_MAX_DAYS):
            if self.is_working_day(day):
                opens, closes = self.window(day)
                begin = max(cursor, opens)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += timedelta(days=1)
            cursor = datetime.combine(day, time.min, tzinfo=self.tz)
        raise CalendarError("No working time found within ten years.")

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Working time between two instants (zero when ``b`` is not after ``a``).

        The first and the last day are clipped to their windows; the whole days between count a
        working day each (:meth:`working_days_in`), so a span of years costs what a week does.
        """
        if b <= a:
            return timedelta(0)
        a, b = a.astimezone(self.tz), b.astimezone(self.tz)
        first, last = a.date(), b.date()
        total = self._clipped(first, a, b)
        if last > first:
            total += self._clipped(last, a, b)
            total += self.day_length * self.working_days_in(first + timedelta(days=1), last - timedelta(days=1))
        return total

    def _clipped(self, day: date, a: datetime, b: datetime) -> timedelta:
        """The part of ``day``'s working window between ``a`` and ``b``."""
        if not self.is_working_day(day):
            return timedelta(0)
        opens, closes = self.window(day)
        lo, hi = max(a, opens), min(b, closes)
        return hi - lo if hi > lo else timedelta(0)

    def working_days_in(self, first: date, last: date) -> int:
        """How many working days ``first`` … ``last`` (both included) holds: whole weeks at once."""
        if last < first:
            return 0
        span = (last - first).days + 1
        weeks, rest = divmod(span, 7)
        count = weeks * len(self.days)
        count += sum(1 for i in range(rest) if (first + timedelta(days=weeks * 7 + i)).weekday() in self.days)
        return count - sum(1 for h in self.holidays if first <= h <= last and h.weekday() in self.days)

    def working_days(self, n: float) -> timedelta:
        """``n`` working days as working time (1 day = the length of the working day)."""
        return self.day_length * n


def business_calendar(*, year_from: int | None = None) -> BusinessCalendar:
    """The calendar from the database: the first active working week and all holidays.

    Falls back to Sunday–Thursday 08:00–16:00 when no working week is configured.
    """

    tz = ZoneInfo(settings.TIME_ZONE)
    week = WorkingWeek.objects.filter(active=True).order_by("pk").first()
    holidays = Holiday.objects.all()
    if year_from is not None:
        holidays = holidays.filter(date__year__gte=year_from)
    dates = frozenset(holidays.values_list("date", flat=True))
    if week is None:
        return BusinessCalendar(holidays=dates, tz=tz)
    days = frozenset(int(d) for d in (week.days or SUNDAY_TO_THURSDAY))
    start = _as_time(week.start, DEFAULT_START)
    end = _as_time(week.end, DEFAULT_END)
    return BusinessCalendar(days=days, start=start, end=end, holidays=dates, tz=tz)


def _as_time(value, default: time) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str) and value:
        return time.fromisoformat(value)
    return default


# Official public holidays (Umm al-Qura dates). Eid al-Fitr: 1–4 Shawwal; Eid al-Adha: the Day
# of Arafah (9 Dhu al-Hijjah) and the three days after it.
SEED_HOLIDAYS: list[tuple[str, str, str]] = [
    ("2026-02-22", "يوم التأسيس", "Founding Day"),
    ("2026-03-20", "عيد الفطر", "Eid al-Fitr"),
    ("2026-03-21", "عيد الفطر", "Eid al-Fitr"),
    ("2026-03-22", "عيد الفطر", "Eid al-Fitr"),
    ("2026-03-23", "عيد الفطر", "Eid al-Fitr"),
    ("2026-05-26", "يوم عرفة", "Day of Arafah"),
    ("2026-05-27", "عيد الأضحى", "Eid al-Adha"),
    ("2026-05-28", "عيد الأضحى", "Eid al-Adha"),
    ("2026-05-29", "عيد الأضحى", "Eid al-Adha"),
    ("2026-09-23", "اليوم الوطني", "National Day"),
    ("2027-02-22", "يوم التأسيس", "Founding Day"),
    ("2027-03-09", "عيد الفطر", "Eid al-Fitr"),
    ("2027-03-10", "عيد الفطر", "Eid al-Fitr"),
    ("2027-03-11", "عيد الفطر", "Eid al-Fitr"),
    ("2027-03-12", "عيد الفطر", "Eid al-Fitr"),
    ("2027-05-15", "يوم عرفة", "Day of Arafah"),
    ("2027-05-16", "عيد الأضحى", "Eid al-Adha"),
    ("2027-05-17", "عيد الأضحى", "Eid al-Adha"),
    ("2027-05-18", "عيد الأضحى", "Eid al-Adha"),
    ("2027-09-23", "اليوم الوطني", "National Day"),
]


def seed_calendar(*, working_week_model=None, holiday_model=None) -> None:
    """Create the default working week and the 2026–2027 holidays; safe to run again.

    Takes the models as arguments so a data migration can pass its historical models.
    """
    if working_week_model is None or holiday_model is None:
        working_week_model, holiday_model = working_week_model or WorkingWeek, holiday_model or Holiday
    if not working_week_model.objects.exists():
        working_week_model.objects.create(
            name="Sunday–Thursday", days=list(SUNDAY_TO_THURSDAY), start=DEFAULT_START, end=DEFAULT_END, active=True
        )
    for iso, name_ar, name_en in SEED_HOLIDAYS:
        holiday_model.objects.get_or_create(date=date.fromisoformat(iso), defaults={"name_ar": name_ar, "name_en": name_en})
