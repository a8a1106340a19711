"""Admin of the clock (administrators): the priority targets and the escalation ladder's steps."""

from django.contrib import admin

from municipality.admin import AdminRoleOnlyMixin
from municipality.history_admin import ConfigHistoryAdmin
from sla.models import EscalationStep, PrioritySLA


@admin.register(PrioritySLA)
class PrioritySLAAdmin(AdminRoleOnlyMixin, ConfigHistoryAdmin):
    list_display = ("priority", "clock", "response_hours", "resolution_hours")
    list_editable = ("clock", "response_hours", "resolution_hours")
    list_display_links = ("priority",)

    def has_delete_permission(self, request, obj=None):
        return False  # one row per priority; edit it instead


@admin.register(EscalationStep)
class EscalationStepAdmin(AdminRoleOnlyMixin, ConfigHistoryAdmin):
    """The ladder's five steps. Only what the sweep reads is editable: when a step fires (percent),
    who is told (audience) and whether it runs (active); the steps themselves are code (docs/sla.md).
    A change applies to reports whose due times are set afterwards (routed, transferred, re-prioritised)."""

    list_display = ("name", "trigger", "level", "percent", "audience", "active")
    list_editable = ("percent", "audience", "active")
    list_filter = ("trigger", "active")
    ordering = ("trigger", "level", "percent")
    fields = ("name", "trigger", "level", "percent", "audience", "active")
    readonly_fields = ("name", "trigger", "level")

    def has_add_permission(self, request, *args):
        return False  # one row per step of the sweep; a new step is code (CONTRIBUTING.md)

    def has_delete_permission(self, request, obj=None):
        return False  # switch a step off with "active" instead
