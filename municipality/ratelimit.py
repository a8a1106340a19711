"""Counters in the shared cache for lock-outs and per-number limits (fixed windows).

They fail open: when the cache (Redis) cannot be reached a citizen is served and the
failure is logged, because refusing every citizen is worse than a missed count.
"""

from __future__ import annotations

import logging

from django.core.cache import cache

log = logging.getLogger(__name__)


def count(key: str) -> int:
    """How many hits ``key`` has in its current window (0 when the cache is unreachable)."""
    try:
        return int(cache.get(key) or 0)
    except Exception as exc:  # noqa: BLE001 - any cache failure: fail open
        log.warning("Rate limit %s not read (%s): serving the request.", key, exc)
        return 0


def is_over(keys: dict[str, int]) -> bool:
    """True when any key has reached its limit (``{key: limit}``)."""
    return any(count(key) >= limit for key, limit in keys.items())


def hit(key: str, *, window: int) -> int:
    """Count one more hit on ``key`` (the window starts at its first hit); returns the new count."""
    try:
        if cache.add(key, 1, window):
            return 1
        try:
            return int(cache.incr(key))
        except ValueError:  # expired between add and incr
            cache.add(key, 1, window)
            return 1
    except Exception as exc:  # noqa: BLE001 - any cache failure: fail open
        log.warning("Rate limit %s not counted (%s).", key, exc)
        return 0


def allow(keys: dict[str, int], *, window: int) -> bool:
    """Count one hit on every key; False when any of them was already at its limit (nothing counted then)."""
    if is_over(keys):
        return False
    for key in keys:
        hit(key, window=window)
    return True
