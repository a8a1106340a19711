"""A step of the ladder is (trigger, level): one row of settings each. Percent is what the administrator
edits, so it is no longer unique (two steps may fire at once). Extra rows for one step, which older
versions let the admin add, are removed first: the one kept is the one the clock and the sweep read
(active before inactive, then the lowest percent)."""

from django.db import migrations, models


def keep_one_row_per_step(apps, schema_editor):
    EscalationStep = apps.get_model("sla", "EscalationStep")
    seen = set()
    for row in EscalationStep.objects.order_by("trigger", "level", "-active", "percent", "pk"):
        if (row.trigger, row.level) in seen:
            row.delete()
        seen.add((row.trigger, row.level))


class Migration(migrations.Migration):
    dependencies = [("sla", "0003_beat_schedule_lives_in_settings")]

    operations = [
        migrations.RemoveConstraint(model_name="escalationstep", name="escalationpolicy_unique_step"),
        migrations.RunPython(keep_one_row_per_step, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="escalationstep",
            constraint=models.UniqueConstraint(fields=("trigger", "level"), name="escalationstep_one_row_per_step"),
        ),
    ]
