"""The sweep's and the outbox re-send's schedules are in CELERY_BEAT_SCHEDULE now, with every other
periodic task; the rows complaints 0003 seeded for them go, so each task is scheduled once."""

from django.db import migrations

SEEDED = {
    "Escalation sweep (every 5 minutes)": ("routing.tasks.escalate_overdue_task", "sla.tasks.escalate_overdue_task"),
    "Re-send pending outbox messages (every 2 minutes)": ("notifications.tasks.resend_pending_outbox",),
}


def drop_seeded_rows(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, tasks in SEEDED.items():
        PeriodicTask.objects.filter(name=name, task__in=tasks).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0002_beat_rows_name_the_sla_tasks"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    # Backwards: beat puts the settings' entries in its table again on its next start.
    operations = [migrations.RunPython(drop_seeded_rows, migrations.RunPython.noop)]
