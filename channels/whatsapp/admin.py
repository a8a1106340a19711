"""Admin (administrators): what WhatsApp brought in, how each message was handled, the conversations."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from channels.whatsapp.models import Conversation, InboundMessage
from channels.whatsapp.tasks import retry_inbound
from municipality.admin import AdminRoleReadOnlyMixin


@admin.register(InboundMessage)
class InboundMessageAdmin(AdminRoleReadOnlyMixin, admin.ModelAdmin):
    list_display = ("received_at", "kind", "sender", "sender_name", "result", "processed_at", "attempts", "last_error")
    list_filter = ("kind", "result", ("processed_at", admin.EmptyFieldListFilter))
    search_fields = ("sender", "external_id", "sender_name")
    readonly_fields = [f.name for f in InboundMessage._meta.fields]
    date_hierarchy = "received_at"
    actions = ["process_again"]

    @admin.action(description=_("Process the selected unprocessed messages again"))
    def process_again(self, request, queryset):
        count = retry_inbound(ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("Messages queued again: %(n)d.") % {"n": count}, messages.SUCCESS)


@admin.register(Conversation)
class ConversationAdmin(AdminRoleReadOnlyMixin, admin.ModelAdmin):
    list_display = ("last_message_at", "contact", "status", "language", "category", "complaint", "abandoned")
    list_filter = ("status", "language", "abandoned")
    search_fields = ("contact__wa_id", "contact__name", "complaint__tracking_number", "first_wamid")
    list_select_related = ("contact", "category", "complaint")
    readonly_fields = [f.name for f in Conversation._meta.fields]
