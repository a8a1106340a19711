"""Admin for the priority targets (imported at the end of complaints/admin.py)."""

from django.contrib import admin

from complaints.models import PrioritySLA
from municipality.admin import AdminRoleOnlyMixin


@admin.register(PrioritySLA)
class PrioritySLAAdmin(AdminRoleOnlyMixin, admin.ModelAdmin):
    list_display = ("priority", "clock", "response_hours", "resolution_hours")
    list_editable = ("clock", "response_hours", "resolution_hours")
    list_display_links = ("priority",)

    def has_delete_permission(self, request, obj=None):
        return False  # one row per priority; edit it instead
