"""Five indexes of the reports table that no query needs: every report filed wrote all five.

- ``category_id`` and ``utility_id`` alone: (category, status, lat) and (utility, status, district)
  begin with the same column and serve every lookup the single-column ones did (a type's or a
  utility's reports, the PROTECT check before deleting one).
- The ``varchar_pattern_ops`` twins Django adds on PostgreSQL beside ``tracking_number``, ``token``
  and ``reporter_phone`` (``…_like``), for ``LIKE 'prefix%'``. Nothing searches those columns by
  prefix: a tracking number, a token and a mobile are always looked up whole (``complaints.search``),
  through the plain index (unique for the first two).

A submission inserts the report and then writes its number, so each index cost it two entries
(docs/benchmarks.md, "Intake"). Dropped CONCURRENTLY on PostgreSQL, so the reports being filed
meanwhile are not blocked. Django would recreate a ``_like`` index only if one of those three
fields were altered again.
"""

from django.db import migrations, models

FOREIGN_KEYS = ("category_id", "utility_id")
PATTERN_COLUMNS = ("tracking_number", "token", "reporter_phone")


def _names(schema_editor) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    table = "complaints_complaint"
    keys = [(schema_editor._create_index_name(table, [column]), column) for column in FOREIGN_KEYS]
    like = [(schema_editor._create_index_name(table, [column], suffix="_like"), column) for column in PATTERN_COLUMNS]
    return keys, like


def forwards(apps, schema_editor):
    keys, like = _names(schema_editor)
    postgres = schema_editor.connection.vendor == "postgresql"
    for name, _column in keys + (like if postgres else []):
        schema_editor.execute(f"DROP INDEX {'CONCURRENTLY ' if postgres else ''}IF EXISTS {name}")


def backwards(apps, schema_editor):
    keys, like = _names(schema_editor)
    postgres = schema_editor.connection.vendor == "postgresql"
    for name, column in keys:
        schema_editor.execute(
            f"CREATE INDEX {'CONCURRENTLY ' if postgres else ''}IF NOT EXISTS {name} ON complaints_complaint ({column})"
        )
    if postgres:
        for name, column in like:
            schema_editor.execute(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON complaints_complaint ({column} varchar_pattern_ops)"
            )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("complaints", "0017_liaison_scope_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="complaint",
                    name="category",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.PROTECT,
                        related_name="complaints",
                        to="complaints.category",
                        verbose_name="category",
                    ),
                ),
                migrations.AlterField(
                    model_name="complaint",
                    name="utility",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.PROTECT,
                        related_name="complaints",
                        to="municipality.utility",
                        verbose_name="utility",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards, elidable=False)],
        ),
    ]
