"""Shared by the integration tests: a real Celery worker process on the test database."""

import pytest

from tests.integration.brokers import fresh_broker_pools
from tests.integration.workers import start_worker


@pytest.fixture
def real_worker(transactional_db, tmp_path):
    """One worker consuming every queue, on ``REDIS_URL`` (this process's broker too)."""
    fresh_broker_pools()  # another test may have re-pointed and closed them
    worker = start_worker(log_dir=tmp_path)
    try:
        yield worker
    finally:
        worker.stop()
