"""Signed tokens for "follow this report": they name a report without revealing its secret public token."""

from __future__ import annotations

from django.core import signing

SALT = "routing.follow"


def follow_token(complaint) -> str:
    return signing.dumps(complaint.pk, salt=SALT, compress=False)


def complaint_id_from_follow_token(token: str, *, max_age_days: int = 30) -> int | None:
    try:
        return int(signing.loads(token, salt=SALT, max_age=max_age_days * 86400))
    except (signing.BadSignature, TypeError, ValueError):
        return None
