"""Raw RFC 822 bytes to an ``InboundMail``: what a citizen wrote, who they are, what they attached.

Python's ``email`` package with the modern policy decodes any declared charset, RFC 2047
encoded words (Arabic subjects and names) and RFC 2231 file names; a body in an unknown or
lying charset is decoded leniently instead of refused. HTML-only mail is turned into text.

``automatic_reason`` says why a message must never file a report nor be answered
(auto-replies, bounces, mailing lists: RFC 3834 and its older conventions); answering
those is how mail loops start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.errors import MessageError
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from html.parser import HTMLParser

from django.utils import timezone
from django.utils.translation import gettext as _

# A citizen's mail with a few phone photos stays far below this; a mail server refuses more anyway.
MAX_MAIL_BYTES = 30 * 1024 * 1024

# Senders that are machines: answering them bounces or loops.
MACHINE_LOCALPARTS = frozenset(
    {"mailer-daemon", "postmaster", "noreply", "no-reply", "do-not-reply", "donotreply", "bounce", "bounces"}
)
BULK_PRECEDENCE = frozenset({"bulk", "list", "junk", "auto_reply"})
ARABIC = re.compile(r"[\u0600-\u06FF]")
LATIN = re.compile(r"[A-Za-z]")
MESSAGE_ID = re.compile(r"<[^<>\s]+>")


class MailError(ValueError):
    """The bytes are not a mail we can read; the message (translated) says why."""


@dataclass
class MailAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class InboundMail:
    message_id: str
    sender: str  # the address, lower case
    sender_name: str
    from_header: str
    subject: str
    text: str
    received_at: datetime
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    attachments: list[MailAttachment] = field(default_factory=list)
    html_only: bool = False
    automatic_reason: str = ""

    @property
    def language(self) -> str:
        """Arabic unless the citizen clearly wrote in English (Latin letters and no Arabic)."""
        sample = f"{self.subject} {self.text}"
        return "en" if LATIN.search(sample) and not ARABIC.search(sample) else "ar"

    @property
    def thread_ids(self) -> list[str]:
        """The Message-IDs this mail answers, nearest first."""
        seen: list[str] = []
        for value in [*self.in_reply_to, *reversed(self.references)]:
            if value not in seen:
                seen.append(value)
        return seen


# --------------------------------------------------------------------------- HTML to text


class _TextExtractor(HTMLParser):
    BLOCK = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "section"})
    SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in "".join(parser.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --------------------------------------------------------------------------- quoted replies

_QUOTE_HEADER = re.compile(
    r"^(On .{3,200} wrote:|في .{3,200} كتب:|.{0,200}كتب:$|-{2,}\s*Original Message\s*-{2,}|-{2,}\s*الرسالة الأصلية\s*-{2,}|From: .+)$",
    re.IGNORECASE,
)


def strip_quoted(text: str) -> str:
    """What the citizen wrote above the quoted earlier message of a reply."""
    kept = []
    for line in text.splitlines():
        if _QUOTE_HEADER.match(line.strip()):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip() or text.strip()


# --------------------------------------------------------------------------- parsing


def _payload(part: MIMEPart) -> bytes:
    """A leaf part's bytes, its transfer encoding undone."""
    try:
        payload = part.get_payload(decode=True)
    except (MessageError, ValueError, TypeError):
        return b""
    return payload if isinstance(payload, bytes) else b""


def _text_of(part: MIMEPart) -> str:
    """A text part's content in any charset; an unknown or lying charset is decoded leniently."""
    try:
        return part.get_content()
    except (LookupError, UnicodeError, AssertionError, MessageError):
        payload = _payload(part)
        for charset in (part.get_content_charset() or "", "utf-8", "windows-1256"):
            try:
                return payload.decode(charset) if charset else payload.decode("utf-8")
            except (LookupError, UnicodeError):
                continue
        return payload.decode("utf-8", "replace")


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (MessageError, ValueError, IndexError, TypeError):
        return ""
    return str(value).strip() if value is not None else ""


def _ids(value: str) -> list[str]:
    return MESSAGE_ID.findall(value or "")


def automatic_reason(message: EmailMessage, sender: str, own_addresses: set[str]) -> str:
    """Why this mail comes from a machine (and must not be answered), or ``""``."""
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = _header(message, "Precedence").lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("List-Id", "List-Unsubscribe", "List-Post"):
        if _header(message, name):
            return f"mailing list ({name})"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response"):
        if _header(message, name):
            return f"auto-reply ({name})"
    if message.get_content_type() == "multipart/report":
        return "delivery report"
    if "Return-Path" in message and _header(message, "Return-Path").strip("<> ") == "":
        return "empty Return-Path (a bounce)"
    if not sender:
        return "no sender address"
    localpart = sender.split("@", 1)[0]
    if localpart in MACHINE_LOCALPARTS:
        return f"machine sender ({localpart})"
    if sender in own_addresses:
        return "our own address"
    return ""


def parse_mail(raw: bytes, *, own_addresses: set[str] | None = None) -> InboundMail:
    """Read one message or raise ``MailError`` (translated) saying what is wrong with it."""
    if not raw or not raw.strip():
        raise MailError(_("The message is empty."))
    if len(raw) > MAX_MAIL_BYTES:
        raise MailError(_("The message is larger than %(mb)d MB.") % {"mb": MAX_MAIL_BYTES // (1024 * 1024)})
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except (MessageError, ValueError, IndexError, TypeError) as exc:
        raise MailError(_("The message cannot be read: %(error)s") % {"error": exc}) from None
    if not message.keys():
        raise MailError(_("The message has no headers."))
    from_header = _header(message, "From")
    name, address = parseaddr(from_header)
    if not address:
        # A few clients put the address only in Sender or Reply-To.
        name, address = parseaddr(_header(message, "Sender") or _header(message, "Reply-To"))
    address = address.strip().lower()
    if not from_header and not address:
        raise MailError(_("The message has no sender (no From header)."))
    if address and ("@" not in address or " " in address):
        raise MailError(_("The sender address “%(address)s” is not an e-mail address.") % {"address": address[:100]})

    reason = automatic_reason(message, address, own_addresses or set())
    body_part = None
    html_only = False
    try:
        body_part = message.get_body(preferencelist=("plain", "html"))
    except (MessageError, ValueError, IndexError, TypeError, KeyError):
        body_part = None
    text = ""
    if body_part is not None:
        text = _text_of(body_part)
        if body_part.get_content_type() == "text/html":
            html_only = True
            text = html_to_text(text)
    text = text.replace("\r\n", "\n").strip()

    attachments = []
    for part in message.walk():
        if part.is_multipart() or part is body_part:
            continue
        disposition = (part.get_content_disposition() or "").lower()
        content_type = part.get_content_type()
        filename = ""
        try:
            filename = part.get_filename() or ""
        except (MessageError, ValueError, IndexError, TypeError):
            filename = ""
        if content_type.startswith("text/") and not filename and disposition != "attachment":
            continue  # the other alternative of the body
        data = _payload(part)
        attachments.append(MailAttachment(filename=filename[:200] or content_type, content_type=content_type, data=data))

    received_at = timezone.now()
    date_header = _header(message, "Date")
    if date_header:
        try:
            parsed = parsedate_to_datetime(date_header)
            if parsed is not None:
                received_at = parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)  # RFC 5322: "-0000" is UTC
        except (TypeError, ValueError, IndexError, OverflowError):
            pass
    subject = re.sub(r"\s+", " ", _header(message, "Subject")).strip()
    message_ids = _ids(_header(message, "Message-ID"))
    return InboundMail(
        message_id=message_ids[0] if message_ids else "",
        sender=address,
        sender_name=(name or "").strip()[:120],
        from_header=from_header[:254],
        subject=subject[:255],
        text=text,
        received_at=received_at,
        in_reply_to=_ids(_header(message, "In-Reply-To")),
        references=_ids(_header(message, "References")),
        attachments=attachments,
        html_only=html_only,
        automatic_reason=reason,
    )


def addresses(value: str) -> set[str]:
    """The lower-case addresses in a header-like string (``"A <a@x>, b@y"``)."""
    return {address.lower() for _name, address in getaddresses([value or ""]) if address}
