"""Writes for the WhatsApp channel on the worker (the webhook's storing is in ``intake.py``).

``inbound_process``: one stored message, the citizen's row locked, the conversation's turn, its
answers written to the outbox in the same transaction. ``conversations_file_abandoned`` files the
conversations citizens left.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from channels.whatsapp import conversation as chat
from channels.whatsapp.media import get_media_fetcher
from channels.whatsapp.models import Conversation, InboundMessage, WhatsAppContact
from channels.whatsapp.selectors import MAX_ATTEMPTS, abandoned_conversation_ids
from complaints.photo_stash import PhotoStash
from complaints.photos import clean_photo
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
    """File conversations left with a description for ``WHATSAPP_ABANDON_MINUTES``. Returns how many.

    One with a type and a location is filed as a report (routed as usual). One without them waits
    for the triage service (reports with no type or pin); it stays open until then.
    """
    filed = 0
    for pk in abandoned_conversation_ids(now=now):
        with transaction.atomic():
            conversation = Conversation.objects.select_related("contact").filter(pk=pk).first()
            if conversation is None:
                continue
            contact = WhatsAppContact.objects.select_for_update().get(pk=conversation.contact_id)
            conversation = Conversation.objects.select_related("category").filter(pk=pk, status=Conversation.Status.OPEN).first()
            if conversation is None or not conversation.is_complete:
                continue
            conversation.contact = contact
            try:
                complaint = chat.file_conversation(conversation=conversation, abandoned=True)
            except ValidationError as exc:
                log.warning("Abandoned WhatsApp conversation %s not filed: %s", pk, exc.messages)
                continue
            if not complaint.reporter_phone:
                with translation.override(conversation.language):
                    reply(
                        contact=contact, replies=[chat.received(complaint)], key=f"abandoned:{pk}", language=conversation.language
                    )
            filed += 1
    return filed
