from celery import shared_task

from complaints import services
from complaints.photo_stash import purge_stale_stashes


@shared_task
def auto_close_resolved() -> int:
    return services.complaint_auto_close_resolved()


@shared_task
def purge_photo_stashes() -> int:
    """Remove photos citizens uploaded on the form but never sent (older than a day)."""

    return purge_stale_stashes()
