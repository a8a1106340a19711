"""Celery tasks of the WhatsApp channel: they take ids, re-read the rows and call the services."""

import logging

from celery import shared_task

from channels.whatsapp import services
from channels.whatsapp.selectors import inbound_due_ids, later_unprocessed_ids

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def process_inbound(inbound_id: int) -> str | None:
    """Process one stored message; safe to run twice (the second run finds it processed).

    Then the same citizen's later messages that waited behind this one are queued again.
    """
    result = services.inbound_process(inbound_id=inbound_id)
    if result not in (None, services.DEFERRED):
        enqueue(later_unprocessed_ids(inbound_id=inbound_id))
    return result


@shared_task
def pickup_unprocessed(older_than_seconds: int = 60) -> int:
    """Queue the stored messages nobody processed (broker down when they came, a worker died)."""
    return enqueue(inbound_due_ids(older_than_seconds=older_than_seconds))


@shared_task
def file_abandoned() -> int:
    """Beat: file the conversations left with a description (to triage without a type or a pin); safe twice at once."""
    return services.conversations_file_abandoned()


def enqueue(ids: list[int]) -> int:
    """Hand stored messages to the worker; with the broker down they wait for ``pickup_unprocessed``."""
    queued = 0
    for pk in ids:
        try:
            process_inbound.delay(pk)
        except Exception as exc:  # broker unreachable: the row is stored, the beat pick-up processes it
            log.warning("WhatsApp message %s not queued (%s); the pick-up will process it.", pk, exc)
            break
        queued += 1
    return queued


def retry_inbound(*, ids: list[int]) -> int:
    """Admin action: give unprocessed messages (e.g. failed five times) fresh attempts and queue them."""
    ids = services.inbound_reset(ids=ids)
    return enqueue(ids)
