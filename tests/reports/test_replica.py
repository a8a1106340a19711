"""The committee's pages, downloads and the weekly compile read from a replica; writes never go there.

The replica alias is the test database itself reached through a role whose sessions are
read-only (``default_transaction_read_only``), as a PostgreSQL hot standby is: any write that
strays to it fails. The role is also granted write privileges, so a refused write is refused for
being on the replica, not for a missing grant. The tests commit (``transaction=True``): the
replica is another session and sees only committed rows, as a real one does.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from municipality.models import Department, Role
from reports import services, tasks
from reports.models import WeeklyReport
from tests.factories import CategoryFactory, DistrictFactory, make_user, submit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, databases=["default", "replica"])]

REPORTS_TABLE = "complaints_complaint"


@pytest.fixture(scope="session")
def reader_role(django_db_setup, django_db_blocker):
    """A login role whose sessions are read-only, allowed into the test database; the replica alias uses it."""
    with django_db_blocker.unblock():
        database = connection.settings_dict["NAME"]
        role = f"{database}_reader"[:63]
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
            if not cursor.fetchone()[0]:
                pytest.skip("the test database's user may not create roles")
            cursor.execute(f'DO $$ BEGIN CREATE ROLE "{role}" LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$')
            cursor.execute(f'ALTER ROLE "{role}" SET default_transaction_read_only = on')
            cursor.execute(f'GRANT CONNECT ON DATABASE "{database}" TO "{role}"')
            cursor.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
            cursor.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"')
            cursor.execute(f'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
        replica = connections["replica"]
        replica.close()
        replica.settings_dict["USER"], replica.settings_dict["PASSWORD"] = role, ""
        yield role
        replica.close()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{role}"')  # its grants, so the role can go
            cursor.execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture
def on_replica(reader_role, settings):
    settings.BALAGH_READ_REPLICA = "replica"
    return reader_role


@pytest.fixture
def town():
    DistrictFactory()
    category = CategoryFactory()
    reports = [submit(category, phone=f"05012300{n:02d}") for n in range(4)]
    committee = make_user("chair", Role.COMMITTEE)
    committee.email = "chair@example.gov.sa"
    committee.save()
    return reports, committee


def reads(capture: CaptureQueriesContext, table: str = REPORTS_TABLE) -> int:
    return sum(f'"{table}"' in query["sql"] for query in capture.captured_queries)


def writes(capture: CaptureQueriesContext) -> list[str]:
    verbs = ("INSERT", "UPDATE", "DELETE", "TRUNCATE")
    return [query["sql"][:80] for query in capture.captured_queries if query["sql"].lstrip().upper().startswith(verbs)]


class Both:
    """Queries captured on the primary and on the replica at once."""

    def __enter__(self):
        self.primary = CaptureQueriesContext(connections["default"]).__enter__()
        self.replica = CaptureQueriesContext(connections["replica"]).__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc)
        self.primary.__exit__(*exc)


def test_the_replica_alias_is_the_test_database_through_the_read_only_role(on_replica):
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT current_user, current_database(), current_setting('transaction_read_only')")
        assert cursor.fetchone() == (on_replica, connection.settings_dict["NAME"], "on")
    with pytest.raises(DatabaseError, match="read-only transaction"):
        Department.objects.using("replica").create(code="STRAY", name_ar="ضالة", name_en="Stray")
    assert not Department.objects.filter(code="STRAY").exists()


def test_report_pages_and_downloads_read_the_reports_from_the_replica(on_replica, town, client):
    _reports, committee = town
    week = services.last_complete_week_start()
    services.weekly_report_compile(week_start=week)
    client.force_login(committee)
    pages = [
        reverse("reports:dashboard"),
        reverse("reports:overdue"),
        reverse("reports:export_complaints", args=["csv"]),
        reverse("reports:export_complaints", args=["xlsx"]),
        *(reverse("reports:export_kpis", args=[table, "csv"]) for table in ("departments", "channels", "districts")),
        reverse("reports:export_kpis", args=["categories", "xlsx"]),
        reverse("reports:weekly_archive"),
        reverse("reports:weekly_detail", args=[week.isoformat()]),
        reverse("reports:weekly_pdf", args=[week.isoformat()]),
        reverse("figures:page"),
        reverse("figures:open_data"),
    ]
    for url in pages:
        with Both() as seen:
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200, (url, body[:300])
        assert seen.replica.captured_queries, url  # read from the replica ...
        assert reads(seen.primary) == 0, (url, [q["sql"][:120] for q in seen.primary.captured_queries])  # ... never the primary
        assert writes(seen.replica) == [], url
    assert b"2026" in body or body  # the open-data file streamed through the replica


def test_the_weekly_compile_reads_from_the_replica_and_writes_its_snapshot_to_the_primary(on_replica, town):
    week = services.last_complete_week_start()
    with Both() as seen:
        tasks.compile_and_send_weekly_report.delay(week.isoformat())
    report = WeeklyReport.objects.get(week_start=week)
    assert report.kpis["summary"]["received"] is not None and report.pdf and report.sent_at
    assert [m.to for m in mail.outbox] == [["chair@example.gov.sa"]]
    assert reads(seen.replica) > 0 and reads(seen.primary) == 0  # the figures came from the replica
    assert any(q.startswith("INSERT") and "reports_weeklyreport" in q for q in writes(seen.primary))
    assert writes(seen.replica) == []


def test_compile_now_from_the_page_and_its_report_right_after(on_replica, town, client):
    """The snapshot is written to the primary; the page asked right after finds it (the replica may lag)."""
    _reports, committee = town
    client.force_login(committee)
    assert client.post(reverse("reports:weekly_compile")).status_code == 302  # the task runs at once (eager)
    week = services.this_week_start()
    assert client.get(reverse("reports:weekly_detail", args=[week.isoformat()])).status_code == 200


def test_a_weekly_report_not_on_the_replica_yet_is_read_from_the_primary(on_replica, town, client):
    _reports, committee = town
    client.force_login(committee)
    week = services.last_complete_week_start()
    with transaction.atomic():  # written and not committed: invisible to the replica's session, as with replication lag
        services.weekly_report_compile(week_start=week, render_pdf=False)
        assert not WeeklyReport.objects.using("replica").filter(week_start=week).exists()
        response = client.get(reverse("reports:weekly_detail", args=[week.isoformat()]))
    assert response.status_code == 200
    assert week.isoformat() in response.content.decode()


def test_tracking_and_the_admin_right_after_a_submission_read_the_primary(on_replica, town, client):
    reports, committee = town
    report = submit(CategoryFactory(), phone="0501239999")
    admin = make_user("boss", Role.ADMIN, superuser=True)
    with Both() as seen:
        assert client.get(reverse("citizen:track", args=[report.token])).status_code == 200
        client.force_login(admin)
        assert client.get(reverse("admin:complaints_complaint_change", args=[report.pk])).status_code == 200
    assert seen.replica.captured_queries == []
    assert reads(seen.primary) > 0
