"""The one state machine of a report.

Every status change goes through :func:`guard`; the table below is the only
place that says which change is allowed.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    ON_HOLD = "on_hold", _("On hold")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


def status_label(value: str) -> str:
    """A status's name in the active language: ``get_status_display()`` without rebuilding the choices' dict each call."""
    try:
        return str(Status(value).label)
    except ValueError:
        return value


class ClosureReason(models.TextChoices):
    FIXED = "fixed", _("Fixed")
    DUPLICATE = "duplicate", _("Duplicate")
    NOT_VALID = "not_valid", _("Not valid")
    OUT_OF_JURISDICTION = "out_of_jurisdiction", _("Out of jurisdiction")
    CANNOT_FIX = "cannot_fix", _("Cannot fix")


class Action(models.TextChoices):
    """Named transitions; each has a service function in ``complaints.services``."""

    ASSIGN = "assign", _("Assign")
    TRANSFER = "transfer", _("Transfer to another department")
    REFER = "refer", _("Refer to a utility")
    RETURN = "return", _("Return to the municipality")
    START = "start", _("Start work")
    HOLD = "hold", _("Put on hold")
    RESUME = "resume", _("Resume")
    RESOLVE = "resolve", _("Resolve")
    CLOSE = "close", pgettext_lazy("workflow action", "Close")
    REOPEN = "reopen", _("Reopen")


S = Status
OPEN_STATUSES = (S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.ON_HOLD)
ACTIVE_STATUSES = OPEN_STATUSES + (S.RESOLVED,)

# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    Action.ASSIGN: (frozenset({S.NEW, S.ASSIGNED}), S.ASSIGNED),
    Action.TRANSFER: (frozenset({S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.ON_HOLD}), S.ASSIGNED),
    Action.REFER: (frozenset({S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.ON_HOLD}), S.ASSIGNED),
    Action.RETURN: (frozenset({S.ASSIGNED, S.IN_PROGRESS, S.ON_HOLD}), S.ASSIGNED),
    Action.START: (frozenset({S.ASSIGNED}), S.IN_PROGRESS),
    Action.HOLD: (frozenset({S.IN_PROGRESS}), S.ON_HOLD),
    Action.RESUME: (frozenset({S.ON_HOLD}), S.IN_PROGRESS),
    Action.RESOLVE: (frozenset({S.ASSIGNED, S.IN_PROGRESS}), S.RESOLVED),
    Action.CLOSE: (frozenset({S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.ON_HOLD, S.RESOLVED}), S.CLOSED),
    Action.REOPEN: (frozenset({S.RESOLVED, S.CLOSED}), S.IN_PROGRESS),
}

#: The actions the report list offers on many reports at once (the admin's bulk actions are generated
#: from this; each runs the same service as on one report).
BULK_ACTIONS: tuple[str, ...] = (Action.START, Action.HOLD, Action.CLOSE, Action.TRANSFER)

# Closing with "fixed" needs the work to have been resolved first; the other
# reasons (duplicate, not valid, ...) may close an open report directly.
FIXED_ONLY_FROM = frozenset({S.RESOLVED})


class TransitionError(Exception):
    """A change the workflow does not allow; the message is translated and shown to the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def allowed_actions(status: str) -> list[str]:
    return [action for action, (sources, _target) in TRANSITIONS.items() if status in sources]


def guard(status: str, action: str, *, reason: str | None = None) -> str:
    """Return the status ``action`` leads to from ``status`` or raise :class:`TransitionError`."""
    try:
        sources, target = TRANSITIONS[action]
    except KeyError:
        raise TransitionError(_("Unknown action “%(action)s”.") % {"action": action}) from None
    if status not in sources:
        raise TransitionError(
            _("A report that is “%(status)s” cannot be changed with “%(action)s”.")
            % {"status": Status(status).label, "action": Action(action).label}
        )
    if action == Action.CLOSE:
        if not reason or reason not in ClosureReason.values:
            raise TransitionError(_("Choose a closure reason."))
        if reason == ClosureReason.FIXED and status not in FIXED_ONLY_FROM:
            raise TransitionError(_("Only a resolved report can be closed as fixed; resolve it first."))
    return target
