"""Seed the Arabic and English message texts (SMS and e-mail); edited rows are never overwritten."""

from django.db import migrations

from notifications.texts import seed_templates


def seed(apps, schema_editor):
    seed_templates(apps.get_model("notifications", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_outbox_and_message_templates")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
