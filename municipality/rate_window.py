"""A sliding-window counter in the cache: has this caller made ``limit`` requests in the last ``window`` seconds?

:func:`window_hit` is what the API throttles (:mod:`municipality.throttle`) count with. On Redis
(:class:`municipality.failopen_cache.FailOpenRedisCache`) it is :data:`WINDOW_SCRIPT`, one atomic
step on the server; any other cache reads and writes the history (:func:`history_hit`), as DRF does.
"""

from __future__ import annotations

import time

from django.core.cache import BaseCache

#: KEYS[1]: a sorted set of the moments counted (score: the server's time); ARGV: limit, window
#: (seconds), a member unique to this request. Returns {1, "0"} if counted, else {0, seconds to wait}.
#: The server's clock, so web servers whose clocks differ still share one window.
WINDOW_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
  return {1, '0'}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tostring(math.max(tonumber(oldest[2]) + window - now, 0))}
"""


def window_hit(cache: BaseCache, key: str, *, limit: int, window: int) -> tuple[bool, float | None]:
    """Count one request under ``key``: ``(True, None)`` if fewer than ``limit`` were counted in the last
    ``window`` seconds (and then this one is), else ``(False, seconds until the oldest of them ages out)``."""
    hit = getattr(cache, "window_hit", None)
    if hit is not None:
        return hit(key, limit=limit, window=window)
    return history_hit(cache, key, limit=limit, window=window, now=time.time())


def history_hit(cache: BaseCache, key: str, *, limit: int, window: int, now: float) -> tuple[bool, float | None]:
    """:func:`window_hit` as DRF counts: the list of moments in the cache, newest first, read and then
    written (two requests at the same moment can both read the same list: per process, that is all)."""
    history = [moment for moment in cache.get(key, []) if moment > now - window]
    if len(history) >= limit:
        return False, max(history[-1] + window - now, 0.0)
    cache.set(key, [now, *history], window)
    return True, None
