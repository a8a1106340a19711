"""``Permissions-Policy``: no page may use the camera, microphone or location, except where it says so.

Only the citizen form asks for the location (its "use my location" button); it is
marked with ``@allow_geolocation``. Django sets the other headers itself
(``SECURE_*`` settings), django-csp the Content Security Policy.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings

HEADER = "Permissions-Policy"


def allow_geolocation(view):
    """Let this page ask for the visitor's location (this site only)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response[HEADER] = settings.BALAGH_PERMISSIONS_POLICY.replace("geolocation=()", "geolocation=(self)")
        return response

    return wrapper


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = settings.BALAGH_PERMISSIONS_POLICY
        return response
