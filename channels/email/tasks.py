"""Beat: poll the intake mailbox (``IMAP_URL``); nothing to do when it is not set."""

import logging

from celery import shared_task
from django.conf import settings

from channels.email.mailboxes import MailboxError, mailbox_poll

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def poll_mailbox() -> dict:
    if not settings.IMAP_URL:
        return {}
    try:
        return mailbox_poll().counts
    except MailboxError as exc:  # the server is down or refuses us: the next beat tries again
        log.warning("Mailbox poll failed: %s", exc)
        return {"error": 1}
