"""The configuration's "History" pages in the admin (django-simple-history), for administrators only.

Each configuration admin adds ``ConfigHistoryAdmin`` to its bases: the object's page gets a
"History" button listing every version — when, who, and which fields changed from what to what.
Read-only (``SIMPLE_HISTORY_REVERT_DISABLED``). A staff member's page also lists the versions of
their role (the staff profile edited inline on it).
"""

from __future__ import annotations

from typing import Any

from simple_history.admin import SimpleHistoryAdmin

from municipality.models import StaffProfile
from municipality.roles import is_admin_role


class ConfigHistoryAdmin(SimpleHistoryAdmin):
    def has_view_history_or_change_history_permission(self, request, obj=None):
        return is_admin_role(request.user)

    def has_view_history_permission(self, request, obj=None):
        return is_admin_role(request.user)

    def has_change_history_permission(self, request, obj=None):
        return False


class StaffHistoryAdmin(ConfigHistoryAdmin):
    object_history_template: Any = "admin/municipality/staff_history.html"

    def history_view(self, request, object_id, extra_context=None):
        roles = (
            StaffProfile.history.filter(user_id=object_id)
            .select_related("history_user", "department", "utility")
            .order_by("-history_date", "-history_id")
        )
        return super().history_view(request, object_id, {"role_history": roles, **(extra_context or {})})
