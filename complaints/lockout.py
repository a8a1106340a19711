"""The tracking look-up's lock-out, one for the web page and the API.

A visitor who pairs tracking numbers and mobiles wrongly ``BALAGH_TRACK_MAX_ATTEMPTS`` times
within ``TRACK_WINDOW`` is refused (429) before any look-up, even with the right pair. The
count follows the address (and, on the web page, the session too), in the shared cache, so
every process and both entrances see the same count.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

TRACK_WINDOW = 15 * 60


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _keys(request: HttpRequest) -> list[str]:
    keys = [f"balagh:track:ip:{_client_ip(request)}"]
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        keys.append(f"balagh:track:session:{session.session_key}")
    return keys


def tracking_locked_out(request: HttpRequest) -> bool:
    return any((cache.get(key) or 0) >= settings.BALAGH_TRACK_MAX_ATTEMPTS for key in _keys(request))


def tracking_failed(request: HttpRequest, *, start_session: bool = False) -> None:
    """Count one wrong pair; ``start_session`` (the web page) counts it against a new session too."""
    session = getattr(request, "session", None)
    if start_session and session is not None and not session.session_key:
        session.save()
    for key in _keys(request):
        if cache.add(key, 1, TRACK_WINDOW):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, TRACK_WINDOW)
