"""SMS backends for the outbox's fault tests: a gateway that takes the message, then something goes wrong."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import connection, connections

from notifications.backends import FileSMSBackend


class WorkerDiesMidSend(BaseException):
    """What a ``kill -9`` does to a send: nothing after it runs (not an ``Exception``, so no handler sees it)."""


class DyingSMSBackend(FileSMSBackend):
    """The process dies while the gateway holds the message (it is not written)."""

    def send(self, *, to: str, body: str, key: str = "") -> None:
        raise WorkerDiesMidSend(key)


class SlowSMSBackend(FileSMSBackend):
    """Takes ``seconds`` to answer, and calls ``during_send`` meanwhile (the test sets both)."""

    seconds: float = 0.0
    during_send: Callable[[], object] = staticmethod(lambda: None)

    def send(self, *, to: str, body: str, key: str = "") -> None:
        time.sleep(self.seconds)
        type(self).during_send()
        super().send(to=to, body=body, key=key)


def terminate_backend(pid: int) -> None:
    """``pg_terminate_backend`` from a connection of its own, and wait until that backend is gone."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            for _ in range(50):
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                if not cursor.fetchone()[0]:
                    return
                time.sleep(0.05)
    finally:
        other.close()


class ConnectionCutSMSBackend(FileSMSBackend):
    """The gateway takes the message; at that moment the sender's database connection is terminated."""

    def send(self, *, to: str, body: str, key: str = "") -> None:
        super().send(to=to, body=body, key=key)
        connection.ensure_connection()
        terminate_backend(connection.connection.info.backend_pid)
