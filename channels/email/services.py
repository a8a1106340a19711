"""File an incoming e-mail: a new report in the triage queue, or a citizen's update on their report.

The automatic answer with the tracking number is the report's ordinary "received" message
(outbox, channel ``email``), written by the submission service; a note about refused
attachments rides on it. Automatic mail (auto-replies, bounces, lists) is dropped before
anything is written, so nothing ever answers a machine.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import translation
from django.utils.translation import gettext as _

from channels.email.parsing import InboundMail, MailAttachment, addresses, parse_mail, strip_quoted
from complaints.models import Channel, Complaint, IncomingMessage
from complaints.phones import ARABIC_DIGITS
from complaints.photos import clean_photo
from complaints.services import channel_message_key, complaint_add_citizen_message, complaint_submit_incomplete
from notifications.models import Outbox
from notifications.services import OUTBOUND_MESSAGE_ID

log = logging.getLogger(__name__)

TRACKING_IN_SUBJECT = re.compile(r"(?<!\d)(\d{4})-(\d{6})(?!\d)")


@dataclass
class EmailOutcome:
    """What became of one mail: ``filed``, ``update``, ``duplicate`` or ``ignored`` (with the reason)."""

    action: str
    complaint: Complaint | None = None
    reason: str = ""


def own_addresses() -> set[str]:
    """Our own sending and receiving addresses: a mail from them is one of ours coming back."""
    return addresses(settings.DEFAULT_FROM_EMAIL) | addresses(settings.SERVER_EMAIL) | addresses(settings.EMAIL_INTAKE_ADDRESS)


def message_key(mail: InboundMail, raw: bytes) -> str:
    """The Message-ID, or a digest of the bytes for the rare mail without one (a re-delivery has the same bytes)."""
    return channel_message_key(mail.message_id or "sha256:" + hashlib.sha256(raw).hexdigest())


def _photos(attachments: list[MailAttachment]) -> tuple[list[ContentFile], list[str]]:
    """Image attachments that pass the form's checks, and the names of those refused (with why)."""
    photos: list[ContentFile] = []
    refused: list[str] = []
    for item in attachments:
        if not item.content_type.startswith("image/"):
            refused.append(item.filename)
            continue
        if len(photos) >= settings.BALAGH_MAX_PHOTOS:
            refused.append(item.filename)
            continue
        upload = ContentFile(item.data, name=item.filename)
        try:
            photos.append(clean_photo(upload))
        except ValidationError:
            refused.append(item.filename)
    return photos, refused


def _refusal_notice(refused: list[str], language: str) -> str:
    if not refused:
        return ""
    with translation.override(language):
        return _(
            "These attachments were not added to your report: %(names)s. We accept up to %(count)d photos "
            "(JPEG, PNG or WebP) of at most %(mb)d MB each."
        ) % {
            "names": ", ".join(refused),
            "count": settings.BALAGH_MAX_PHOTOS,
            "mb": settings.BALAGH_MAX_PHOTO_BYTES // (1024 * 1024),
        }


def report_replied_to(mail: InboundMail) -> Complaint | None:
    """The report this mail answers, when its sender is that report's reporter.

    Found by the thread (In-Reply-To / References naming the citizen's first mail, a later one,
    or one of our answers), else by a tracking number in the subject. A stranger quoting a
    tracking number files a new report instead of writing on someone else's.
    """
    candidates: list[Complaint] = []
    for thread_id in mail.thread_ids:
        key = channel_message_key(thread_id)
        found = Complaint.objects.filter(channel=Channel.EMAIL, external_id=key).first()
        if found is None:
            found = Complaint.objects.filter(
                incoming__channel=Channel.EMAIL, incoming__external_id=key
            ).first()  # a later mail of the same thread
        if found is None:
            ours = OUTBOUND_MESSAGE_ID.match(thread_id)
            if ours:
                complaint_id = Outbox.objects.filter(pk=int(ours.group(1))).values_list("complaint_id", flat=True).first()
                found = Complaint.objects.filter(pk=complaint_id).first() if complaint_id else None
        if found is not None:
            candidates.append(found)
    match = TRACKING_IN_SUBJECT.search(mail.subject.translate(ARABIC_DIGITS))
    if match:
        found = Complaint.objects.filter(tracking_number=f"{match.group(1)}-{match.group(2)}").first()
        if found is not None:
            candidates.append(found)
    for complaint in candidates:
        if complaint.reporter_email and complaint.reporter_email.lower() == mail.sender:
            return complaint
    return None


def email_receive(*, raw: bytes) -> EmailOutcome:
    """File one RFC 822 message. Raises ``MailError`` for a mail that cannot be read; nothing is saved then."""
    mail = parse_mail(raw, own_addresses=own_addresses())
    if mail.automatic_reason:
        log.info("E-mail %s from %s ignored: %s.", mail.message_id, mail.sender, mail.automatic_reason)
        return EmailOutcome("ignored", reason=mail.automatic_reason)
    key = message_key(mail, raw)
    existing = Complaint.objects.filter(channel=Channel.EMAIL, external_id=key).first()
    if existing is not None:
        return EmailOutcome("duplicate", existing)
    seen = IncomingMessage.objects.filter(channel=Channel.EMAIL, external_id=key).select_related("complaint").first()
    if seen is not None:
        return EmailOutcome("duplicate", seen.complaint)
    photos, refused = _photos(mail.attachments)
    original = {
        "from": mail.sender,
        "message_id": mail.message_id,
        "html_only": mail.html_only,
        "attachments": [a.filename for a in mail.attachments],
        "refused": refused,
    }
    target = report_replied_to(mail)
    if target is not None:
        event = complaint_add_citizen_message(
            complaint=target,
            channel=Channel.EMAIL,
            external_id=key,
            text=strip_quoted(mail.text) or mail.subject,
            sender=mail.from_header,
            subject=mail.subject,
            received_at=mail.received_at,
            photos=photos,
            original=original,
        )
        return EmailOutcome("update" if event is not None else "duplicate", target)
    complaint = complaint_submit_incomplete(
        channel=Channel.EMAIL,
        external_id=key,
        description=mail.text,
        subject=mail.subject,
        sender=mail.from_header,
        reporter_name=mail.sender_name,
        reporter_email=mail.sender,
        language=mail.language,
        photos=photos,
        received_at=mail.received_at,
        original=original,
        notice=_refusal_notice(refused, mail.language),
    )
    return EmailOutcome("filed", complaint)
