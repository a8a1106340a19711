import os

import pytest
from django.db import connection, connections

from municipality import geo


def pytest_collection_modifyitems(config, items):
    """Skip what needs a service this run does not have."""
    on_postgres = (os.environ.get("DATABASE_URL") or "").startswith("postgres")
    has_redis = bool(os.environ.get("REDIS_URL"))
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs DATABASE_URL on PostgreSQL"))
        if "integration" in item.keywords and not (on_postgres and has_redis):
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL and Redis (CI runs it)"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's, then the connection pools closed (DATABASE_POOL_MAX_SIZE): their open
    connections would stop the test database from being dropped."""
    yield
    for conn in connections.all(initialized_only=True):
        if getattr(conn, "pool", None) is not None:
            conn.close_pool()
    if connection.vendor == "postgresql":
        # A session another thread or process of a test left open (a live server's, an application
        # process's) would stop the test database from being dropped: the next run would start
        # from a database it has to delete first.
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture(autouse=True)
def _fresh_district_index():
    """The per-process copies of the districts and of the report types start empty in every test."""
    from complaints import selectors

    geo.invalidate()
    selectors.invalidate_categories()
    yield
    geo.invalidate()
    selectors.invalidate_categories()


@pytest.fixture(autouse=True)
def _empty_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def vendor():
    return connection.vendor
