"""Webhook notifications as WhatsApp's Cloud API sends them, for demos, tests and benchmarks.

``notification(message)`` wraps one message the way Meta does; ``signed(body)`` gives the
``X-Hub-Signature-256`` header for it. Nothing here is used in production paths.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence

from django.conf import settings

from channels.whatsapp.transport import sign


def new_wamid() -> str:
    return f"wamid.SIM{uuid.uuid4().hex.upper()}"


def _message(sender: str, kind: str, body: dict, *, wamid: str | None = None, ts: int | None = None) -> dict:
    return {
        "from": sender,
        "id": wamid or new_wamid(),
        "timestamp": str(ts if ts is not None else int(time.time())),
        "type": kind,
        kind: body,
    }


def text(sender: str, body: str, **kw) -> dict:
    return _message(sender, "text", {"body": body}, **kw)


def location(sender: str, lat: float, lon: float, *, name: str = "", address: str = "", **kw) -> dict:
    data: dict = {"latitude": lat, "longitude": lon}
    if name:
        data["name"] = name
    if address:
        data["address"] = address
    return _message(sender, "location", data, **kw)


def image(sender: str, media_id: str, *, caption: str = "", **kw) -> dict:
    data = {"id": media_id, "mime_type": "image/jpeg", "sha256": "sim"}
    if caption:
        data["caption"] = caption
    return _message(sender, "image", data, **kw)


def list_reply(sender: str, row_id: str, title: str = "", **kw) -> dict:
    return _message(sender, "interactive", {"type": "list_reply", "list_reply": {"id": row_id, "title": title or row_id}}, **kw)


def button_reply(sender: str, button_id: str, title: str = "", **kw) -> dict:
    return _message(
        sender, "interactive", {"type": "button_reply", "button_reply": {"id": button_id, "title": title or button_id}}, **kw
    )


def other(sender: str, kind: str, **kw) -> dict:
    return _message(sender, kind, {"id": "x"}, **kw)


def status(message_id: str, state: str, *, recipient: str = "966501234567", error: str = "", ts: int | None = None) -> dict:
    data: dict = {"id": message_id, "status": state, "timestamp": str(ts or int(time.time())), "recipient_id": recipient}
    if error:
        data["errors"] = [{"code": 131047, "title": error}]
    return data


def notification(*, messages: Sequence = (), statuses: Sequence = (), name: str = "مواطن") -> dict:
    value: dict = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "966110000000", "phone_number_id": settings.WHATSAPP_PHONE_NUMBER_ID or "0"},
    }
    if messages:
        value["contacts"] = [{"profile": {"name": name}, "wa_id": m["from"]} for m in messages if isinstance(m, dict)]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {"object": "whatsapp_business_account", "entry": [{"id": "0", "changes": [{"value": value, "field": "messages"}]}]}


def encode(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


def signed(body: bytes, secret: str | None = None) -> str:
    return sign(body, settings.WHATSAPP_APP_SECRET if secret is None else secret)
