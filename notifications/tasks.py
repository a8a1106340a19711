"""Celery tasks: send one outbox row (with retries and back-off), and re-send what is still pending."""

from celery import shared_task

from notifications import services, verification


@shared_task(bind=True, max_retries=None, acks_late=True)
def deliver_outbox(self, outbox_id: int) -> None:
    """Send one row; on failure retry later with exponential back-off until it is sent or marked failed."""
    while True:
        wait = services.outbox_deliver(outbox_id=outbox_id)
        if wait is None:
            return
        if not self.request.is_eager:
            raise self.retry(countdown=wait)
        # Eager (tests, no broker): Celery cannot schedule a retry, so the next attempt runs now.


@shared_task
def resend_pending_outbox(older_than_seconds: int | None = None) -> int:
    """Queue the pending rows nobody is sending (e.g. the broker was down when they were written)."""
    ids = services.outbox_due_ids(older_than_seconds=older_than_seconds)
    return services.enqueue(ids)


@shared_task(acks_late=True)
def deliver_outbox_batch(outbox_ids: list[int]) -> int:
    """Send many rows in one task (a new report's messages, the escalation sweep); a row that fails gets its own retrying task."""
    sent = 0
    for pk in outbox_ids:
        wait = services.outbox_deliver(outbox_id=pk)
        if wait is None:
            sent += 1
        else:
            deliver_outbox.apply_async((pk,), countdown=wait)
    return sent


@shared_task
def purge_phone_codes() -> int:
    """Delete one-time codes expired for a day."""
    return verification.phone_codes_purge()
