"""Admin (administrators): what WhatsApp brought in, how each message was handled, the conversations.

Citizens' numbers and profile names are masked in the lists, as in the outbox; a message's or a
conversation's own page shows them whole and, when a report is tied to it, logs the read in
*Reads of reporters' numbers*.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from channels.whatsapp.models import Conversation, InboundMessage
from channels.whatsapp.tasks import retry_inbound
from complaints.models import ContactRead
from complaints.phones import mask_phone
from complaints.services import contact_read_record
from municipality.admin import AdminRoleReadOnlyMixin


def masked_number(wa_id: str) -> str:
    return mask_phone(f"+{wa_id}") if wa_id else ""


def masked_name(name: str) -> str:
    return f"{name[:1]}•••" if name else ""


class ReadLoggedMixin:
    """The detail page shows the full number: logged against the report it belongs to, if any."""

    def report_of(self, obj):
        raise NotImplementedError

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)  # type: ignore[attr-defined]
        complaint = self.report_of(obj) if obj is not None else None
        if complaint is not None and self.has_view_permission(request, obj):  # type: ignore[attr-defined]
            contact_read_record(complaint=complaint, user=request.user, where=ContactRead.Where.WHATSAPP)
        return super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadLoggedMixin, AdminRoleReadOnlyMixin, admin.ModelAdmin):
    list_display = ("received_at", "kind", "sender_masked", "name_masked", "result", "processed_at", "attempts", "last_error")
    list_filter = ("kind", "result", ("processed_at", admin.EmptyFieldListFilter))
    search_fields = ("sender", "external_id", "sender_name")
    readonly_fields = [f.name for f in InboundMessage._meta.fields]
    date_hierarchy = "received_at"
    actions = ["process_again"]

    @admin.display(description=_("from"), ordering="sender")
    def sender_masked(self, obj):
        return masked_number(obj.sender)

    @admin.display(description=_("profile name"))
    def name_masked(self, obj):
        return masked_name(obj.sender_name)

    def report_of(self, obj):
        return obj.conversation.complaint if obj.conversation_id and obj.conversation.complaint_id else None

    @admin.action(description=_("Process the selected unprocessed messages again"))
    def process_again(self, request, queryset):
        count = retry_inbound(ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("Messages queued again: %(n)d.") % {"n": count}, messages.SUCCESS)


@admin.register(Conversation)
class ConversationAdmin(ReadLoggedMixin, AdminRoleReadOnlyMixin, admin.ModelAdmin):
    list_display = ("last_message_at", "contact_masked", "status", "language", "category", "complaint", "abandoned")
    list_filter = ("status", "language", "abandoned")
    search_fields = ("contact__wa_id", "contact__name", "complaint__tracking_number", "first_wamid")
    list_select_related = ("contact", "category", "complaint")
    readonly_fields = [f.name for f in Conversation._meta.fields]

    @admin.display(description=_("contact"), ordering="contact__wa_id")
    def contact_masked(self, obj):
        return masked_number(obj.contact.wa_id) or str(obj.contact)

    def report_of(self, obj):
        return obj.complaint
