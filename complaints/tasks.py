from celery import shared_task
from django.conf import settings

from complaints import services
from complaints.photo_stash import purge_stale_stashes


@shared_task
def auto_close_resolved() -> int:
    return services.complaint_auto_close_resolved()


@shared_task
def purge_photo_stashes() -> int:
    """Remove photos citizens uploaded on the form but never sent (older than a day)."""

    return purge_stale_stashes()


@shared_task
def anonymise_reporters() -> int:
    """PDPL retention (``BALAGH_ANONYMISE_AFTER_DAYS``; 0 turns it off)."""
    days = settings.BALAGH_ANONYMISE_AFTER_DAYS
    return services.reporters_anonymise(older_than_days=days) if days else 0
