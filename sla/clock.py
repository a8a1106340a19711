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

from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from complaints.workflow import Status
from municipality.calendar import BusinessCalendar, business_calendar
from sla.models import EscalationStep, PrioritySLA

# (clock, response hours, resolution hours) when the PrioritySLA table has no row.
DEFAULT_PRIORITY_TARGETS: dict[str, tuple[str, Decimal, Decimal]] = {
    "urgent": ("wall", Decimal("1"), Decimal("4")),
    "high": ("working", Decimal("4"), Decimal("8")),
    "normal": ("working", Decimal("8"), Decimal("24")),
    "low": ("working", Decimal("16"), Decimal("80")),
}
# (trigger, level) -> percent, when the EscalationStep table is empty (the seeded ladder).
DEFAULT_LADDER: dict[tuple[str, int], int] = {
    ("at_risk", 0): 75,
    ("resolution", 1): 100,
    ("resolution", 2): 150,
    ("resolution", 3): 200,
    ("response", 0): 100,
}
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
    """(trigger, level) -> percent for the active steps (at-risk and response: level 0)."""
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


def sla_fields(*, category, priority: str, start: datetime, calendar: BusinessCalendar | None = None) -> dict:
    """Every due time and threshold for a report whose clock starts at ``start``."""
    calendar = calendar or business_calendar()
    target = target_for(category=category, priority=priority)
    steps = ladder()

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


# --------------------------------------------------------------------------- display


def sla_state(complaint, now: datetime | None = None) -> str:
    """ "ok", "at_risk", "breached", "paused" or "none" (no clock, or finished)."""
    if complaint.status in (Status.RESOLVED, Status.CLOSED) or complaint.resolution_due_at is None:
        return "none"
    if complaint.status == Status.ON_HOLD:
        return "paused"
    now = now or timezone.now()
    if now >= complaint.resolution_due_at:
        return "breached"
    if complaint.at_risk_at and now >= complaint.at_risk_at:
        return "at_risk"
    return "ok"


def _humanize(delta: timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    return _("%(m)d min") % {"m": minutes}


def time_left_text(complaint, now: datetime | None = None) -> str:
    state = sla_state(complaint, now)
    if state == "none":
        return ""
    if state == "paused":
        return _("On hold (clock stopped)")
    left = complaint.resolution_due_at - (now or timezone.now())
    if state == "breached":
        return _("Overdue by %(time)s") % {"time": _humanize(left)}
    return _("%(time)s left") % {"time": _humanize(left)}


BADGE_COLOURS = {"ok": "#1b7f3b", "at_risk": "#b26a00", "breached": "#b3261e", "paused": "#5f6368"}


def time_left_badge(complaint, now: datetime | None = None) -> str:
    """An HTML badge for the admin: green (on time), amber (at risk), red (overdue), grey (on hold).

    Reads only fields of the row (no query), so a list column stays one query.
    """
    state = sla_state(complaint, now)
    if state == "none":
        return "—"
    return format_html(
        '<span class="sla-badge sla-{}" style="display:inline-block;padding:1px 8px;border-radius:10px;'
        'color:#fff;background:{};white-space:nowrap" title="{}">{}</span>',
        state,
        BADGE_COLOURS[state],
        timezone.localtime(complaint.resolution_due_at).strftime("%Y-%m-%d %H:%M"),
        time_left_text(complaint, now),
    )


def expected_by(complaint) -> datetime | None:
    """What the citizen sees as "expected by": the resolution due time while the report is open."""
    if complaint.status in (Status.RESOLVED, Status.CLOSED):
        return None
    return complaint.resolution_due_at
