"""Reading a mailbox, chosen by ``IMAP_URL``'s scheme: an IMAP server (imapclient) or a maildir folder.

A message is marked done (``\\Seen``, or moved to ``cur/`` with the S flag) only after it was
filed, ignored or refused; when the database fails it stays unread and the next poll takes it
again, and its Message-ID makes the second attempt harmless.
"""

from __future__ import annotations

import logging
import mailbox
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.core.exceptions import ValidationError
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from channels.email.parsing import MailError
from channels.email.services import email_receive

log = logging.getLogger(__name__)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class MailboxError(Exception):
    """The mailbox cannot be reached or read; the poll is retried on the next beat."""


class MaildirMailbox:
    """A maildir folder (``new/``, ``cur/``, ``tmp/``): for development, tests and local delivery."""

    def __init__(self, path: str):
        self.box = mailbox.Maildir(path, factory=None, create=True)

    def fetch_new(self, limit: int) -> Iterator[tuple[str, bytes]]:
        keys = [key for key in sorted(self.box.iterkeys()) if self.box.get_message(key).get_subdir() == "new"]
        for key in keys[:limit]:
            yield key, self.box.get_bytes(key)

    def mark_done(self, key: str) -> None:
        message = self.box.get_message(key)
        message.set_subdir("cur")
        message.add_flag("S")
        self.box[key] = message

    def close(self) -> None:
        self.box.close()


class IMAPMailbox:
    """An IMAP folder: unread messages in, ``\\Seen`` when done. ``imaps://`` is TLS from the start;
    ``imap://`` upgrades with STARTTLS when the server offers it (a server on this machine may go plain)."""

    def __init__(self, url: str, *, timeout: float = 30):
        parsed = urlparse(url)
        secure = parsed.scheme == "imaps"
        host = parsed.hostname or ""
        try:
            self.client = IMAPClient(host, port=parsed.port or (993 if secure else 143), ssl=secure, timeout=timeout)
            if not secure and host not in LOCAL_HOSTS:
                self.client.starttls(ssl.create_default_context())
            self.client.login(unquote(parsed.username or ""), unquote(parsed.password or ""))
            self.client.select_folder(unquote(parsed.path.lstrip("/")) or "INBOX")
        except (IMAPClientError, OSError, ssl.SSLError) as exc:
            raise MailboxError(f"{host}: {exc}") from exc

    def fetch_new(self, limit: int) -> Iterator[tuple[int, bytes]]:
        try:
            uids = sorted(self.client.search(["UNSEEN"]))[:limit]
            for uid in uids:
                # BODY.PEEK: reading does not mark it seen; mark_done does, once it is filed.
                data = self.client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {})
                raw = data.get(b"BODY[]")
                if raw is not None:
                    yield uid, raw
        except (IMAPClientError, OSError) as exc:
            raise MailboxError(str(exc)) from exc

    def mark_done(self, key: int) -> None:
        self.client.add_flags([key], [b"\\Seen"])

    def close(self) -> None:
        try:
            self.client.logout()
        except (IMAPClientError, OSError):
            pass


def open_mailbox(url: str):
    parsed = urlparse(url)
    if parsed.scheme == "maildir":
        return MaildirMailbox(unquote(parsed.path))
    return IMAPMailbox(url)


@dataclass
class PollResult:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, action: str) -> None:
        self.counts[action] = self.counts.get(action, 0) + 1


def mailbox_poll(*, url: str | None = None, limit: int = 100) -> PollResult:
    """File the unread messages of the mailbox (at most ``limit`` per poll)."""
    url = url if url is not None else settings.IMAP_URL
    result = PollResult()
    if not url:
        return result
    box = open_mailbox(url)
    try:
        for key, raw in box.fetch_new(limit):
            try:
                outcome = email_receive(raw=raw)
                result.add(outcome.action)
            except (MailError, ValidationError) as exc:
                # Unreadable or empty: never answered (the sender may be forged), never retried.
                log.warning("Mailbox message %s refused: %s", key, exc)
                result.add("refused")
            box.mark_done(key)
    finally:
        box.close()
    return result
