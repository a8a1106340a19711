"""Which database a read goes to (municipality.replica): the replica only where asked, and never after a write."""

from django.db import DEFAULT_DB_ALIAS, router

from complaints.models import Complaint
from municipality.replica import REPLICA, primary_reads, reading_from, replica_iter, replica_reads


def test_without_a_replica_every_read_and_write_uses_the_primary(settings):
    settings.BALAGH_READ_REPLICA = ""
    with replica_reads():
        assert router.db_for_read(Complaint) == DEFAULT_DB_ALIAS
        assert Complaint.objects.all().db == DEFAULT_DB_ALIAS
    assert router.db_for_write(Complaint) == DEFAULT_DB_ALIAS


def test_with_a_replica_only_the_scopes_read_from_it(settings):
    settings.BALAGH_READ_REPLICA = REPLICA
    assert Complaint.objects.all().db == DEFAULT_DB_ALIAS  # the admin, the citizen pages, tracking
    with replica_reads():
        assert Complaint.objects.all().db == REPLICA
        assert Complaint.objects.select_for_update().db == DEFAULT_DB_ALIAS  # a locking read is a write's
        with primary_reads():
            assert Complaint.objects.all().db == DEFAULT_DB_ALIAS
    assert Complaint.objects.all().db == DEFAULT_DB_ALIAS


def test_a_scope_reads_from_the_primary_once_it_has_written(settings):
    settings.BALAGH_READ_REPLICA = REPLICA
    with replica_reads():
        assert reading_from() == REPLICA
        assert router.db_for_write(Complaint) == DEFAULT_DB_ALIAS  # e.g. saving a snapshot
        assert reading_from() == DEFAULT_DB_ALIAS  # so it sees what it wrote
    with replica_reads():
        assert reading_from() == REPLICA  # a new scope starts on the replica again


def test_a_streamed_download_reads_each_chunk_from_the_replica(settings):
    settings.BALAGH_READ_REPLICA = REPLICA

    def chunks():
        for _ in range(3):
            yield reading_from()

    streamed = replica_iter(chunks())
    assert next(streamed) == REPLICA
    assert reading_from() == DEFAULT_DB_ALIAS  # between chunks the response's other work is on the primary
    assert list(streamed) == [REPLICA] * 2


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "complaints")
    assert not router.allow_migrate(REPLICA, "complaints")
