"""Talking to WhatsApp: the webhook signature, and the outbound backends the outbox sends through.

A thin client of our own over the Cloud API (see docs/channels.md, "Why not pywa"): one
HMAC check, one JSON POST per message, one media download.

Backends (``WHATSAPP_BACKEND``), chosen like the SMS backends:

- ``console``: prints the message (the default under DEBUG);
- ``file``: appends one JSON line per message to ``WHATSAPP_FILE_PATH`` (under var/);
- ``graph``: POSTs to ``{WHATSAPP_GRAPH_URL}/{WHATSAPP_PHONE_NUMBER_ID}/messages`` with
  ``WHATSAPP_ACCESS_TOKEN``.

``send`` returns WhatsApp's id for the message (``wamid…``): the delivery statuses name it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
import threading
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from django.conf import settings

from notifications.backends import PermanentSendError

SIGNATURE_HEADER = "HTTP_X_HUB_SIGNATURE_256"


def sign(body: bytes, secret: str) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends for ``body``: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, header: str | None, secret: str) -> bool:
    """True only for the exact signature of the raw body, compared in constant time."""
    if not secret or not header:
        return False
    return hmac.compare_digest(sign(body, secret).encode(), header.strip().encode())


class SendError(Exception):
    """WhatsApp did not take the message now; the outbox retries."""


class BaseWhatsAppBackend:
    def send(self, *, to: str, body: str, key: str = "", interactive: dict | None = None) -> str:  # pragma: no cover
        raise NotImplementedError


def _dev_id() -> str:
    return f"wamid.dev.{uuid.uuid4().hex}"


class ConsoleWhatsAppBackend(BaseWhatsAppBackend):
    def send(self, *, to: str, body: str, key: str = "", interactive: dict | None = None) -> str:
        lines = [f"WhatsApp to {to}: {body}"]
        for option in options_of(interactive):
            lines.append(f"    [{option['id']}] {option['title']}")
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
        return _dev_id()


class FileWhatsAppBackend(BaseWhatsAppBackend):
    _lock = threading.Lock()

    def __init__(self, path: str | None = None):
        self.path = Path(path or settings.BALAGH_WHATSAPP_FILE)

    def send(self, *, to: str, body: str, key: str = "", interactive: dict | None = None) -> str:
        message_id = _dev_id()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"id": message_id, "to": to, "body": body, "key": key, "options": [o["id"] for o in options_of(interactive)]},
            ensure_ascii=False,
        )
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        return message_id


class GraphWhatsAppBackend(BaseWhatsAppBackend):
    """The Cloud API's ``/messages`` endpoint. A 4xx answer (bad number, 24-hour window closed) is final."""

    def __init__(self, *, base_url: str | None = None, token: str | None = None, phone_number_id: str | None = None):
        self.base_url = (base_url or settings.WHATSAPP_GRAPH_URL).rstrip("/")
        self.token = token if token is not None else settings.WHATSAPP_ACCESS_TOKEN
        self.phone_number_id = phone_number_id or settings.WHATSAPP_PHONE_NUMBER_ID

    def payload(self, *, to: str, body: str, interactive: dict | None) -> dict:
        data: dict = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to.lstrip("+")}
        if interactive:
            data["type"] = "interactive"
            data["interactive"] = {**interactive, "body": {"text": body[:1024]}}
        else:
            data["type"] = "text"
            data["text"] = {"body": body[:4096], "preview_url": False}
        return data

    def send(self, *, to: str, body: str, key: str = "", interactive: dict | None = None) -> str:
        answer = graph_request(
            f"{self.base_url}/{self.phone_number_id}/messages",
            token=self.token,
            data=self.payload(to=to, body=body, interactive=interactive),
        )
        try:
            return str(answer["messages"][0]["id"])
        except (KeyError, IndexError, TypeError):
            raise SendError(f"unexpected answer from WhatsApp: {str(answer)[:200]}") from None


def graph_request(url: str, *, token: str, data: dict | None = None, raw: bool = False, limit: int = 1024 * 1024):
    """One call to the Graph API: JSON in and out (``raw``: the bytes, at most ``limit``)."""
    headers = {"Authorization": f"Bearer {token}"}
    body = None
    if data is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(data, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=body, headers=headers, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=settings.WHATSAPP_HTTP_TIMEOUT) as response:
            content = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        detail = exc.read(500).decode(errors="replace")
        if 400 <= exc.code < 500 and exc.code != 429:
            raise PermanentSendError(f"WhatsApp answered HTTP {exc.code}: {detail}") from exc
        raise SendError(f"WhatsApp answered HTTP {exc.code}: {detail}") from exc
    except (TimeoutError, OSError) as exc:
        raise SendError(f"WhatsApp unreachable: {getattr(exc, 'reason', exc)}") from exc
    if raw:
        return content  # at most limit + 1 bytes: the caller tells "too large" from "just fits"
    if len(content) > limit:
        raise SendError(f"WhatsApp's answer is larger than {limit} bytes")
    try:
        return json.loads(content)
    except ValueError:
        raise SendError("WhatsApp's answer is not JSON") from None


def options_of(interactive: dict | None) -> list[dict]:
    """The ids and titles a list or button message offers (for the console, the file and the tests)."""
    if not interactive:
        return []
    action = interactive.get("action", {})
    if interactive.get("type") == "button":
        return [{"id": b["reply"]["id"], "title": b["reply"]["title"]} for b in action.get("buttons", [])]
    return [{"id": row["id"], "title": row["title"]} for section in action.get("sections", []) for row in section.get("rows", [])]
