"""The "stop" link every follower's message carries: a signed, non-expiring name for one follower row.

Signed rather than random so no column is needed and a leaked link stops only
that one number's messages for that one report.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "notifications.stop-following"


def stop_token(follower_id: int) -> str:
    return signing.dumps(follower_id, salt=SALT, compress=False)


def follower_id_from_stop_token(token: str) -> int | None:
    try:
        return int(signing.loads(token, salt=SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def stop_link(follower_id: int) -> str:
    return settings.SITE_URL + reverse("routing:unfollow", args=[stop_token(follower_id)])
