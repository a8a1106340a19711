"""The one status map between Balagh and Open311.

``status`` in GeoReport v2 is ``open`` or ``closed``; FixMyStreet's updates carry an extended
status. A resolved report counts as ``closed`` (the work is done; the citizen may still reopen
it, which makes it ``open`` again). The ``status=`` filter of ``GET requests`` is derived from
this table, so what a report shows and what the filter finds never disagree.
"""

from __future__ import annotations

from complaints.workflow import ClosureReason, Status

OPEN, CLOSED = "open", "closed"

# Balagh status -> (GeoReport v2 status, FixMyStreet extended status)
STATUS_MAP: dict[str, tuple[str, str]] = {
    Status.NEW: (OPEN, "OPEN"),
    Status.ASSIGNED: (OPEN, "INVESTIGATING"),
    Status.IN_PROGRESS: (OPEN, "IN_PROGRESS"),
    Status.ON_HOLD: (OPEN, "ACTION_SCHEDULED"),
    Status.RESOLVED: (CLOSED, "FIXED"),
    Status.CLOSED: (CLOSED, "CLOSED"),
}

# A closed report's extended status says why it was closed.
CLOSURE_MAP: dict[str, str] = {
    ClosureReason.FIXED: "FIXED",
    ClosureReason.DUPLICATE: "DUPLICATE",
    ClosureReason.NOT_VALID: "NO_FURTHER_ACTION",
    ClosureReason.OUT_OF_JURISDICTION: "NOT_COUNCILS_RESPONSIBILITY",
    ClosureReason.CANNOT_FIX: "NO_FURTHER_ACTION",
}


def open311_status(status: str) -> str:
    return STATUS_MAP[status][0]


def extended_status(status: str, closure_reason: str = "") -> str:
    if status == Status.CLOSED and closure_reason in CLOSURE_MAP:
        return CLOSURE_MAP[closure_reason]
    return STATUS_MAP[status][1]


def statuses_for(open311_statuses: set[str]) -> list[str]:
    """The Balagh statuses behind ``status=open``, ``status=closed`` or both."""
    return [status for status, (mapped, _extended) in STATUS_MAP.items() if mapped in open311_statuses]
