"""Writes and the one lookup for API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.api_keys.models import ApiKey, Scope

KEY_MARK = "blg"
# last_used_at is written at most this often per key: a busy client does not turn every read into a write.
TOUCH_EVERY = timedelta(minutes=1)


def hash_key(raw: str) -> str:
    """SHA-256 is enough: the key carries 256 random bits, so there is nothing to guess or to salt."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _clean_scopes(scopes) -> list[str]:
    chosen = sorted({str(scope).strip() for scope in scopes or [] if str(scope).strip()})
    unknown = [scope for scope in chosen if scope not in Scope.values]
    if unknown:
        raise ValidationError(
            {
                "scopes": _("Unknown channel: %(names)s. Choose from: %(known)s.")
                % {"names": ", ".join(unknown), "known": ", ".join(Scope.values)}
            }
        )
    if not chosen:
        raise ValidationError({"scopes": _("Choose at least one channel for the key.")})
    return chosen


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the key a name that says who uses it.")})
    if len(name) > 100:
        raise ValidationError({"name": _("The name is limited to 100 characters.")})
    return name


def api_key_create(*, name: str, scopes: list[str]) -> tuple[ApiKey, str]:
    """Make a key; returns the row and the key itself, which is never stored and cannot be shown again."""
    name, scopes = _clean_name(name), _clean_scopes(scopes)
    while True:
        prefix = secrets.token_hex(4)
        if not ApiKey.objects.filter(prefix=prefix).exists():
            break
    raw = f"{KEY_MARK}_{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(name=name, prefix=prefix, key_hash=hash_key(raw), scopes=scopes)
    return api_key, raw


def api_key_update(*, api_key: ApiKey, name: str, scopes: list[str]) -> ApiKey:
    api_key.name, api_key.scopes = _clean_name(name), _clean_scopes(scopes)
    api_key.save(update_fields=["name", "scopes"])
    return api_key


def api_keys_revoke(*, keys, at: datetime | None = None) -> int:
    """Revoke keys at once (the next request with one of them gets 403). Returns how many were active."""
    return ApiKey.objects.filter(pk__in=[key.pk for key in keys], revoked_at__isnull=True).update(revoked_at=at or timezone.now())


def api_key_touch(*, api_key: ApiKey, at: datetime | None = None) -> bool:
    """Record a use; a conditional UPDATE, so concurrent requests never wait on each other."""
    now = at or timezone.now()
    updated = (
        ApiKey.objects.filter(pk=api_key.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_EVERY))
        .update(last_used_at=now)
    )
    if updated:
        api_key.last_used_at = now
    return bool(updated)


def api_key_for(raw: str) -> ApiKey | None:
    """The active key ``raw`` is, or ``None`` (unknown, malformed or revoked: the caller cannot tell which)."""
    parts = (raw or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_MARK or len(parts[1]) != 8 or len(raw) > 200:
        return None
    api_key = ApiKey.objects.active().filter(prefix=parts[1]).first()
    if api_key is None or not hmac.compare_digest(api_key.key_hash, hash_key(raw.strip())):
        return None
    return api_key
