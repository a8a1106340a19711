"""The API answers in JSON, in the caller's language, whatever goes wrong.

DRF turns its own errors (validation, throttling, not found) into JSON; anything else would
reach Django's HTML pages. ``api_exception_handler`` (DRF's ``EXCEPTION_HANDLER``) also answers:
- an unreachable database or Redis: 503 with ``Retry-After`` (the app may send the same report
  again: its ``external_id`` makes the repeat return the first report); any other failure: 500;
- a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413), more files than ``DATA_UPLOAD_MAX_NUMBER_FILES``
  or too many fields (400): Django's own errors, which DRF does not know;
- JSON nested too deeply for Python's stack (400; ``municipality.api_parsers.SafeJSONParser``
  refuses most of it before).
``APIErrorsAsJSONMiddleware`` turns what Django answers itself under ``/api/`` (an unknown URL,
a method not allowed) into JSON too.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

log = logging.getLogger(__name__)

API_PREFIXES = ("/api/",)
#: A service the site depends on is unreachable for a moment: the same request may succeed later.
UNAVAILABLE = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)
RETRY_AFTER_SECONDS = 30


def _too_big_message() -> str:
    return _("The request is too large: at most %(mb)d MB of data besides the photos.") % {
        "mb": max(settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024), 1)
    }


def _request_refused(exc) -> Response | None:
    """Django's request-size errors and parser stack overflows, as JSON."""
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
    return None


def api_exception_handler(exc, context):
    refused = _request_refused(exc)
    if refused is not None:
        return refused
    if isinstance(exc, RecursionError):
        exc = exceptions.ParseError(_("The request body is nested too deeply to read."))
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    view = context.get("view")
    log.error("API %s failed", type(view).__name__ if view else "view", exc_info=exc)
    set_rollback()
    if isinstance(exc, UNAVAILABLE):
        return Response(
            {"detail": _("The service is briefly unavailable. Please send your request again in a minute.")},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return Response(
        {"detail": _("Something went wrong on our side. Please try again later.")},
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


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
