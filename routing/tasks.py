"""Celery tasks of the routing app: the escalation sweep (beat, every 5 minutes; see the data migration)
and the nightly repair of its work queue (``CELERY_BEAT_SCHEDULE``)."""

from celery import shared_task
from django.db import transaction

from complaints import ladder
from routing.escalation import escalate_overdue


@shared_task
def escalate_overdue_task() -> dict:
    return escalate_overdue()


@shared_task
def resync_ladder_task() -> int:
    """Rebuild the ladder queue from the reports: a safety net for changes made outside the services."""
    with transaction.atomic():
        return ladder.sync()
