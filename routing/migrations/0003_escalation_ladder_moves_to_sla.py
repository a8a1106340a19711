"""EscalationPolicy now lives in the ``sla`` app as EscalationStep; its table stays where it is.
State only: nothing in the database changes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0002_rule_change_marker_and_followers"),
        ("sla", "0001_clock_tables_from_complaints_and_routing"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[], state_operations=[migrations.DeleteModel(name="EscalationPolicy")]
        )
    ]
