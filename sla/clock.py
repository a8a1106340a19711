"""The SLA clock: due times and escalation thresholds on the municipality's working hours.

How the targets combine (docs/sla.md):

* A category's ``response_hours`` / ``resolution_hours`` are its targets for a
  **normal**-priority report, counted in **working hours** (8 a day, Sunday–Thursday).
* The priority table (``PrioritySLA``, in the admin) scales them: a working-hours
  priority multiplies the category's targets by ``its target ÷ the normal row's
  target`` (defaults: high 1 working day, normal 3, low 10 — so high is ⅓ and low
  10⁄3 of the category's targets). A wall-clock priority (urgent, default 4 hours)
  uses its own targets for every category and counts 24/7.
* The ladder's thresholds (at-risk 75 %, level 1 at 100 %, level 2 at 150 %,
  level 3 at 200 % of the resolution time; the response alert at 100 % of the
  response time) come from the active ``sla.EscalationStep`` rows and are
  stored on the report, so the sweep is plain indexed SQL.
* Time ``on_hold`` does not count: on resume every threshold moves later by the
  working time (wall-clock for urgent) spent on hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection

from municipality.cache import VersionedCache
from municipality.calendar import BusinessCalendar, business_calendar
from municipality.models import Holiday, WorkingWeek
from sla.ladder import STEPS
from sla.models import EscalationStep, PrioritySLA

# (clock, response hours, resolution hours) when the PrioritySLA table has no row.
DEFAULT_PRIORITY_TARGETS: dict[str, tuple[str, Decimal, Decimal]] = {
    "urgent": ("wall", Decimal("1"), Decimal("4")),
    "high": ("working", Decimal("4"), Decimal("8")),
    "normal": ("working", Decimal("8"), Decimal("24")),
    "low": ("working", Decimal("16"), Decimal("80")),
}
# (trigger, level) -> percent, when the EscalationStep table is empty: the steps' own defaults.
DEFAULT_LADDER: dict[tuple[str, int], int] = {(str(step.trigger), step.level): step.default_percent for step in STEPS}
THRESHOLD_FIELDS = ("at_risk_at", "escalate_l1_at", "escalate_l2_at", "escalate_l3_at", "response_alert_at")
DUE_FIELDS = ("response_due_at", "resolution_due_at", *THRESHOLD_FIELDS)


@dataclass(frozen=True)
class Target:
    wall_clock: bool
    response: timedelta
    resolution: timedelta


def priority_targets() -> dict[str, tuple[str, Decimal, Decimal]]:
    table = dict(DEFAULT_PRIORITY_TARGETS)
    for row in PrioritySLA.objects.all():
        table[row.priority] = (row.clock, Decimal(row.response_hours), Decimal(row.resolution_hours))
    return table


def target_for(*, category, priority: str, table: dict | None = None) -> Target:
    table = table or priority_targets()
    clock, response_h, resolution_h = table.get(priority, table["normal"])
    if clock == "wall":
        return Target(True, timedelta(hours=float(response_h)), timedelta(hours=float(resolution_h)))
    _, normal_response, normal_resolution = table["normal"]
    response = Decimal(category.response_hours) * response_h / normal_response
    resolution = Decimal(category.resolution_hours) * resolution_h / normal_resolution
    return Target(False, timedelta(hours=float(response)), timedelta(hours=float(resolution)))


def ladder() -> dict[tuple[str, int], int]:
    """(trigger, level) -> percent for the active steps (at-risk and response: level 0).

    A warning is read by its trigger whatever the row's level: a database upgraded from when rows
    were unique by (trigger, percent) may hold several at-risk or response rows at other levels, and
    the lowest active percent wins (``sla.sweep._active_audiences`` reads the same row).
    """
    rows = list(EscalationStep.objects.filter(active=True).values_list("trigger", "level", "percent"))
    if not rows and not EscalationStep.objects.exists():
        return dict(DEFAULT_LADDER)
    steps: dict[tuple[str, int], int] = {}
    for trigger, level, percent in rows:
        key = (trigger, level if trigger == "resolution" else 0)
        steps[key] = min(percent, steps.get(key, percent))
    return steps


def _advance(start: datetime, amount: timedelta, *, wall_clock: bool, calendar: BusinessCalendar | None) -> datetime:
    """``amount`` after ``start``: wall-clock time, or working time of ``calendar`` (the municipality's by default)."""
    return start + amount if wall_clock else (calendar or business_calendar()).add(start, amount)


@dataclass(frozen=True)
class ClockSettings:
    """What every due time reads besides the category: the priority table, the ladder and the calendar."""

    table: dict[str, tuple[str, Decimal, Decimal]]
    steps: dict[tuple[str, int], int]
    calendar: BusinessCalendar


def _settings_version() -> tuple:
    """The four small tables behind :class:`ClockSettings`, as text, in one query."""
    q = connection.ops.quote_name
    parts = []
    for tag, model, columns in (
        ("p", PrioritySLA, ("priority", "clock", "response_hours", "resolution_hours")),
        ("e", EscalationStep, ("trigger", "level", "percent", "active")),
        ("w", WorkingWeek, ("days", "start", "end", "active")),
        ("h", Holiday, ("date", "id", "id", "id")),
    ):
        names = [model._meta.get_field(c).column or c for c in columns]  # type: ignore[union-attr]
        cast = ", ".join(f"CAST({q(n)} AS TEXT)" for n in names)
        parts.append(f"SELECT '{tag}', CAST(id AS TEXT), {cast} FROM {q(model._meta.db_table)}")
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return tuple(sorted(tuple(str(v) for v in row) for row in cursor.fetchall()))


_settings: VersionedCache[ClockSettings] = VersionedCache(
    version=_settings_version,
    build=lambda _version: ClockSettings(priority_targets(), ladder(), business_calendar()),
)


def clock_settings() -> ClockSettings:
    """The clock's settings, read once per process and re-read when an administrator changes them
    (one fingerprint query at most every ``BALAGH_ROUTING_RECHECK_SECONDS``, as the routing rules)."""
    return _settings.get()


def sla_fields(*, category, priority: str, start: datetime, calendar: BusinessCalendar | None = None) -> dict:
    """Every due time and threshold for a report whose clock starts at ``start``."""
    current = clock_settings()
    calendar = calendar or current.calendar
    target = target_for(category=category, priority=priority, table=current.table)
    steps = current.steps

    def at(total: timedelta, percent: int | None) -> datetime | None:
        if percent is None:
            return None
        return _advance(start, total * percent / 100, wall_clock=target.wall_clock, calendar=calendar)

    return {
        "response_due_at": at(target.response, 100),
        "resolution_due_at": at(target.resolution, 100),
        "at_risk_at": at(target.resolution, steps.get(("at_risk", 0))),
        "escalate_l1_at": at(target.resolution, steps.get(("resolution", 1))),
        "escalate_l2_at": at(target.resolution, steps.get(("resolution", 2))),
        "escalate_l3_at": at(target.resolution, steps.get(("resolution", 3))),
        "response_alert_at": at(target.response, steps.get(("response", 0))),
    }


def reset_fields() -> dict:
    """A new owner starts a fresh ladder (transfer)."""
    return {"escalation_level": 0, "at_risk_notified_at": None, "response_alerted_at": None}


def hold_pushback(complaint, *, now: datetime, calendar: BusinessCalendar | None = None) -> dict:
    """Field updates that move every threshold later by the time spent on hold.

    Working time for working-hours priorities, wall-clock time for urgent ones.
    """
    updates: dict = {"on_hold_since": None}
    since = complaint.on_hold_since
    if since is None:
        return updates
    wall_clock = target_for(category=complaint.category, priority=complaint.priority).wall_clock
    if wall_clock:
        paused = now - since
    else:
        calendar = calendar or business_calendar()
        paused = calendar.between(since, now)
    if paused <= timedelta(0):
        return updates
    for name in DUE_FIELDS:
        if name in ("response_due_at", "response_alert_at") and complaint.first_response_at:
            continue
        value = getattr(complaint, name)
        if value is not None:
            updates[name] = _advance(value, paused, wall_clock=wall_clock, calendar=calendar)
    return updates
