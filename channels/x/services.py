"""File mentions of the municipality's X account and answer each publicly with its tracking number.

A mention goes to the triage queue (a geotag becomes the pin). The public answer names the
tracking number only: nothing about the citizen, the place or the report's content, since
anyone can read it. A reply in the thread of a report (to the first mention or to our answer),
by the same account, is a message on that report instead of a new one.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from channels.x.backends import BaseXBackend, Mention, XError, get_x_backend
from channels.x.models import XCursor, XReply
from complaints.models import Channel, Complaint
from complaints.services import complaint_add_citizen_message, complaint_submit_incomplete

log = logging.getLogger(__name__)

LEADING_MENTIONS = re.compile(r"^(?:\s*@\w+)+\s*")
ARABIC = re.compile(r"[\u0600-\u06FF]")
MAX_REPLY_ATTEMPTS = 5


@dataclass
class XPollResult:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, action: str) -> None:
        self.counts[action] = self.counts.get(action, 0) + 1


def _language(mention: Mention) -> str:
    if ARABIC.search(mention.text):
        return "ar"
    return "en" if mention.lang == "en" else settings.LANGUAGE_CODE


def reply_text(complaint: Complaint) -> str:
    """The public answer: the tracking number only. Not the private tracking link (anyone reads the answer)."""
    with translation.override(complaint.language):
        return _("Thank you, we received your report. Its tracking number is %(number)s; quote it when you contact us.") % {
            "number": complaint.tracking_number
        }


def _thread_report(mention: Mention) -> Complaint | None:
    """The report whose thread this mention answers, when it comes from the same account."""
    if not mention.in_reply_to:
        return None
    reply = (
        XReply.objects.filter(Q(tweet_id=mention.in_reply_to) | Q(reply_id=mention.in_reply_to))
        .select_related("complaint")
        .first()
    )
    if reply is None:
        return None
    first = reply.complaint.incoming.filter(is_original=True).values_list("data", flat=True).first() or {}
    return reply.complaint if first.get("author_id") == mention.author_id else None


def x_file_mention(*, mention: Mention, backend: BaseXBackend | None = None) -> tuple[str, Complaint | None]:
    """File one mention; returns (``filed`` | ``update`` | ``duplicate`` | ``ignored``, the report)."""
    if mention.author_id and mention.author_id == settings.X_ACCOUNT_ID:
        return "ignored", None  # our own tweets (our answers) mention us too: never answer ourselves
    if mention.is_retweet:
        return "ignored", None
    text = LEADING_MENTIONS.sub("", mention.text).strip()
    original = {
        "tweet_id": mention.id,
        "author_id": mention.author_id,
        "username": mention.username,
        "url": f"https://x.com/{mention.username or 'i'}/status/{mention.id}",
        **mention.extra,
    }
    sender = f"@{mention.username}" if mention.username else mention.author_id
    thread = _thread_report(mention)
    if thread is not None:
        event = complaint_add_citizen_message(
            complaint=thread,
            channel=Channel.TWITTER,
            external_id=mention.id,
            text=text,
            sender=sender,
            received_at=mention.created_at,
            original=original,
        )
        return ("update" if event is not None else "duplicate"), thread
    existed = Complaint.objects.filter(channel=Channel.TWITTER, external_id=mention.id).exists()
    with transaction.atomic():
        complaint = complaint_submit_incomplete(
            channel=Channel.TWITTER,
            external_id=mention.id,
            description=text,
            sender=sender,
            reporter_name=sender,
            language=_language(mention),
            lat=mention.lat,
            lon=mention.lon,
            received_at=mention.created_at,
            original=original,
        )
        reply, created = XReply.objects.get_or_create(
            tweet_id=mention.id, defaults={"complaint": complaint, "text": reply_text(complaint)}
        )
        if created:
            # Posted by this process once the report is saved; a failure stays pending for the next poll.
            transaction.on_commit(partial(x_reply_send, reply_id=reply.pk, backend=backend), robust=True)
    return ("duplicate" if existed else "filed"), complaint


def x_reply_send(*, reply_id: int, backend: BaseXBackend | None = None) -> bool:
    """Post one answer once. Claimed pending → sending first, so a second worker finds nothing to do.

    Returns True when the answer is out (or was already), False when it must be tried again.
    """
    claimed = XReply.objects.filter(pk=reply_id, status=XReply.Status.PENDING).update(
        status=XReply.Status.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now()
    )
    if not claimed:
        return True
    reply = XReply.objects.get(pk=reply_id)
    try:
        # The key lets the backend recognise a repeat of a post whose answer we lost.
        posted = (backend or get_x_backend()).reply(in_reply_to=reply.tweet_id, text=reply.text, key=f"balagh-x-{reply.tweet_id}")
    except XError as exc:
        failed = reply.attempts >= MAX_REPLY_ATTEMPTS
        XReply.objects.filter(pk=reply_id).update(
            status=XReply.Status.FAILED if failed else XReply.Status.PENDING, last_error=str(exc)[:2000]
        )
        log.warning("X reply %s not sent (attempt %s): %s", reply_id, reply.attempts, exc)
        return failed
    XReply.objects.filter(pk=reply_id).update(status=XReply.Status.SENT, reply_id=posted, sent_at=timezone.now(), last_error="")
    return True


def x_poll(*, backend: BaseXBackend | None = None) -> XPollResult:
    """Read the new mentions (after the saved ``since_id``), file each, then send answers still pending."""
    backend = backend or get_x_backend()
    result = XPollResult()
    cursor, _created = XCursor.objects.get_or_create(account_id=settings.X_ACCOUNT_ID or "fake")
    for mention in backend.mentions(since_id=cursor.since_id):
        try:
            action, _complaint = x_file_mention(mention=mention, backend=backend)
        except ValidationError:
            action = "empty"  # only mentions, no words: nothing to file
        result.add(action)
        # Filing is idempotent, so moving the cursor after each one loses nothing if we stop here.
        XCursor.objects.filter(pk=cursor.pk).update(since_id=mention.id, polled_at=timezone.now())
    XCursor.objects.filter(pk=cursor.pk).update(polled_at=timezone.now())
    # A worker that died while posting left its row "sending": after ten minutes it is tried again.
    stuck = timezone.now() - timedelta(minutes=10)
    XReply.objects.filter(status=XReply.Status.SENDING, claimed_at__lt=stuck).update(status=XReply.Status.PENDING)
    for reply_id in XReply.objects.filter(status=XReply.Status.PENDING).order_by("pk").values_list("pk", flat=True)[:100]:
        x_reply_send(reply_id=reply_id, backend=backend)
    return result
