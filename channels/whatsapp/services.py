"""Writes for the WhatsApp channel on the worker (the webhook's storing is in ``intake.py``).

``inbound_process``: one stored message, the citizen's row locked, the conversation's turn, its
answers written to the outbox in the same transaction. ``conversations_file_abandoned`` files the
conversations citizens left, to the triage queue when they lack a type or a pin.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from channels.whatsapp import conversation as chat
from channels.whatsapp.media import get_media_fetcher
from channels.whatsapp.models import Conversation, InboundMessage, WhatsAppContact
from channels.whatsapp.selectors import MAX_ATTEMPTS, abandoned_conversation_ids, citizen_has_waiting_messages
from complaints.models import Complaint
from complaints.photo_stash import PhotoStash
from complaints.photos import clean_photo
from municipality.text import strip_invisible, visible_length
from notifications.models import Channel as OutboxChannel
from notifications.models import MessageTemplate
from notifications.services import Message, outbox_delivery_update, outbox_write

log = logging.getLogger(__name__)

DEFERRED = "deferred"  # inbound_process's answer when an earlier message of the citizen must go first

# --------------------------------------------------------------------------- processing (the worker)


def inbound_process(*, inbound_id: int) -> str | None:
    """Process one stored message once. Returns what happened (``InboundMessage.result``) or None."""
    message = InboundMessage.objects.filter(pk=inbound_id, processed_at__isnull=True).first()
    if message is None:
        return None
    try:
        if message.kind == InboundMessage.Kind.STATUS:
            return _process_status(message)
        photo = _fetch_photo(message) if message.kind == InboundMessage.Kind.IMAGE else None
        return _process_message(message, photo)
    except Exception as exc:
        InboundMessage.objects.filter(pk=inbound_id).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise


def inbound_reset(*, ids: list[int]) -> list[int]:
    """Fresh attempts for stored messages not yet processed; returns their ids."""
    waiting = InboundMessage.objects.filter(pk__in=ids, processed_at__isnull=True)
    pks = list(waiting.values_list("pk", flat=True))
    waiting.update(attempts=0, last_error="")
    return pks


def _fetch_photo(message: InboundMessage) -> chat.PhotoIn:
    """Download and check the photo before the transaction: same checks as the form (complaints.photos)."""
    media_id = str(chat.part(message.payload, "image").get("id") or "")
    try:
        cleaned = clean_photo(get_media_fetcher().fetch(media_id))
    except ValidationError as exc:
        return chat.PhotoIn(error=exc)
    except Exception as exc:  # the fetcher failed: the citizen is asked to send it again
        log.warning("WhatsApp media %s not fetched: %s", media_id, exc)
        return chat.PhotoIn(failed=True)
    stash = PhotoStash()
    name = stash.add(cleaned)
    return chat.PhotoIn(token=stash.token, name=name)


def _process_message(message: InboundMessage, photo: chat.PhotoIn | None) -> str | None:
    with transaction.atomic():
        locked = InboundMessage.objects.select_for_update().filter(pk=message.pk, processed_at__isnull=True).first()
        if locked is None:
            if photo is not None and photo.token:
                PhotoStash(token=photo.token, names=[photo.name]).discard()
            return None
        contact, _created = WhatsAppContact.objects.get_or_create(wa_id=locked.sender, defaults={"name": locked.sender_name})
        contact = WhatsAppContact.objects.select_for_update().get(pk=contact.pk)
        if _waits_for_earlier(locked):
            # An earlier message of this citizen is still to be processed: it goes first, and its
            # task queues this one again (tasks.process_inbound), so a burst is read in the order written.
            if photo is not None and photo.token:
                PhotoStash(token=photo.token, names=[photo.name]).discard()
            return DEFERRED
        outcome = chat.handle(contact=contact, message=locked, photo=photo)
        if locked.sender_name and contact.name != locked.sender_name:
            contact.name = locked.sender_name[:120]
        contact.save(update_fields=["name", "language"])
        reply(contact=contact, replies=outcome.replies, key=locked.external_id, language=contact.language)
        locked.processed_at = timezone.now()
        locked.result = outcome.result[:40]
        locked.save(update_fields=["processed_at", "result", "conversation"])
    return outcome.result


def _waits_for_earlier(message: InboundMessage) -> bool:
    return (
        InboundMessage.objects.filter(
            channel=message.channel,
            sender=message.sender,
            processed_at__isnull=True,
            sent_at__lt=message.sent_at,
            attempts__lt=MAX_ATTEMPTS,
        )
        .exclude(kind=InboundMessage.Kind.STATUS)
        .exists()
    )


def reply(*, contact: WhatsAppContact, replies: list[chat.Reply], key: str, language: str) -> list[int]:
    """Write a turn's answers to the outbox (channel ``whatsapp``) as ONE message, keyed by what it answers.

    One message per turn keeps the answers in order however many workers send them; only the
    last answer may carry a list or buttons, and the texts before it lead its body.
    """
    if not replies:
        return []
    text = "\n\n".join(r.text for r in replies if r.text)
    interactive = replies[-1].interactive
    message = Message(
        OutboxChannel.WHATSAPP,
        f"+{contact.wa_id}",
        MessageTemplate.Code.CHAT,
        language,
        f"wa:{key}",
        {"text": text, **({"interactive": interactive} if interactive else {})},
        None,
        is_citizen=True,
    )
    return outbox_write(messages=[message])


def _process_status(message: InboundMessage) -> str | None:
    payload = message.payload if isinstance(message.payload, dict) else {}
    errors: list = payload.get("errors") if isinstance(payload.get("errors"), list) else []  # type: ignore[assignment]
    error = "; ".join(
        f"{e.get('code', '')} {e.get('title', '')} {chat.part(e, 'error_data').get('details', '')}".strip()
        for e in errors
        if isinstance(e, dict)
    )
    with transaction.atomic():
        moved = outbox_delivery_update(provider_id=str(payload.get("id") or ""), delivery=str(payload.get("status")), error=error)
        if moved is None and (timezone.now() - message.received_at).total_seconds() < 600:
            # The status came before the send recorded WhatsApp's id: the pick-up tries again.
            return None
        result = {True: "delivery updated", False: "delivery unchanged", None: "delivery: unknown message"}[moved]
        InboundMessage.objects.filter(pk=message.pk, processed_at__isnull=True).update(processed_at=timezone.now(), result=result)
    return result


# --------------------------------------------------------------------------- abandoned conversations


def conversations_file_abandoned(*, now: datetime | None = None) -> int:
    """File the conversations citizens left with a description for ``WHATSAPP_ABANDON_MINUTES``. Returns how many.

    Each is filed with what it has (``conversation_file_abandoned``); safe to run twice at once.
    """
    filed = 0
    for pk in abandoned_conversation_ids(now=now):
        try:
            filed += conversation_file_abandoned(conversation_id=pk, now=now) is not None
        except Exception:  # one conversation's failure (logged) must not keep the others waiting
            log.exception("Abandoned WhatsApp conversation %s not filed; the next sweep tries again.", pk)
    return filed


def conversation_file_abandoned(*, conversation_id: int, now: datetime | None = None) -> Complaint | None:
    """File one abandoned conversation, or nothing if it is no longer abandoned. Returns the report.

    The citizen's row is locked as when one of their messages is processed, and the conversation
    is read again under the lock: a message processed meanwhile (the citizen came back), a filing
    by another sweep, or a message of theirs still waiting in the queue leaves it alone. A complete
    conversation is routed like the form's; one without a sub-type or a pin goes to the triage
    queue. The citizen gets the report's "received" message (number and link) on WhatsApp.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.BALAGH_WHATSAPP_ABANDON_MINUTES)
    with transaction.atomic():
        contact_id = Conversation.objects.filter(pk=conversation_id).values_list("contact_id", flat=True).first()
        if contact_id is None:
            return None
        contact = WhatsAppContact.objects.select_for_update().get(pk=contact_id)
        conversation = (
            Conversation.objects.select_related("category")
            .filter(pk=conversation_id, status=Conversation.Status.OPEN, last_message_at__lte=cutoff)
            .first()
        )
        if conversation is None or citizen_has_waiting_messages(wa_id=contact.wa_id):
            return None
        conversation.contact = contact
        if not conversation.photos and not visible_length(strip_invisible(conversation.description)):
            chat.cancel(conversation)  # nothing a reader could see: nothing to file, and not looked at again
            return None
        complaint = chat.file_conversation(conversation=conversation, abandoned=True)
        if not complaint.reporter_phone:  # no mobile for the "received" message: the number in the chat
            with translation.override(conversation.language):
                reply(
                    contact=contact,
                    replies=[chat.received(complaint)],
                    key=f"abandoned:{conversation_id}",
                    language=conversation.language,
                )
    return complaint
