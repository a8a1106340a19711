"""Beat: read the new mentions of the municipality's X account, file them, send pending answers."""

import logging

from celery import shared_task

from channels.x.backends import XError
from channels.x.services import x_poll

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def poll_mentions() -> dict:
    try:
        return x_poll().counts
    except XError as exc:  # X is down or refuses us: the cursor has not moved, the next beat resumes
        log.warning("X mentions poll failed: %s", exc)
        return {"error": 1}
