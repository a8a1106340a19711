"""A per-process value built from the database and rebuilt when the database changes.

Used for the districts' spatial index and the routing rules: ``get()`` returns the
value it holds, and at most every ``BALAGH_ROUTING_RECHECK_SECONDS`` (0: on every
call) asks the database for a cheap fingerprint; a different fingerprint rebuilds
the value. So every process sees an admin change within that time, and the hot
path usually costs no query at all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.conf import settings

T = TypeVar("T")


class VersionedCache(Generic[T]):
    def __init__(self, *, version: Callable[[], tuple], build: Callable[[tuple], T]):
        self._version = version
        self._build = build
        self._lock = threading.Lock()
        self._value: T | None = None
        self._built_from: tuple | None = None
        self._checked_at = 0.0

    def _recently_checked(self) -> bool:
        interval = settings.BALAGH_ROUTING_RECHECK_SECONDS
        return interval > 0 and time.monotonic() - self._checked_at < interval

    def get(self, *, check: bool = True) -> T:
        value = self._value
        if value is not None and (not check or self._recently_checked()):
            return value
        version = self._version()
        with self._lock:
            if self._value is None or self._built_from != version:
                self._value, self._built_from = self._build(version), version
            self._checked_at = time.monotonic()
            return self._value

    def invalidate(self) -> None:
        with self._lock:
            self._value = None
