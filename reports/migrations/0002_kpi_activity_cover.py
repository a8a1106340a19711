"""The committee's KPI scan reads its rows from one index, never from the table (PostgreSQL only).

``reports.kpi_scan`` finds the reports relevant to a period and the one before through the
*activity key* (``kpi_scan.activity_key()``: 9999-12-31 for an open report, else the latest of
received, resolved, closed and rated). This index is on that key and INCLUDEs every column the
scan reads, so the scan is an index-only range read of the relevant rows (a few per cent of the
index) instead of a bitmap over four indexes and a visit to each row in the table: the rows a
period needs sit together. ``tests/reports/test_kpi_scan.py`` checks on PostgreSQL that the scan's
plan is an index-only scan of this index, so the key, the columns and the scan cannot drift apart
(a new open status or a new column read by a KPI needs a new migration).

Built CONCURRENTLY: on a live database it does not block the reports being filed meanwhile.
"""

from django.db import migrations

NAME = "reports_kpi_activity_cover"
KEY = (
    "(CASE WHEN status IN ('new', 'assigned', 'in_progress', 'on_hold') THEN '9999-12-31 00:00:00+00'::timestamptz "
    "ELSE GREATEST(created_at, resolved_at, closed_at, rated_at) END)"
)
COLUMNS = (
    "department_id, channel, category_id, district_id, utility_id, priority, status, closure_reason, duplicate_of_id, "
    "created_at, resolved_at, closed_at, rated_at, resolution_due_at, response_due_at, first_response_at, "
    "rating, reopen_count, lat, lon"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME} ON complaints_complaint ({KEY}) INCLUDE ({COLUMNS})")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reports", "0001_weekly_report_snapshot"),
        ("complaints", "0016_merge_whatsapp_read_log"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
