"""What administrators see of the X channel: our answers and where the mentions poll stands."""

from django.contrib import admin

from channels.x.models import XCursor, XReply
from municipality.admin import AdminRoleOnlyMixin


class ReadOnlyAdmin(AdminRoleOnlyMixin, admin.ModelAdmin):
    """Written only by the pollers; shown so an administrator can see what went out and what failed."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(XReply)
class XReplyAdmin(ReadOnlyAdmin):
    list_display = ("tweet_id", "complaint", "status", "attempts", "reply_id", "created_at", "sent_at")
    list_filter = ("status",)
    list_select_related = ("complaint",)
    search_fields = ("tweet_id", "complaint__tracking_number")
    readonly_fields = ("tweet_id", "complaint", "text", "status", "attempts", "last_error", "reply_id", "created_at", "sent_at")


@admin.register(XCursor)
class XCursorAdmin(ReadOnlyAdmin):
    list_display = ("account_id", "since_id", "polled_at")
