"""The client's address: the one definition every throttle and lock-out keys on.

``X-Forwarded-For`` is written by whoever sends the request, so it is believed
only when the request comes from a proxy we run (``BALAGH_TRUSTED_PROXIES``, a
list of CIDR networks, empty by default). The header is then read from the right:
each trusted proxy appended the address it saw, so the first address that is not
one of ours is the client. Anything unreadable stops the walk at the last address
we can vouch for.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN = "unknown"


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address) -> bool:
    return any(address in network for network in settings.BALAGH_TRUSTED_PROXIES)


def client_ip(request: HttpRequest) -> str:
    """The address of the client who sent ``request`` (``"unknown"`` if even the peer's is unreadable)."""
    peer = _address(request.META.get("REMOTE_ADDR", "") or "")
    if peer is None:
        return UNKNOWN
    client = peer
    if _trusted(peer):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        for hop in reversed([part for part in forwarded.split(",") if part.strip()]):
            address = _address(hop)
            if address is None:
                break
            client = address
            if not _trusted(address):
                break
    return str(client)


def axes_client_ip(request: HttpRequest) -> str | None:
    """The login lock-out's address: ``None`` rather than a word when none is readable.

    django-axes writes it to a ``GenericIPAddressField``, which PostgreSQL refuses to hold
    anything but an address (a login without a network peer, e.g. ``Client.force_login``).
    """
    address = client_ip(request)
    return None if address == UNKNOWN else address
