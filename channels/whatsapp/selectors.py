"""Reads for the WhatsApp channel: the citizen's conversations, their reports' status, work waiting."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, JSONField, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from channels.whatsapp.models import Conversation, InboundMessage, WhatsAppContact
from complaints.models import Complaint, Event
from complaints.phones import normalize_phone

MAX_ATTEMPTS = 5  # a message that failed this often waits for a person (admin), not for the pick-up


def open_conversation(contact: WhatsAppContact) -> Conversation | None:
    return Conversation.objects.select_related("category").filter(contact=contact, status=Conversation.Status.OPEN).first()


def recent_filed_conversation(contact: WhatsAppContact) -> Conversation | None:
    return (
        Conversation.objects.filter(contact=contact, status=Conversation.Status.FILED)
        .select_related("complaint")
        .order_by("-filed_at", "-pk")
        .first()
    )


def reports_for_status(*, phone: str, tracking_number: str = "", limit: int = 3) -> list[Complaint]:
    """The citizen's latest reports (or the one with this number), each with ``last_update``: its last public text.

    Only reports filed with this mobile number: WhatsApp vouches for the number, as the tracking page's check does.
    """
    try:
        phone = normalize_phone(phone)
    except ValidationError:
        return []
    last_update = (
        Event.objects.filter(complaint=OuterRef("pk"), is_public=True)
        .exclude(kind=Event.Kind.NOTE)
        .exclude(text="")
        .order_by("-created_at", "-pk")
    )
    reports = Complaint.objects.filter(reporter_phone=phone).select_related("category")
    if tracking_number:
        reports = reports.filter(tracking_number=tracking_number)
    return list(
        reports.annotate(
            last_update=Subquery(last_update.values("text")[:1]),
            # Its message, so the answer renders it in the conversation's language (complaints.event_texts).
            last_update_data=Subquery(last_update.values("data")[:1], output_field=JSONField()),
        ).order_by("-created_at")[:limit]
    )


def inbound_due_ids(*, now: datetime | None = None, older_than_seconds: int = 60, limit: int = 1000) -> list[int]:
    """Stored messages nobody processed (the broker was down, a worker died), oldest first."""
    now = now or timezone.now()
    return list(
        InboundMessage.objects.filter(
            processed_at__isnull=True, attempts__lt=MAX_ATTEMPTS, received_at__lte=now - timedelta(seconds=older_than_seconds)
        )
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def _waiting(sender) -> QuerySet:
    """The citizen's messages stored and not yet processed (a failed one counts until it waits for a person)."""
    return InboundMessage.objects.filter(
        channel="whatsapp", sender=sender, processed_at__isnull=True, attempts__lt=MAX_ATTEMPTS
    ).exclude(kind=InboundMessage.Kind.STATUS)


def citizen_has_waiting_messages(*, wa_id: str) -> bool:
    return _waiting(wa_id).exists()


def abandoned_conversation_ids(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Open conversations with a description (text or photos) and no message for ``WHATSAPP_ABANDON_MINUTES``.

    One query. A conversation whose citizen has a message still waiting in the queue is not
    abandoned: that message comes first.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.BALAGH_WHATSAPP_ABANDON_MINUTES)
    return list(
        Conversation.objects.filter(status=Conversation.Status.OPEN, last_message_at__lte=cutoff)
        .filter(~Q(texts=[]) | ~Q(photos=[]))
        .exclude(Exists(_waiting(OuterRef("contact__wa_id"))))
        .order_by("last_message_at")
        .values_list("pk", flat=True)[:limit]
    )


def later_unprocessed_ids(*, inbound_id: int) -> list[int]:
    """The same citizen's messages written after this one and still waiting (deferred behind it)."""
    message = InboundMessage.objects.filter(pk=inbound_id).only("channel", "sender", "sent_at").first()
    if message is None:
        return []
    return list(
        InboundMessage.objects.filter(
            channel=message.channel, sender=message.sender, processed_at__isnull=True, sent_at__gte=message.sent_at
        )
        .exclude(pk=message.pk)
        .exclude(kind=InboundMessage.Kind.STATUS)
        .order_by("sent_at", "pk")
        .values_list("pk", flat=True)
    )
