"""Celery tasks of the clock: the escalation sweep (every 5 minutes) and the nightly repair of its
work queue (both scheduled in ``CELERY_BEAT_SCHEDULE``).

The tasks lived in ``routing.tasks`` before; the old names stay registered, so a message queued
under them (or a beat row not yet migrated) still runs (migration sla 0002 renamed the beat rows).
"""

from celery import shared_task
from django.db import transaction

from sla import ladder
from sla.sweep import escalate_overdue


@shared_task
def escalate_overdue_task() -> dict:
    return escalate_overdue()


@shared_task
def resync_ladder_task() -> int:
    """Rebuild the ladder queue from the reports: a safety net for changes made outside the services."""
    with transaction.atomic():
        return ladder.sync()


OLD_NAMES = {
    "routing.tasks.escalate_overdue_task": escalate_overdue_task,
    "routing.tasks.resync_ladder_task": resync_ladder_task,
}
for _old, _task in OLD_NAMES.items():
    shared_task(name=_old)(_task.run)
