from celery import shared_task

from complaints import services


@shared_task
def auto_close_resolved() -> int:
    return services.complaint_auto_close_resolved()
