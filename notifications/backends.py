"""SMS backends, chosen like Django's e-mail backends (``settings.BALAGH_SMS_BACKEND``).

- ``ConsoleSMSBackend`` (default): prints the message.
- ``FileSMSBackend``: appends one JSON line per message to ``settings.BALAGH_SMS_FILE`` (under var/).
- ``HTTPSMSBackend``: POSTs to a generic gateway: ``SMS_HTTP_URL``, ``SMS_HTTP_AUTH_HEADER``
  ("Name: value"), ``SMS_HTTP_BODY`` (a body template with ``$to`` and ``$body``, filled with
  JSON-quoted strings for a JSON content type, URL-encoded otherwise) and ``SMS_HTTP_TIMEOUT_MS``.
"""

from __future__ import annotations

import json
import logging
import string
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class SMSError(Exception):
    """The message was not accepted; the outbox records the text and retries."""


class PermanentSendError(Exception):
    """The provider refused this message for good (e.g. WhatsApp outside the 24-hour window): no retry."""


class BaseSMSBackend:
    def send(self, *, to: str, body: str, key: str = "") -> None:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleSMSBackend(BaseSMSBackend):
    def send(self, *, to: str, body: str, key: str = "") -> None:
        sys.stdout.write(f"SMS to {to}: {body}\n")
        sys.stdout.flush()


class FileSMSBackend(BaseSMSBackend):
    _lock = threading.Lock()

    def __init__(self, path: str | None = None):
        self.path = Path(path or settings.BALAGH_SMS_FILE)

    def send(self, *, to: str, body: str, key: str = "") -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"to": to, "body": body, "key": key}, ensure_ascii=False)
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


class HTTPSMSBackend(BaseSMSBackend):
    def __init__(
        self,
        *,
        url: str | None = None,
        auth_header: str | None = None,
        body_template: str | None = None,
        content_type: str | None = None,
        timeout: float | None = None,
    ):
        self.url = url or settings.BALAGH_SMS_HTTP_URL
        self.auth_header = auth_header if auth_header is not None else settings.BALAGH_SMS_HTTP_AUTH_HEADER
        self.body_template = body_template or settings.BALAGH_SMS_HTTP_BODY
        self.content_type = content_type or settings.BALAGH_SMS_HTTP_CONTENT_TYPE
        self.timeout = timeout if timeout is not None else settings.BALAGH_SMS_HTTP_TIMEOUT

    def render(self, *, to: str, body: str) -> bytes:
        if "json" in self.content_type:
            values = {"to": json.dumps(to, ensure_ascii=False), "body": json.dumps(body, ensure_ascii=False)}
        else:
            values = {"to": urllib.parse.quote_plus(to), "body": urllib.parse.quote_plus(body)}
        return string.Template(self.body_template).safe_substitute(values).encode("utf-8")

    def send(self, *, to: str, body: str, key: str = "") -> None:
        headers = {"Content-Type": self.content_type}
        if key:
            headers["Idempotency-Key"] = key
        if self.auth_header:
            name, _, value = self.auth_header.partition(":")
            headers[name.strip()] = value.strip()
        request = urllib.request.Request(self.url, data=self.render(to=to, body=body), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = response.status
                response.read(2048)
        except urllib.error.HTTPError as exc:
            raise SMSError(f"gateway answered HTTP {exc.code}") from exc
        except (TimeoutError, OSError) as exc:  # URLError and socket timeouts are OSErrors
            reason = getattr(exc, "reason", exc)
            raise SMSError(f"gateway unreachable or timed out after {self.timeout:g} s: {reason}") from exc
        if not 200 <= status < 300:
            raise SMSError(f"gateway answered HTTP {status}")


def get_sms_backend() -> BaseSMSBackend:
    return import_string(settings.BALAGH_SMS_BACKEND)()


def get_whatsapp_backend():
    """The outbound WhatsApp backend (``settings.BALAGH_WHATSAPP_BACKEND``, in ``channels.whatsapp.transport``).

    Named by a setting, like the SMS backends, so the outbox sends WhatsApp without importing the channel.
    """
    return import_string(settings.BALAGH_WHATSAPP_BACKEND)()
