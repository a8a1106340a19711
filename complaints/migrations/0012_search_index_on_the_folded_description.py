"""Free-text search in the admin: a trigram index on the description as searches fold it (PostgreSQL only).

The expression is ``municipality.text.FoldedForSearch("description")`` compiled for PostgreSQL;
``tests/complaints/test_admin_search.py`` checks on PostgreSQL that a search uses this index, so
the two cannot drift apart. SQLite has no trigram index: the same condition is a scan there.
"""

from django.db import migrations

FOLDED = "translate(lower(description), 'أإآٱةىـًٌٍَُِّْٰ', 'ااااهي')"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS complaint_description_trgm ON complaints_complaint USING gin (({FOLDED}) gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS complaint_description_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0011_triage_queue_and_incoming_messages"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
