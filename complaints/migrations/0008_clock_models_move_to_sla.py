"""PrioritySLA and LadderStep now live in the ``sla`` app (as PrioritySLA and PendingStep); their
tables stay where they are. State only: nothing in the database changes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0007_event_indexes_for_what_is_looked_up"),
        ("sla", "0001_clock_tables_from_complaints_and_routing"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(model_name="ladderstep", name="complaint"),
                migrations.DeleteModel(name="PrioritySLA"),
                migrations.DeleteModel(name="LadderStep"),
            ],
        )
    ]
