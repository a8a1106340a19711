"""The sweep's tasks moved from routing.tasks to sla.tasks: the beat rows in the database name the
new tasks (the old names stay registered too, for messages already queued)."""

from django.db import migrations

RENAMED = {
    "routing.tasks.escalate_overdue_task": "sla.tasks.escalate_overdue_task",
    "routing.tasks.resync_ladder_task": "sla.tasks.resync_ladder_task",
}


def rename(apps, schema_editor, mapping=RENAMED):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for old, new in mapping.items():
        PeriodicTask.objects.filter(task=old).update(task=new)


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0001_clock_tables_from_complaints_and_routing"),
        ("complaints", "0003_seed_priority_targets_calendar_ladder_and_sweep_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]
