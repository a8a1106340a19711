"""DRF pieces for key-holding clients: who is calling (authentication), may they (scope), how often (throttle)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.settings import api_settings

from channels.api_keys.models import ApiKey
from channels.api_keys.services import api_key_for, api_key_touch
from municipality.throttle import WindowThrottle

logger = logging.getLogger(__name__)

HEADER = "HTTP_X_API_KEY"


def presented_key(request) -> str:
    """The key as sent: ``api_key`` in the query string or the form body (Open311), or an ``X-Api-Key`` header."""
    raw = request.query_params.get("api_key") or request.META.get(HEADER) or ""
    if not raw and request.method == "POST":
        raw = request.data.get("api_key") or ""
    return raw if isinstance(raw, str) else ""


class ApiKeyAuthentication(BaseAuthentication):
    """No key: anonymous. A key that is unknown, malformed or revoked: 403 with the same words for each."""

    def authenticate(self, request):
        raw = presented_key(request)
        if not raw.strip():
            return None
        api_key = api_key_for(raw)
        if api_key is None:
            raise exceptions.AuthenticationFailed(_("This api_key is not valid or has been revoked."))
        api_key_touch(api_key=api_key)
        return AnonymousUser(), api_key

    def authenticate_header(self, request):
        return None  # no WWW-Authenticate challenge: DRF answers 403, as Open311 wants


def scoped_key_required(scope: str) -> type[BasePermission]:
    """A permission class: the request carries an active key with ``scope``."""

    class ScopedKeyRequired(BasePermission):
        def has_permission(self, request, view):
            api_key = request.auth
            if not isinstance(api_key, ApiKey):
                raise exceptions.PermissionDenied(_("An api_key is required for this call."))
            if not api_key.allows(scope):
                raise exceptions.PermissionDenied(_("This api_key may not use this channel."))
            return True

    return ScopedKeyRequired


def key_scope_allowed(scope: str) -> type[BasePermission]:
    """A permission class: no key at all, or a key with ``scope`` (public reads that also take keys)."""

    class KeyScopeAllowed(BasePermission):
        def has_permission(self, request, view):
            api_key = request.auth
            if isinstance(api_key, ApiKey) and not api_key.allows(scope):
                raise exceptions.PermissionDenied(_("This api_key may not use this channel."))
            return True

    return KeyScopeAllowed


class ApiKeyThrottle(WindowThrottle):
    """Per key (``BALAGH_API_KEY_RATE``) when a key is sent, else per address (the anonymous rate).

    Fails open: when the cache (Redis) is down, a request is let through and the outage
    logged, so an integration keeps filing reports rather than failing with a 500.
    """

    scope = "api_key"

    def get_rate(self):
        return settings.BALAGH_API_KEY_RATE

    def allow_request(self, request, view):
        if isinstance(request.auth, ApiKey):
            self.rate = settings.BALAGH_API_KEY_RATE
        else:
            self.rate = api_settings.DEFAULT_THROTTLE_RATES.get("anon")
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache backend's own errors (redis.ConnectionError, OSError, ...)
            logger.warning("API throttle cache unavailable; request let through", exc_info=True)
            return True

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            return self.cache_format % {"scope": self.scope, "ident": f"key-{request.auth.pk}"}
        return self.cache_format % {"scope": "anon", "ident": self.get_ident(request)}
