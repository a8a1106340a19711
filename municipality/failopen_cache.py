"""The shared cache, which never takes the site down with it.

Everything the cache holds can be lost: API throttle counters, tracking-page attempt counts,
the dashboard's computed figures. So when Redis cannot be reached, :class:`FailOpenRedisCache`
answers from a memory cache in this process instead of raising: a citizen's report is still
taken (throttles keep counting, per process), a dashboard is computed instead of read. Each
operation waits at most the socket timeouts below, and after a failure Redis is left alone for
``RETRY_AFTER_SECONDS``, so an outage costs one short wait per process, not one per call.
"""

from __future__ import annotations

import functools
import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.commands.core import Script
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

from municipality.rate_window import WINDOW_SCRIPT, history_hit

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Redis is unreachable, busy loading, or a replica that was just demoted: use the local cache.
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ReadOnlyError, OSError)
RETRY_AFTER_SECONDS = 5.0
DEFAULT_SOCKET_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}

_OPERATIONS = ("add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "set_many", "delete_many", "clear")


def _fail_open(name: str):
    def operation(self, *args, **kwargs):
        return self._redis_or_local(
            lambda: getattr(super(FailOpenRedisCache, self), name)(*args, **kwargs),
            lambda: getattr(self._local, name)(*args, **kwargs),
        )

    return functools.wraps(getattr(RedisCache, name))(operation)


class ReusedRedisCacheClient(RedisCacheClient):
    """Django's client builds a new ``redis.Redis`` (and its table of ~170 reply callbacks) for every
    operation; this one keeps one per connection pool. ``redis.Redis`` is thread-safe, and its pool
    opens new connections after a fork."""

    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache with short socket timeouts and a per-process memory fallback."""

    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**DEFAULT_SOCKET_TIMEOUTS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self._class = ReusedRedisCacheClient
        self._local = LocMemCache(f"fail-open:{server}", {"TIMEOUT": params.get("TIMEOUT", 300)})
        self._down_until = 0.0
        self._down_since: float | None = None
        self._state = threading.Lock()
        self._window_script: Script | None = None

    @property
    def is_down(self) -> bool:
        """True while this process answers from its local cache."""
        return self._down_since is not None

    def _mark_down(self, exc: BaseException) -> None:
        with self._state:
            first = self._down_since is None
            now = time.monotonic()
            self._down_since = self._down_since or now
            self._down_until = now + RETRY_AFTER_SECONDS
        if first:
            log.warning("Cache: Redis unreachable (%s); using this process's memory until it is back.", exc)

    def _mark_up(self) -> None:
        with self._state:
            if self._down_since is None:
                return
            down_for = time.monotonic() - self._down_since
            self._down_since = None
        log.warning("Cache: Redis is back after %.0f s.", down_for)

    def _redis_or_local(self, on_redis: Callable[[], T], on_local: Callable[[], T]) -> T:
        """``on_redis()``, or ``on_local()`` (this process's memory) while Redis is unreachable."""
        if time.monotonic() < self._down_until:
            return on_local()
        try:
            result = on_redis()
        except UNAVAILABLE as exc:
            self._mark_down(exc)
            return on_local()
        if self._down_since is not None:
            self._mark_up()
        return result

    def window_hit(self, key: str, *, limit: int, window: int) -> tuple[bool, float | None]:
        """:func:`municipality.rate_window.window_hit` in one atomic round trip (:data:`WINDOW_SCRIPT`);
        while Redis is unreachable, in this process's memory."""

        def on_redis() -> tuple[bool, float | None]:
            client = self._cache.get_client(key, write=True)
            if self._window_script is None:  # EVALSHA, loading the script again where the server lost it
                self._window_script = client.register_script(WINDOW_SCRIPT)
            counted, wait = self._window_script(
                keys=[self.make_and_validate_key(f"{key}:window")], args=[limit, window, secrets.token_hex(8)], client=client
            )
            return (True, None) if counted else (False, float(wait))

        return self._redis_or_local(on_redis, lambda: history_hit(self._local, key, limit=limit, window=window, now=time.time()))


for _name in _OPERATIONS:
    setattr(FailOpenRedisCache, _name, _fail_open(_name))
