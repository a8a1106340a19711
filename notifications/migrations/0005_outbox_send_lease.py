"""The outbox's sending lease, and the periodic re-send every minute instead of every two.

A row being sent is leased (``lease_until``), renewed while its worker sends; a row whose lease
has passed goes back to the re-send. Rows "sending" at the time of this migration keep the old
rule: ten minutes after they were claimed.
"""

from datetime import timedelta

from django.db import migrations, models

RESEND_TASK = "notifications.tasks.resend_pending_outbox"


def lease_rows_being_sent(apps, schema_editor):
    Outbox = apps.get_model("notifications", "Outbox")
    for pk, locked_at in Outbox.objects.filter(status="sending").values_list("pk", "locked_at"):
        Outbox.objects.filter(pk=pk).update(lease_until=(locked_at + timedelta(minutes=10)) if locked_at else None)


def resend_every_minute(apps, schema_editor):
    """Only the seeded schedule (every 2 minutes): an interval an administrator chose is left alone."""
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.filter(task=RESEND_TASK, interval__every=2, interval__period="minutes").update(
        interval=every_minute, name="Re-send pending outbox messages (every minute)"
    )


def resend_every_two_minutes(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_two, _ = IntervalSchedule.objects.get_or_create(every=2, period="minutes")
    PeriodicTask.objects.filter(task=RESEND_TASK, interval__every=1, interval__period="minutes").update(
        interval=every_two, name="Re-send pending outbox messages (every 2 minutes)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_escalation_digest"),
        ("complaints", "0003_seed_priority_targets_calendar_ladder_and_sweep_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="outbox",
            name="lease_until",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sending lease until"),
        ),
        migrations.RunPython(lease_rows_being_sent, migrations.RunPython.noop),
        migrations.RunPython(resend_every_minute, resend_every_two_minutes),
    ]
