"""The webhook's side: store what WhatsApp sent, once per message id, and queue it after commit.

Nothing here reads or writes a conversation: the request only stores the raw messages, so it
answers at once however busy the worker is.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from django.db import connection, transaction
from django.utils import timezone

from channels.whatsapp.models import InboundMessage
from channels.whatsapp.tasks import enqueue

KNOWN_KINDS = {"text", "image", "location", "interactive", "button"}


class BadPayload(ValueError):
    """The body is not a WhatsApp webhook notification."""


def _sent_at(raw) -> datetime:
    try:
        return datetime.fromtimestamp(int(raw), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return timezone.now()


def parse_notification(payload) -> list[InboundMessage]:
    """The messages and statuses of one webhook notification, as unsaved rows. Raises ``BadPayload``.

    A message without an id or a sender is skipped; a type we do not handle is kept as ``other``
    (the citizen gets a polite answer).
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        raise BadPayload("no entry list")
    rows: list[InboundMessage] = []
    for entry in payload["entry"]:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        for change in changes if isinstance(changes, list) else []:
            value = change.get("value") if isinstance(change, dict) else None
            if isinstance(value, dict):
                rows += _messages(value) + _statuses(value)
    return rows


def _list(value, key) -> list:
    items = value.get(key)
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _messages(value: dict) -> list[InboundMessage]:
    names = {}
    for contact in _list(value, "contacts"):
        profile = contact.get("profile")
        names[str(contact.get("wa_id"))] = str((profile.get("name") if isinstance(profile, dict) else "") or "")[:120]
    rows = []
    for message in _list(value, "messages"):
        if not message.get("id") or not message.get("from"):
            continue
        kind = str(message.get("type") or "")
        sender = str(message["from"])[:32]
        rows.append(
            InboundMessage(
                external_id=str(message["id"])[:200],
                kind=kind if kind in KNOWN_KINDS else InboundMessage.Kind.OTHER,
                sender=sender,
                sender_name=names.get(sender, ""),
                sent_at=_sent_at(message.get("timestamp")),
                payload=message,
            )
        )
    return rows


def _statuses(value: dict) -> list[InboundMessage]:
    return [
        InboundMessage(
            external_id=f"status:{status['id']}:{status['status']}"[:200],
            kind=InboundMessage.Kind.STATUS,
            sender=str(status.get("recipient_id") or "")[:32],
            sent_at=_sent_at(status.get("timestamp")),
            payload=status,
        )
        for status in _list(value, "statuses")
        if status.get("id") and status.get("status")
    ]


def inbound_store(*, payload) -> list[int]:
    """Store a notification's messages (a wamid already stored is left alone); queue the new ones after commit.

    Returns the ids of the rows this call stored. A replayed wamid is not queued again: it was
    queued when it first came, and the pick-up task catches anything the broker lost.
    """
    rows = parse_notification(payload)
    if not rows:
        return []
    ids = _insert_new(rows)
    if ids:
        transaction.on_commit(partial(enqueue, ids), robust=True)
    return ids


def _insert_new(rows: list[InboundMessage]) -> list[int]:
    """One ``INSERT … ON CONFLICT DO NOTHING RETURNING id``: the ids of the rows that were new.

    One statement and, outside a transaction, one round trip with its own commit: the webhook's
    whole database work (``bulk_create`` cannot say which rows it skipped).
    """
    meta = InboundMessage._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    params: list = []
    for row in rows:
        params += [f.get_db_prep_save(f.pre_save(row, add=True), connection) for f in fields]
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(str(meta.db_table))} ({columns}) "
            f"VALUES {', '.join([placeholder] * len(rows))} "
            f"ON CONFLICT (channel, external_id) DO NOTHING RETURNING id",
            params,
        )
        return [pk for (pk,) in cursor.fetchall()]
