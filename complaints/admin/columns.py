"""The report list's columns (and the colours the report's page shares with them)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint
from complaints.selectors import clock_state
from complaints.workflow import Status
from municipality.times import local_minute

STATUS_COLOURS: dict[str, str] = {
    Status.NEW: "new",
    Status.ASSIGNED: "assigned",
    Status.IN_PROGRESS: "progress",
    Status.ON_HOLD: "hold",
    Status.RESOLVED: "resolved",
    Status.CLOSED: "closed",
}
PRIORITY_COLOURS = {"urgent": "urgent", "high": "high", "normal": "normal", "low": "low"}
CAMERA_ICON = mark_safe(
    '<svg class="balagh-icon" viewBox="0 0 24 24" width="14" height="14" aria-hidden="true"><path fill="currentColor" '
    'd="M9 3 7.2 5H4a2 2 0 0 0-2 2v11a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2h-3.2L15 3H9zm3 5a5 5 0 1 1 0 10 '
    '5 5 0 0 1 0-10zm0 2a3 3 0 1 0 0 6 3 3 0 0 0 0-6z"/></svg> '
)


def isolate(text: str) -> str:
    """Keep a tracking number (``2611-000123``) in one piece inside right-to-left text."""
    return f"\u2066{text}\u2069"


def due_state(complaint: Complaint, now=None) -> str:
    """``overdue`` / ``soon`` (past the at-risk point) / ``ok`` / ``paused`` for an open report; ``""`` otherwise.

    The colours follow the escalation ladder's own at-risk point (sla.clock), so what the
    list shows amber is what the sweep warns about.
    """
    return {"breached": "overdue", "at_risk": "soon", "ok": "ok", "paused": "paused"}.get(clock_state(complaint, now), "")


class ColumnsMixin:
    """The ``list_display`` columns of the report admin that are not plain fields."""

    @admin.display(description=_("type"), ordering="category__parent__code")
    def category_display(self, obj):
        if obj.category_id is None:
            return format_html('<span class="balagh-badge balagh-triage">{}</span>', gettext("To triage"))
        if obj.category.parent_id:
            return format_html('{}<br><small class="balagh-muted">{}</small>', obj.category.name, obj.category.parent.name)
        return obj.category.name

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return format_html(
            '<span class="balagh-badge balagh-status-{}">{}</span>', STATUS_COLOURS.get(obj.status, ""), obj.get_status_display()
        )

    @admin.display(description=_("priority"), ordering="priority")
    def priority_badge(self, obj):
        return format_html(
            '<span class="balagh-prio balagh-prio-{}">{}</span>',
            PRIORITY_COLOURS.get(obj.priority, ""),
            obj.get_priority_display(),
        )

    @admin.display(description=_("with"))
    def owner_display(self, obj):
        if obj.utility_id:
            return format_html('<span class="balagh-utility">⇄ {}</span>', obj.utility.name)
        return obj.department.name if obj.department_id else "—"

    @admin.display(description=_("received"), ordering="created_at")
    def received_display(self, obj):
        return format_html('<span class="balagh-when" dir="ltr">{}</span>', local_minute(obj.created_at))

    @admin.display(description=_("resolution due"), ordering="resolution_due_at")
    def due_display(self, obj):
        if obj.resolution_due_at is None:
            return "—"
        state = due_state(obj)
        when = format_html('<span dir="ltr">{}</span>', local_minute(obj.resolution_due_at))
        label = {
            "overdue": gettext("Overdue"),
            "soon": gettext("Due soon"),
            "paused": gettext("Paused"),
        }.get(state, "")
        if label:
            return format_html('<span class="balagh-due balagh-due-{}">{}<br><small>{}</small></span>', state, when, label)
        return format_html('<span class="balagh-due balagh-due-{}">{}</span>', state or "none", when)

    @admin.display(description=_("photos"), ordering="photo_count")
    def photos_display(self, obj):
        if not obj.photo_count:
            return ""
        return format_html('<span class="balagh-photos" title="{}">{}{}</span>', gettext("photos"), CAMERA_ICON, obj.photo_count)
