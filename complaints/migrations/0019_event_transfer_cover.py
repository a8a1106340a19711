"""The transfers' index covers what the committee's transfer counts read: the report and the details.

``reports.kpis.transfer_counts`` groups a period's transfers by the department they left. With
``event_transfer_time`` (on the time alone) PostgreSQL found them in the index and then read each
one's row from the timeline table: the 21,000 transfers of two 28-day periods sat on 16,900 pages,
since a busy centre writes about one transfer per page of events (docs/benchmarks.md, "Committee
reports"). ``event_transfer_cover`` INCLUDEs ``complaint_id`` and ``data`` (two department codes),
so the count is an index-only read. Built CONCURRENTLY before the old one is dropped, on PostgreSQL;
SQLite has no INCLUDE and gets a plain partial index.
"""

from django.db import migrations, models

OLD = models.Index(fields=["created_at"], name="event_transfer_time", condition=models.Q(kind="transferred"))
NEW = models.Index(
    fields=["created_at"], name="event_transfer_cover", include=["complaint", "data"], condition=models.Q(kind="transferred")
)


def _swap(schema_editor, event, add: models.Index, remove: models.Index) -> None:
    concurrently = {"concurrently": True} if schema_editor.connection.vendor == "postgresql" else {}
    schema_editor.add_index(event, add, **concurrently)
    schema_editor.remove_index(event, remove, **concurrently)


def forwards(apps, schema_editor):
    _swap(schema_editor, apps.get_model("complaints", "Event"), NEW, OLD)


def backwards(apps, schema_editor):
    _swap(schema_editor, apps.get_model("complaints", "Event"), OLD, NEW)


class Migration(migrations.Migration):
    atomic = False  # CREATE / DROP INDEX CONCURRENTLY

    dependencies = [
        ("complaints", "0018_drop_redundant_report_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="event", name="event_transfer_time"),
                migrations.AddIndex(model_name="event", index=NEW),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
