"""The tracking look-up's lock-out, one for the web page and the API.

Guessing the mobile behind a tracking number is what it stops. Wrong "number + mobile"
pairs are counted per (client address, tracking number), so one proxy's address, or one
attacker, cannot lock tracking for everybody behind it; and per tracking number from every
address together (``BALAGH_TRACK_MAX_ATTEMPTS_PER_NUMBER``), so spreading the guesses over
many addresses does not help either. Over a limit, look-ups of that number are refused
(429) for ``BALAGH_TRACK_WINDOW_SECONDS`` before any look-up, even with the right pair.
The address is ``municipality.client_ip`` (a forged X-Forwarded-For is not a new address);
the counts live in the shared cache, so every process and both entrances see them.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from complaints.selectors import normalize_tracking_number
from municipality import ratelimit
from municipality.client_ip import client_ip


def _keys(request: HttpRequest, tracking_number: str) -> dict[str, int]:
    number = normalize_tracking_number(tracking_number) or "other"
    return {
        f"balagh:track:ip-number:{client_ip(request)}:{number}": settings.BALAGH_TRACK_MAX_ATTEMPTS,
        f"balagh:track:number:{number}": settings.BALAGH_TRACK_MAX_ATTEMPTS_PER_NUMBER,
    }


def tracking_locked_out(request: HttpRequest, tracking_number: str) -> bool:
    """True while look-ups of this number from this client are refused."""
    return ratelimit.is_over(_keys(request, tracking_number))


def tracking_failed(request: HttpRequest, tracking_number: str) -> None:
    """Count one wrong pair (wrong mobile or unknown number)."""
    for key in _keys(request, tracking_number):
        ratelimit.hit(key, window=settings.BALAGH_TRACK_WINDOW_SECONDS)
