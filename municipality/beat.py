"""One Celery beat schedules at a time, however many are started.

A second beat started by mistake (a deploy that did not stop the old one, two machines with the
same Procfile) would send every periodic task twice. :class:`SingleBeatScheduler` schedules only
while it holds a lock, and otherwise stands by, checking every few seconds, so it takes over when
the other beat stops:

- on PostgreSQL, a session advisory lock on a connection of the scheduler's own, so it spans
  machines and is released by the server as soon as the holder's process or connection dies;
- on the embedded default (SQLite, one machine), an exclusive ``flock`` on ``var/beat.lock``.

On taking over, the scheduler re-reads the schedule (the other beat's last runs) from the database.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, InterfaceError, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django_celery_beat.schedulers import DatabaseScheduler

log = logging.getLogger(__name__)

#: Any 64-bit number no other part of Balagh uses as an advisory lock key ("balabeat").
ADVISORY_KEY = 0x62616C6162656174
#: How often a standing-by beat checks whether it may schedule.
STANDBY_SECONDS = 5.0


def own_connection() -> BaseDatabaseWrapper:
    """A connection to the primary that is this lock's alone, outside any connection pool.

    The lock belongs to the database session. A pooled connection would go back to the pool on
    ``close()`` with the lock still held (and the next user of that connection would "hold" it
    too), so the lock never rides on one: with ``DATABASE_POOL_MAX_SIZE`` the beat opens a plain
    connection of its own; behind PgBouncer, beat's ``DATABASE_URL`` must reach PostgreSQL directly
    or through a session-mode pool (docs/operations.md).
    """
    conn = connections.create_connection("default")
    options = {key: value for key, value in conn.settings_dict["OPTIONS"].items() if key != "pool"}
    conn.settings_dict = {**conn.settings_dict, "OPTIONS": options}  # a copy: the shared settings stay as they are
    return conn


class AdvisoryLock:
    """``pg_try_advisory_lock`` held by a connection that Django's request cycle never closes."""

    def __init__(self, key: int = ADVISORY_KEY):
        self.key = key
        self.conn: BaseDatabaseWrapper | None = None
        self.held = False

    def acquire(self) -> bool:
        """True while this process holds the lock (asked again at every call: the connection may have died)."""
        try:
            if self.conn is None:
                self.conn = own_connection()
                self.held = False
            with self.conn.cursor() as cursor:
                if self.held:
                    cursor.execute("SELECT 1")  # the session is alive, so the lock is still ours
                else:
                    cursor.execute("SELECT pg_try_advisory_lock(%s)", [self.key])
                    self.held = bool(cursor.fetchone()[0])
            return self.held
        except (DatabaseError, InterfaceError) as exc:
            log.warning("Beat lock: database connection lost (%s); standing by.", exc)
            self.release()
            return False

    def release(self) -> None:
        conn, self.conn, self.held = self.conn, None, False
        if conn is not None:
            try:
                conn.close()  # the server drops the session's advisory locks with it
            except (DatabaseError, InterfaceError):
                pass


class FileLock:
    """An exclusive ``flock`` on a file: the processes of one machine (the embedded default)."""

    def __init__(self, path: Path):
        self.path = path
        self.fd: int | None = None

    def acquire(self) -> bool:
        if self.fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return True

    def release(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)  # closing the file releases the lock


def beat_lock() -> AdvisoryLock | FileLock:
    if connection.vendor == "postgresql":
        return AdvisoryLock()
    return FileLock(Path(settings.VAR_DIR) / "beat.lock")


class SingleBeatScheduler(DatabaseScheduler):
    """django-celery-beat's scheduler, scheduling only while it holds the beat lock."""

    def __init__(self, *args, **kwargs):
        self.lock = beat_lock()
        self.leading = False
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs):
        if not self.lock.acquire():
            if self.leading:
                log.warning("Beat: another beat holds the lock; standing by.")
                self.leading = False
                self._dirty.clear()  # the other beat's runs are the ones to keep
            return STANDBY_SECONDS
        if not self.leading:
            log.warning("Beat: holding the lock (pid %s); scheduling.", os.getpid())
            self.leading = True
            # Start from the schedule as the database has it now (the last runs of a beat that stopped).
            self._initial_read = True
            self._heap = None
        return super().tick(*args, **kwargs)

    def close(self):
        try:
            if self.leading:
                super().close()
        finally:
            self.lock.release()
            self.leading = False
