"""What administrators see of the X channel: our answers and where the mentions poll stands.

Both are written only by the pollers; shown so an administrator can see what went out and what failed."""

from django.contrib import admin

from channels.x.models import XCursor, XReply
from municipality.admin import AdminRoleReadOnlyMixin


@admin.register(XReply)
class XReplyAdmin(AdminRoleReadOnlyMixin, admin.ModelAdmin):
    list_display = ("tweet_id", "complaint", "status", "attempts", "reply_id", "created_at", "sent_at")
    list_filter = ("status",)
    list_select_related = ("complaint",)
    search_fields = ("tweet_id", "complaint__tracking_number")
    readonly_fields = ("tweet_id", "complaint", "text", "status", "attempts", "last_error", "reply_id", "created_at", "sent_at")


@admin.register(XCursor)
class XCursorAdmin(AdminRoleReadOnlyMixin, admin.ModelAdmin):
    list_display = ("account_id", "since_id", "polled_at")
