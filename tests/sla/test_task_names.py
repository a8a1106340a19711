"""The clock's Celery tasks moved from routing to sla: every name a schedule or a queued message uses still runs."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from municipality.celery import app

pytestmark = pytest.mark.django_db


def registered() -> set[str]:
    app.loader.import_default_modules()
    return set(app.tasks)


def test_every_beat_schedule_names_a_registered_task():
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    names |= set(PeriodicTask.objects.values_list("task", flat=True))
    assert "sla.tasks.escalate_overdue_task" in names
    assert names <= registered()


def test_the_old_task_names_still_run_the_sweep():
    assert {"routing.tasks.escalate_overdue_task", "routing.tasks.resync_ladder_task"} <= registered()
    assert (
        app.tasks["routing.tasks.escalate_overdue_task"].apply().get()
        == app.tasks["sla.tasks.escalate_overdue_task"].apply().get()
    )


def test_the_management_command_keeps_its_name(capsys):
    call_command("escalate_overdue")
    assert "level1: 0" in capsys.readouterr().out


def test_each_periodic_task_is_scheduled_once_in_the_settings():
    tasks = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert len(tasks) == len(set(tasks))
    assert {"sla.tasks.escalate_overdue_task", "notifications.tasks.resend_pending_outbox"} <= set(tasks)
    # the rows an older migration seeded are gone, so beat does not run these a second time
    assert not PeriodicTask.objects.filter(task__in=tasks).exists()
