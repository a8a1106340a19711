"""Admin for the outbox (what was sent, what failed and why) and the editable message texts."""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from complaints.models import ContactRead
from complaints.phones import mask_phone
from complaints.services import contact_read_record
from municipality.admin import AdminRoleOnlyMixin
from notifications import services
from notifications.models import MessageTemplate, Outbox


@admin.register(MessageTemplate)
class MessageTemplateAdmin(AdminRoleOnlyMixin, admin.ModelAdmin):
    list_display = ("code", "channel", "language", "subject", "active", "updated_at")
    list_filter = ("code", "channel", "language", "active")
    search_fields = ("subject", "body")


@admin.register(Outbox)
class OutboxAdmin(AdminRoleOnlyMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "channel",
        "recipient_display",
        "template",
        "language",
        "status_badge",
        "delivery",
        "attempts",
        "last_error",
        "sent_at",
        "complaint",
    )
    list_filter = ("status", "delivery", "channel", "template", "language")
    search_fields = ("recipient", "idempotency_key", "provider_id", "complaint__tracking_number")
    list_select_related = ("complaint",)
    readonly_fields = [f.name for f in Outbox._meta.fields]
    date_hierarchy = "created_at"
    actions = ["retry_now"]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("recipient"), ordering="recipient")
    def recipient_display(self, obj):
        """A citizen's address masked in the list; the message's own page shows it whole, and logs the read."""
        if not obj.is_citizen or not obj.recipient:
            return obj.recipient
        if "@" in obj.recipient:
            name, _at, domain = obj.recipient.partition("@")
            return f"{name[:1]}•••@{domain}"
        return mask_phone(obj.recipient)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and obj.is_citizen and obj.recipient and obj.complaint_id and self.has_view_permission(request, obj):
            contact_read_record(complaint=obj.complaint, user=request.user, where=ContactRead.Where.OUTBOX)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        colour = {"sent": "#1b7f3b", "failed": "#b3261e", "pending": "#5f6368", "sending": "#1a5fb4", "skipped": "#b26a00"}.get(
            obj.status, "#5f6368"
        )
        return format_html('<strong style="color:{}">{}</strong>', colour, obj.get_status_display())

    @admin.action(description=_("Send the selected failed or held-back messages again"))
    def retry_now(self, request, queryset):
        count = services.outbox_retry_now(ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("Messages queued again: %(n)d.") % {"n": count}, messages.SUCCESS)
