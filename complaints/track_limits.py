"""The tracking lock-out: failed "number + mobile" look-ups, counted per client address and tracking number.

Guessing the mobile behind a tracking number is what the lock-out stops. It counts
per (address, number), so one proxy's address, or one attacker, cannot lock tracking
for everybody behind it; and per number from every address together (a higher limit),
so spreading the guesses over many addresses does not help either. The address is
``municipality.client_ip`` (a forged X-Forwarded-For does not make a new address).
The page and the API share these counters.
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


def track_blocked(request: HttpRequest, tracking_number: str) -> bool:
    """True while look-ups of this number from this client are refused."""
    return ratelimit.is_over(_keys(request, tracking_number))


def track_failed(request: HttpRequest, tracking_number: str) -> None:
    """Count one failed look-up (wrong mobile or unknown number)."""
    for key in _keys(request, tracking_number):
        ratelimit.hit(key, window=settings.BALAGH_TRACK_WINDOW_SECONDS)
