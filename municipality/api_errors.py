"""Every public API error is JSON with a translated message.

Three ways an API request used to get an HTML page or a 500 instead:
- JSON nested thousands deep made the parser overflow Python's stack (a 500);
- a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` or more files than ``DATA_UPLOAD_MAX_NUMBER_FILES``
  raised Django's own errors, which DRF does not know (an HTML 400);
- anything Django answers itself under ``/api/`` (an unknown URL, a crash) was an HTML page.
``municipality.api_parsers.SafeJSONParser`` and ``exception_handler`` (DRF's ``EXCEPTION_HANDLER``) cover the first two,
``APIErrorsAsJSONMiddleware`` the last.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

API_PREFIXES = ("/api/",)


def _too_big_message() -> str:
    return _("The request is too large: at most %(mb)d MB of data besides the photos.") % {
        "mb": max(settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024), 1)
    }


def exception_handler(exc, context):
    """DRF's handler, plus Django's request-size errors and parser stack overflows as JSON."""
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": _too_big_message()}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, TooManyFilesSent):
        return Response(
            {
                "detail": _("Too many files in one request: send at most %(count)d photos.")
                % {"count": settings.BALAGH_MAX_PHOTOS}
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, TooManyFieldsSent):
        return Response({"detail": _("Too many fields in one request.")}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RecursionError):
        exc = exceptions.ParseError(_("The request body is nested too deeply to read."))
    return drf_exception_handler(exc, context)


STATUS_MESSAGES = {
    400: gettext_lazy("The request could not be read."),
    403: gettext_lazy("You may not do this."),
    404: gettext_lazy("There is nothing at this address."),
    405: gettext_lazy("This method is not allowed here."),
    413: gettext_lazy("The request is too large."),
    429: gettext_lazy("Too many requests. Please wait a little and try again."),
}


class APIErrorsAsJSONMiddleware:
    """An error page Django renders itself for an API address becomes ``{"detail": "…"}`` in the caller's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith(API_PREFIXES)
            and not response.get("Content-Type", "").startswith("application/json")
            and not getattr(response, "streaming", False)
        ):
            if response.status_code >= 500:
                message = _("Something went wrong on our side. Please try again later.")
            else:
                message = str(STATUS_MESSAGES.get(response.status_code, STATUS_MESSAGES[400]))
            replacement = JsonResponse(
                {"detail": message}, status=response.status_code, json_dumps_params={"ensure_ascii": False}
            )
            for header in ("Retry-After", "Allow"):
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response
