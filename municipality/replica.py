"""Reads that may come from a PostgreSQL streaming replica (``DATABASE_REPLICA_URL``).

Only code that asks for it reads from the replica, inside :func:`replica_reads`: the committee's
report pages and downloads, the public figures, the dashboard's refreshes and the weekly
compile's figures. A replica lags the primary by up to seconds, which a week's figures can
afford and a citizen looking up the report they have just filed cannot, so everything else
(the admin, the citizen pages and API, tracking, the sweep, every write) stays on the primary,
and so do the reads of a scope after it has written anything (its own write must be seen).
Writes always go to the primary: the replica is read-only (a hot standby refuses them).

Without ``DATABASE_REPLICA_URL`` the scopes read from the primary too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

T = TypeVar("T")

#: The database alias of the replica in ``DATABASES`` (set from ``DATABASE_REPLICA_URL``).
REPLICA = "replica"


class _Scope:
    __slots__ = ("wrote",)

    def __init__(self) -> None:
        self.wrote = False


_scope: ContextVar[_Scope | None] = ContextVar("balagh_replica_scope", default=None)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside come from the replica (when there is one) until the first write inside."""
    token = _scope.set(_Scope())
    try:
        yield
    finally:
        _scope.reset(token)


@contextmanager
def primary_reads() -> Iterator[None]:
    """Reads inside come from the primary, even within :func:`replica_reads` (a row that must be there)."""
    token = _scope.set(None)
    try:
        yield
    finally:
        _scope.reset(token)


def replica_iter(iterable: Iterable[T]) -> Iterator[T]:
    """``iterable``, each step read from the replica: for a streamed download, read after the view returned."""
    items = iter(iterable)
    while True:
        with replica_reads():
            try:
                item = next(items)
            except StopIteration:
                return
        yield item


def reading_from() -> str:
    """The alias a read made here would use."""
    scope = _scope.get()
    if scope is None or scope.wrote:
        return DEFAULT_DB_ALIAS
    return settings.BALAGH_READ_REPLICA or DEFAULT_DB_ALIAS


class ReplicaRouter:
    """``DATABASE_ROUTERS``: reads in a :func:`replica_reads` scope go to the replica; all else to the primary."""

    def db_for_read(self, model, **hints) -> str:
        return reading_from()

    def db_for_write(self, model, **hints) -> str:
        scope = _scope.get()
        if scope is not None:
            scope.wrote = True  # the scope's later reads must see this write: the primary from now on
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # one database, two ways in

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS  # the replica follows the primary's schema by streaming
