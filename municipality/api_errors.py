"""The API answers in JSON even when something underneath it fails.

DRF turns its own errors (validation, throttling, not found) into JSON; anything else would
reach Django's HTML "Server Error (500)" page, in English, which a citizen's app cannot show.
Here an unreachable database or Redis becomes a 503 with ``Retry-After`` (the app may send the
same report again: its ``external_id`` makes the repeat return the first report), and any other
failure a 500, both as ``{"detail": "…"}`` in the request's language.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

log = logging.getLogger(__name__)

#: A service the site depends on is unreachable for a moment: the same request may succeed later.
UNAVAILABLE = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)
RETRY_AFTER_SECONDS = 30


def api_exception_handler(exc, context):
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
