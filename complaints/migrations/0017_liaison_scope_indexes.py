"""A liaison's list stays inside its utility's reports: three indexes on the referred reports.

A liaison sees one utility's reports (``utility_id = X``, a few per cent of the table). Without
these, PostgreSQL answered that scope by intersecting a small bitmap (the utility) with a huge
one: every report holding the searched words (the trigram index of migration 0012, a million rows
for common words at 10M) or every report of a district (a tenth of the table), then the page
walked all reports newest first to find the utility's. Now:

- ``complaint_referred_trgm``: the same folded-description trigram index as 0012, over the reports
  referred to a utility only (``utility_id IS NOT NULL``), so a liaison's word search reads posting
  lists a twentieth as long. Raw SQL like 0012 (the expression is ``FoldedForSearch``);
- ``complaint_utility_newest``: (utility, newest first) over the same rows, so a liaison's page of
  a word search walks its utility's reports by time and stops at the page;
- ``complaint_utility_status_dist``: (utility, status, district) in place of (utility, status): the
  filtered list (a status, a district) is one range of it. It serves everything the old index did.

The two partial indexes hold only referred reports: a report filed without a utility adds nothing
to them. ``tests/complaints/test_admin_search.py`` checks on PostgreSQL that the liaison's queries
use them. Built CONCURRENTLY: on a live database the reports being filed meanwhile are not blocked.
"""

from django.db import migrations, models

FOLDED = "translate(lower(description), 'أإآٱةىـًٌٍَُِّْٰ', 'ااااهي')"
TRIGRAM = "complaint_referred_trgm"
OLD = models.Index(fields=["utility", "status"], name="complaint_utility_status")
NEW = [
    models.Index(fields=["utility", "status", "district"], name="complaint_utility_status_dist"),
    models.Index(fields=["utility", "-created_at"], name="complaint_utility_newest", condition=models.Q(utility__isnull=False)),
]


def forwards(apps, schema_editor):
    model = apps.get_model("complaints", "Complaint")
    if schema_editor.connection.vendor != "postgresql":
        for index in NEW:
            schema_editor.add_index(model, index)
        schema_editor.remove_index(model, OLD)
        return
    for index in NEW:
        schema_editor.add_index(model, index, concurrently=True)
    schema_editor.remove_index(model, OLD, concurrently=True)
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY {TRIGRAM} ON complaints_complaint USING gin (({FOLDED}) gin_trgm_ops) "
        "WHERE utility_id IS NOT NULL"
    )


def backwards(apps, schema_editor):
    model = apps.get_model("complaints", "Complaint")
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.add_index(model, OLD)
        for index in NEW:
            schema_editor.remove_index(model, index)
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {TRIGRAM}")
    schema_editor.add_index(model, OLD, concurrently=True)
    for index in NEW:
        schema_editor.remove_index(model, index, concurrently=True)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("complaints", "0016_merge_whatsapp_read_log"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="complaint", name=OLD.name),
                *(migrations.AddIndex(model_name="complaint", index=index) for index in NEW),
            ],
            database_operations=[migrations.RunPython(forwards, backwards, elidable=False)],
        ),
    ]
