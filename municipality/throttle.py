"""The API's rate limits: a sliding window per caller, counted in one cache operation.

DRF's ``SimpleRateThrottle`` reads the caller's history (a pickled list of timestamps), trims it
and writes it back: two round trips to Redis on every request, and two requests from the same
address at the same moment both read the same history, so both pass and one of the two writes is
lost. A burst over many connections then gets through well past the limit.

:func:`municipality.rate_window.window_hit` takes the request in one step instead. On Redis
(:class:`municipality.failopen_cache.FailOpenRedisCache`) that is one script, run atomically on the
server with the server's clock: trim, count, record if under the limit. Any other cache (files in
the embedded default, the per-process memory while Redis is down) keeps DRF's read-and-write.
Either way the answer is the same: the request is allowed when fewer than ``limit`` were allowed
in the last ``window`` seconds, and a refused one is told how long until the oldest of them ages out.
"""

from __future__ import annotations

from rest_framework.throttling import SimpleRateThrottle

from municipality.rate_window import window_hit


class WindowThrottle(SimpleRateThrottle):
    """``SimpleRateThrottle`` (rates, scopes and keys as DRF reads them) counting through :func:`window_hit`.

    ``Retry-After`` on a refusal is the time until the caller's oldest counted request leaves the window.
    """

    num_requests: int  # set from the rate by SimpleRateThrottle (not read when there is no rate)
    duration: int

    def allow_request(self, request, view) -> bool:
        self._wait: float | None = None
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        allowed, self._wait = window_hit(self.cache, self.key, limit=self.num_requests, window=self.duration)
        return allowed

    def wait(self) -> float | None:
        return self._wait
