"""The outbox's sending lease (the re-send's schedule, every minute, is in CELERY_BEAT_SCHEDULE).

A row being sent is leased (``lease_until``), renewed while its worker sends; a row whose lease
has passed goes back to the re-send. Rows "sending" at the time of this migration keep the old
rule: ten minutes after they were claimed.
"""

from datetime import timedelta

from django.db import migrations, models


def lease_rows_being_sent(apps, schema_editor):
    Outbox = apps.get_model("notifications", "Outbox")
    for pk, locked_at in Outbox.objects.filter(status="sending").values_list("pk", "locked_at"):
        Outbox.objects.filter(pk=pk).update(lease_until=(locked_at + timedelta(minutes=10)) if locked_at else None)


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
    ]
