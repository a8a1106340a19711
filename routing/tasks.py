"""Celery tasks of the routing app: the escalation sweep (beat, every 5 minutes; see the data migration)."""
from celery import shared_task

from routing.escalation import escalate_overdue


@shared_task
def escalate_overdue_task() -> dict:
    return escalate_overdue()
