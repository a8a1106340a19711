"""The Redis broker as kombu's transport, publishing through one Redis client per channel.

kombu's Redis channel builds a new ``redis.Redis`` client for every message it publishes (and
every queue it measures or purges): a client object with its ~170 response callbacks, each time.
A submission publishes one message, so that was 3 % of its CPU. A ``redis.Redis`` is safe to
share between threads and takes a connection from the channel's pool for each command, so one
per channel does the same work. Selected by ``CELERY_BROKER_TRANSPORT`` when ``REDIS_URL`` is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kombu.transport import redis


class Channel(redis.Channel):
    _shared_client = None

    @contextmanager
    def conn_or_acquire(self, client=None) -> Iterator:
        if client:
            yield client
            return
        if self._shared_client is None:
            self._shared_client = self._create_client()  # type: ignore[attr-defined]  # celery-types lacks it
        yield self._shared_client

    def _disconnect_pools(self) -> None:  # type: ignore[misc]  # celery-types lacks it
        self._shared_client = None  # its pool is about to go; the next call builds a client on the new one
        super()._disconnect_pools()  # type: ignore[misc]


class Transport(redis.Transport):
    Channel = Channel
